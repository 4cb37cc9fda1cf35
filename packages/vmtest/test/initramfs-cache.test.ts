import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { INITRAMFS_IN_USE_MS, filesToPrune, pruneInitramfsCache } from '../src/initramfs-cache.js';

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

  it('prunes archives of both formats and leaves temporary and foreign files alone', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cgpu-initramfs-cache-'));
    const put = async (name: string, bytes: number, min: number): Promise<void> => {
      await writeFile(join(dir, name), Buffer.alloc(bytes));
      await utimes(join(dir, name), new Date(ago(min)), new Date(ago(min)));
    };
    await put('a.cpio.gz', 3000, 90); // an earlier version's gzip'd archive
    await put('b.cpio', 3000, 60);
    await put('c.cpio', 3000, 30);
    await put('.c.cpio.123.abcd.part', 3000, 120); // a write under way
    await put('notes.txt', 3000, 120);
    const gone = await pruneInitramfsCache(dir, 4000, now);
    expect(gone.sort()).toEqual(['a.cpio.gz', 'b.cpio']);
    expect((await readdir(dir)).sort()).toEqual(['.c.cpio.123.abcd.part', 'c.cpio', 'notes.txt']);
  });
});
