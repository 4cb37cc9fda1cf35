import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { S_IFCHR, S_IFDIR, S_IFREG, readCpio, type CpioEntry } from '../src/cpio.js';
import { skeleton, treeKey } from '../src/initramfs-tree.js';
import { powerOffInitramfs } from '../src/qemu.js';

describe('skeleton', () => {
  it('gives bin, dev, the directories named and /dev/console, parents first; tmp is sticky and world-writable', () => {
    const s = skeleton(['proc', 'tmp']);
    expect(s.map((e) => e.path)).toEqual(['bin', 'dev', 'proc', 'tmp', 'dev/console']);
    expect(s.find((e) => e.path === 'tmp')!.mode).toBe(S_IFDIR | 0o1777);
    expect(s.find((e) => e.path === 'proc')!.mode).toBe(S_IFDIR | 0o755);
    expect(s.at(-1)).toEqual({ path: 'dev/console', mode: S_IFCHR | 0o600, rdevMajor: 5, rdevMinor: 1 });
  });
});

describe('treeKey', () => {
  const tree: CpioEntry[] = [...skeleton(), { path: 'init', mode: S_IFREG | 0o755, data: Buffer.from('#!/bin/sh\n') }];

  it('is the same for the same entries, whatever buffers hold the contents', () => {
    const again = tree.map((e) => (e.data ? { ...e, data: Uint8Array.from(e.data) } : { ...e }));
    expect(treeKey(again)).toBe(treeKey(tree));
  });

  it('changes with any path, mode, device number, contents or order', () => {
    const variants: CpioEntry[][] = [
      tree.map((e) => (e.path === 'init' ? { ...e, path: 'sbin-init' } : e)),
      tree.map((e) => (e.path === 'init' ? { ...e, mode: S_IFREG | 0o700 } : e)),
      tree.map((e) => (e.path === 'dev/console' ? { ...e, rdevMinor: 2 } : e)),
      tree.map((e) => (e.path === 'init' ? { ...e, data: Buffer.from('#!/bin/sh \n') } : e)),
      [...tree].reverse(),
      tree.slice(1),
    ];
    const keys = new Set([treeKey(tree), ...variants.map(treeKey)]);
    expect(keys.size).toBe(variants.length + 1);
  });
});

describe('the power-off initramfs', () => {
  it('is the skeleton plus busybox and /init, cached under a key of its whole tree', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cgpu-tree-'));
    const saved = process.env['CGPU_CACHE_DIR'];
    process.env['CGPU_CACHE_DIR'] = dir;
    try {
      const bb = join(dir, 'busybox');
      await writeFile(bb, 'not really busybox');
      const first = await powerOffInitramfs(bb);
      const entries = readCpio(gunzipSync(await readFile(first)));
      expect(entries.map((e) => e.path)).toEqual(['bin', 'dev', 'dev/console', 'bin/busybox', 'init']);
      expect(Buffer.from(entries[3]!.data!).toString()).toBe('not really busybox');
      expect(await powerOffInitramfs(bb)).toBe(first);
      await writeFile(bb, 'another busybox');
      expect(await powerOffInitramfs(bb)).not.toBe(first);
    } finally {
      if (saved === undefined) delete process.env['CGPU_CACHE_DIR'];
      else process.env['CGPU_CACHE_DIR'] = saved;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
