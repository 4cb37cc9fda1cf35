import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as zlib from 'node:zlib';
import { INITRAMFS_IN_USE_MS, cachedInitramfs, filesToPrune, initramfsCompression, pruneInitramfsCache } from '../src/initramfs-cache.js';
import { S_IFREG, readCpio, writeCpio } from '../src/cpio.js';

const MB = 1024 * 1024;
const now = Date.parse('2026-11-29T12:00:00Z');
const ago = (min: number): number => now - min * 60_000;

describe('filesToPrune', () => {
  it('removes the least recently used first, until the rest fit', () => {
    const files = [
      { name: 'new.cpio', bytes: 12 * MB, mtimeMs: ago(20) },
      { name: 'old.cpio', bytes: 12 * MB, mtimeMs: ago(60) },
      { name: 'mid.cpio', bytes: 12 * MB, mtimeMs: ago(40) },
    ];
    expect(filesToPrune(files, 25 * MB, now)).toEqual(['old.cpio']);
    expect(filesToPrune(files, 12 * MB, now)).toEqual(['old.cpio', 'mid.cpio']);
    expect(filesToPrune(files, 36 * MB, now)).toEqual([]);
  });

  it('never removes an archive used within the in-use window, even over the limit', () => {
    const files = [
      { name: 'running.cpio', bytes: 12 * MB, mtimeMs: now - INITRAMFS_IN_USE_MS + 1000 },
      { name: 'idle.cpio', bytes: 12 * MB, mtimeMs: now - INITRAMFS_IN_USE_MS - 1000 },
    ];
    expect(filesToPrune(files, 0, now)).toEqual(['idle.cpio']);
  });
});

describe('pruneInitramfsCache', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prunes its own archives of both formats, oldest first, and the temporary files of dead writers only', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cgpu-initramfs-cache-'));
    const put = async (name: string, bytes: number, min: number): Promise<void> => {
      await writeFile(join(dir, name), Buffer.alloc(bytes));
      await utimes(join(dir, name), new Date(ago(min)), new Date(ago(min)));
    };
    await put('a.cpio.gz', 3000, 90); // gzip: the power-off archive, or a kernel without CONFIG_RD_ZSTD
    await put('b.cpio.zst', 3000, 60);
    await put('c.cpio.zst', 3000, 30);
    await put('mine.cpio', 3000, 120); // a raw archive someone put there: not ours to remove
    await put(`.d.cpio.zst.${process.pid}.0123abcd.part`, 3000, 120); // a write under way (this process)
    await put('.e.cpio.zst.999999999.0123abcd.part', 3000, 120); // the write of a process that is gone
    await put('notes.txt', 3000, 120);
    const gone = await pruneInitramfsCache(dir, 4000, now); // its own three archives: 9000 bytes
    expect(gone.sort()).toEqual(['a.cpio.gz', 'b.cpio.zst']);
    expect((await readdir(dir)).sort()).toEqual([`.d.cpio.zst.${process.pid}.0123abcd.part`, 'c.cpio.zst', 'mine.cpio', 'notes.txt']);
  });
});

describe('initramfsCompression', () => {
  // Node 22.13 and 22.14 (which the project still runs on) have no zstd: gzip there.
  const nodeHasZstd = typeof zlib.zstdCompressSync === 'function';

  // Lines as Debian's 5.10 and 6.1 configs have them (~/.cache/cgpu/kernels/amd64/*/config).
  it('takes gzip for a kernel without CONFIG_RD_ZSTD', () => {
    expect(initramfsCompression('CONFIG_RD_GZIP=y\n# CONFIG_RD_ZSTD is not set\n')).toEqual({ kind: 'gzip', why: 'the kernel has no CONFIG_RD_ZSTD' });
  });

  it('takes zstd where the kernel unpacks it and Node writes it, gzip on a Node without zstd', () => {
    expect(initramfsCompression('CONFIG_RD_GZIP=y\nCONFIG_RD_ZSTD=y\n', true).kind).toBe('zstd');
    expect(initramfsCompression('CONFIG_RD_ZSTD=y\n', false)).toEqual({ kind: 'gzip', why: `Node ${process.versions.node} has no zstd (22.15+)` });
    // This Node's own answer.
    expect(initramfsCompression('CONFIG_RD_ZSTD=y\n').kind).toBe(nodeHasZstd ? 'zstd' : 'gzip');
  });
});

describe('cachedInitramfs', () => {
  const before = process.env['CGPU_CACHE_DIR'];
  let dir = '';
  afterEach(async () => {
    if (before === undefined) delete process.env['CGPU_CACHE_DIR'];
    else process.env['CGPU_CACHE_DIR'] = before;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Writing zstd needs a Node that has it (22.15+); on 22.13/22.14 this case skips.
  it.skipIf(typeof zlib.zstdCompressSync !== 'function')('writes a zstd archive once, named by its format, that unpacks to the same newc bytes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cgpu-initramfs-zst-'));
    process.env['CGPU_CACHE_DIR'] = dir;
    const cpio = writeCpio([{ path: 'init', mode: S_IFREG | 0o755, data: Buffer.from('#!/bin/sh\n') }]);
    let made = 0;
    const make = (): Uint8Array => (made++, cpio);
    const path = await cachedInitramfs('k', make, 'zstd');
    expect(path).toBe(join(dir, 'initramfs', 'k.cpio.zst'));
    expect(await cachedInitramfs('k', make, 'zstd')).toBe(path);
    expect(made).toBe(1);
    expect(readCpio(zlib.zstdDecompressSync(await readFile(path)))[0]?.path).toBe('init');
  });
});
