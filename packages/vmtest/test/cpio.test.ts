import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { S_IFCHR, S_IFDIR, S_IFREG, readCpio, skeleton, writeCpio } from '../src/cpio.js';
import { powerOffInitramfs } from '../src/qemu.js';

describe('newc cpio', () => {
  it('round-trips files, directories and device nodes, 4-byte aligned, with a trailer', () => {
    const buf = writeCpio([
      { path: 'dev', mode: S_IFDIR | 0o755 },
      { path: 'dev/console', mode: S_IFCHR | 0o600, rdevMajor: 5, rdevMinor: 1 },
      { path: '/init', mode: S_IFREG | 0o755, data: Buffer.from('#!/bin/sh\n') },
      { path: 'odd', mode: S_IFREG | 0o644, data: Buffer.from('abc') },
    ]);
    expect(buf.length % 4).toBe(0);
    expect(buf.subarray(0, 6).toString()).toBe('070701');
    const back = readCpio(buf);
    expect(back.map((e) => e.path)).toEqual(['dev', 'dev/console', 'init', 'odd']);
    expect(back[1]).toMatchObject({ rdevMajor: 5, rdevMinor: 1, mode: S_IFCHR | 0o600 });
    expect(Buffer.from(back[2]!.data!).toString()).toBe('#!/bin/sh\n');
    expect(Buffer.from(back[3]!.data!).toString()).toBe('abc');
  });

  it('is reproducible: the same entries give the same bytes', () => {
    const e = [{ path: 'a', mode: S_IFREG | 0o644, data: Buffer.from('x') }];
    expect(writeCpio(e).equals(writeCpio(e))).toBe(true);
  });
});

describe('skeleton', () => {
  it('gives bin, dev, the directories named and /dev/console, parents first; tmp is sticky and world-writable', () => {
    const s = skeleton(['proc', 'tmp']);
    expect(s.map((e) => e.path)).toEqual(['bin', 'dev', 'proc', 'tmp', 'dev/console']);
    expect(s.find((e) => e.path === 'tmp')!.mode).toBe(S_IFDIR | 0o1777);
    expect(s.find((e) => e.path === 'proc')!.mode).toBe(S_IFDIR | 0o755);
    expect(s.at(-1)).toEqual({ path: 'dev/console', mode: S_IFCHR | 0o600, rdevMajor: 5, rdevMinor: 1 });
  });

  it('is what the power-off initramfs is built on, and the archive is cached under a key of its contents', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cgpu-skel-'));
    const saved = process.env['CGPU_CACHE_DIR'];
    process.env['CGPU_CACHE_DIR'] = dir;
    try {
      const bb = join(dir, 'busybox');
      await writeFile(bb, 'not really busybox');
      const first = await powerOffInitramfs(bb);
      const entries = readCpio(gunzipSync(await readFile(first)));
      expect(entries.map((e) => e.path)).toEqual(['bin', 'dev', 'dev/console', 'bin/busybox', 'init']);
      expect(await powerOffInitramfs(bb)).toBe(first);
      expect(await powerOffInitramfs(bb, 'echo hi')).not.toBe(first);
    } finally {
      if (saved === undefined) delete process.env['CGPU_CACHE_DIR'];
      else process.env['CGPU_CACHE_DIR'] = saved;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
