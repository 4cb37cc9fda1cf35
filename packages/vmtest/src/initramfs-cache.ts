/** The initramfs cache: compressed newc archives keyed by content, kept under a size bound, least recently used out first. */
import { readdir, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { CgpuError, cacheDir, sweepStaleTemps, withLock, writeFileAtomic } from '@cgpu/common';

/**
 * Every module build and every mutant makes a new smoke archive (~3.4 MB compressed; 17.8 MB raw, most of
 * it trinity's 10 MB .data), and nothing removed them: 1 GB in 360 archives on the development machine
 * after three days. Kept: the most recently used up to this bound (~150 smoke archives).
 */
export const INITRAMFS_CACHE_BYTES = 512 * 1024 * 1024;

/** An archive used within this window is never removed: a run between finding its path and QEMU opening it. */
export const INITRAMFS_IN_USE_MS = 10 * 60_000;

export type InitramfsCompression = 'zstd' | 'gzip';

/**
 * zstd where the kernel can unpack it (CONFIG_RD_ZSTD, Linux >= 5.9) and this Node can write it (zlib's zstd,
 * Node >= 22.15), else gzip. Measured for issue 13 on 5.10, whose initramfs is unpacked before /init runs:
 * bare boots to power-off with the 18 MB smoke archive, 12 rounds of four alternated, TCG, medians: gzip'd
 * 2.47 s, zstd 2.04 s, raw 2.03 s, a 2 MB busybox-only archive 1.98 s. zstd unpacks as fast as raw at gzip's
 * size. (6.1 unpacks beside the rest of its boot: no difference within the noise there.)
 */
export function initramfsCompression(kernelConfig: string, nodeHasZstd = typeof zlib.zstdCompressSync === 'function'): { kind: InitramfsCompression; why: string } {
  if (!/^CONFIG_RD_ZSTD=y$/m.test(kernelConfig)) return { kind: 'gzip', why: 'the kernel has no CONFIG_RD_ZSTD' };
  if (!nodeHasZstd) return { kind: 'gzip', why: `Node ${process.versions.node} has no zstd (22.15+)` };
  return { kind: 'zstd', why: 'CONFIG_RD_ZSTD=y' };
}

const EXT: Record<InitramfsCompression, string> = { zstd: 'cpio.zst', gzip: 'cpio.gz' };

function compress(data: Uint8Array, kind: InitramfsCompression): Uint8Array {
  if (kind === 'gzip') return zlib.gzipSync(data, { level: 6 });
  if (typeof zlib.zstdCompressSync !== 'function') {
    throw new CgpuError({ code: 'NO_ZSTD', message: `a zstd initramfs was asked for, and Node ${process.versions.node} has no zstd`, hint: 'use Node >= 22.15, or gzip (initramfsCompression picks it on such a Node)' });
  }
  // zstd level 3 (its default): 0.15 s for the smoke archive, against 0.27 s at level 9 for 10 % less.
  return zlib.zstdCompressSync(data, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 } });
}

/**
 * Held while an archive is found and its time refreshed, and while the cache is pruned: a prune that listed
 * an archive as idle must not remove it after another run has just taken it (QEMU would find no initrd).
 */
const LOCK_WAIT_MS = 60_000;
const lockPath = (): string => cacheDir('locks', 'initramfs-cache');

/**
 * The cached archive `name` (a content key), made by `make` (the newc bytes) and compressed with `kind` when
 * missing. A hit refreshes its time, which is what the bound goes by; a write prunes the cache back under
 * `INITRAMFS_CACHE_BYTES`.
 */
export async function cachedInitramfs(name: string, make: () => Promise<Uint8Array> | Uint8Array, kind: InitramfsCompression = 'gzip'): Promise<string> {
  const out = cacheDir('initramfs', `${name}.${EXT[kind]}`);
  const hit = await withLock(lockPath(), LOCK_WAIT_MS, async () => {
    const now = new Date();
    return utimes(out, now, now).then(() => true, () => false); // missing (or pruned earlier): written below
  });
  if (hit) return out;
  // Written outside the lock (0.15-0.25 s of compression); a fresh file is inside the in-use window.
  await writeFileAtomic(out, compress(await make(), kind));
  await withLock(lockPath(), LOCK_WAIT_MS, () => pruneInitramfsCache(cacheDir('initramfs'), INITRAMFS_CACHE_BYTES, Date.now()));
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

/**
 * Prune `dir` down to `limit` bytes: the archives this cache writes (`.cpio.gz`, `.cpio.zst`), and the
 * temporary files of writes whose process died. Callers hold the cache's lock.
 */
export async function pruneInitramfsCache(dir: string, limit: number, now: number): Promise<string[]> {
  await sweepStaleTemps(dir);
  const files: CachedFile[] = [];
  for (const name of await readdir(dir)) {
    if (!/\.cpio\.(gz|zst)$/.test(name) || name.startsWith('.')) continue; // temporary files and anything not ours
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (st?.isFile()) files.push({ name, bytes: st.size, mtimeMs: st.mtimeMs });
  }
  const gone = filesToPrune(files, limit, now);
  // Removed by hand meanwhile: a file already gone is fine.
  await Promise.all(gone.map((name) => unlink(join(dir, name)).catch(() => undefined)));
  return gone;
}
