// Atomic writes and the lock directory: what concurrent cgpu runs rely on.
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256, sha256File, withLock, writeFileAtomic } from '../src/files.js';

describe('files', () => {
  it('writeFileAtomic leaves only the whole file, no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cgpu-files-'));
    await writeFileAtomic(join(dir, 'a/b.txt'), 'content');
    expect(await readFile(join(dir, 'a/b.txt'), 'utf8')).toBe('content');
    expect(await readdir(join(dir, 'a'))).toEqual(['b.txt']);
  });

  it('sha256File agrees with sha256 of the same bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cgpu-files-'));
    await writeFile(join(dir, 'x'), 'abc');
    expect(await sha256File(join(dir, 'x'))).toBe(sha256('abc'));
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'); // FIPS 180-2 example
  });

  it('withLock runs holders one at a time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cgpu-lock-'));
    const lock = join(dir, 'l.lock');
    let inside = 0;
    let most = 0;
    const holder = (): Promise<void> =>
      withLock(lock, 10_000, async () => {
        inside += 1;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 50));
        inside -= 1;
      });
    await Promise.all([holder(), holder(), holder()]);
    expect(most).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('withLock takes over a lock whose owner is dead', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cgpu-lock-'));
    const lock = join(dir, 'l.lock');
    await writeFileAtomic(join(lock, 'pid'), '999999999');
    expect(await withLock(lock, 2_000, async () => 'got it')).toBe('got it');
  });
});
