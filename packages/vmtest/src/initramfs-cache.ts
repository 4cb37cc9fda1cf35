/** The initramfs cache: gzip'd newc archives keyed by content, kept under a size bound, least recently used out first. */
import { readdir, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cacheDir, exists, writeFileAtomic } from '@cgpu/common';

/**
 * Every module build and every mutant makes a new smoke archive (3.3 MB gzip'd; 17.8 MB raw, most of it
 * trinity's 10 MB .data), and nothing removed them: 1 GB in 360 archives on the development machine after
 * three days. Kept: the most recently used up to this bound (~150 smoke archives).
 *
 * gzip, not raw (measured for issue 13): a raw archive spares the guest the inflate, but QEMU then loads
 * and the kernel frees 5x the bytes. Bare boots to power-off with the smoke archive, 8 of each, alternated,
 * TCG: 5.10 median 2.05 s gzip'd against 2.19 s raw, 6.1 2.32 s against 2.30 s. No gain, 5x the disk.
 */
export const INITRAMFS_CACHE_BYTES = 512 * 1024 * 1024;

/** An archive used within this window is never removed: a run between finding its path and QEMU opening it. */
export const INITRAMFS_IN_USE_MS = 10 * 60_000;

/**
 * The cached archive `name` (a content key), made by `make` (the newc bytes) when missing. A hit refreshes its time, which is
 * what the bound below goes by; a write prunes the cache back under `INITRAMFS_CACHE_BYTES`.
 */
export async function cachedInitramfs(name: string, make: () => Promise<Uint8Array> | Uint8Array): Promise<string> {
  const out = cacheDir('initramfs', `${name}.cpio.gz`);
  if (await exists(out)) {
    const now = new Date();
    await utimes(out, now, now).catch(() => undefined); // pruned by another run meanwhile: it is written below
    if (await exists(out)) return out;
  }
  await writeFileAtomic(out, gzipSync(await make(), { level: 6 }));
  await pruneInitramfsCache(cacheDir('initramfs'), INITRAMFS_CACHE_BYTES, Date.now());
  return out;
}

export interface CachedFile {
  name: string;
  bytes: number;
  mtimeMs: number;
}

/**
 * Which files to remove so the rest fit in `limit` bytes: the least recently used first, never one used in
 * the last `INITRAMFS_IN_USE_MS` (so the total may stay above the limit while many runs are under way).
 */
export function filesToPrune(files: readonly CachedFile[], limit: number, now: number): string[] {
  let total = files.reduce((a, f) => a + f.bytes, 0);
  const out: string[] = [];
  for (const f of [...files].sort((a, b) => a.mtimeMs - b.mtimeMs)) {
    if (total <= limit) break;
    if (now - f.mtimeMs < INITRAMFS_IN_USE_MS) break;
    out.push(f.name);
    total -= f.bytes;
  }
  return out;
}

/** Prune `dir` down to `limit` bytes (raw `.cpio` archives too: a run that was given one by hand). */
export async function pruneInitramfsCache(dir: string, limit: number, now: number): Promise<string[]> {
  const files: CachedFile[] = [];
  for (const name of await readdir(dir)) {
    if (!/\.cpio(\.gz)?$/.test(name)) continue; // writeFileAtomic's temporary files and anything not ours
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (st?.isFile()) files.push({ name, bytes: st.size, mtimeMs: st.mtimeMs });
  }
  const gone = filesToPrune(files, limit, now);
  // Another run may prune the same file at the same time: a file already gone is fine.
  await Promise.all(gone.map((name) => unlink(join(dir, name)).catch(() => undefined)));
  return gone;
}
