/** What every initramfs of ours starts with, and the cache key of a tree of cpio entries. */
import { sha256 } from '@cgpu/common';
import { S_IFCHR, S_IFDIR, type CpioEntry } from './cpio.js';

/**
 * The version of the archive layout that no key shows: writeCpio's fixed header fields (uid and gid 0, mtime 0,
 * one link). Change it with them, so that no archive written the old way is served from the cache.
 */
export const CPIO_LAYOUT = 'newc uid0 gid0 mtime0 nlink1';

/**
 * bin, dev, the directories named (parents first), and /dev/console, which the kernel opens as /init's stdio
 * before anything is mounted. Directories are 0755, but `tmp` is sticky and world-writable (smoke tools drop
 * to an unprivileged user and write there). Plain data, so it goes into the archive's key with the files.
 */
export function skeleton(dirs: readonly string[] = []): CpioEntry[] {
  return [
    ...['bin', 'dev', ...dirs].map((d) => ({ path: d, mode: S_IFDIR | (d === 'tmp' ? 0o1777 : 0o755) })),
    { path: 'dev/console', mode: S_IFCHR | 0o600, rdevMajor: 5, rdevMinor: 1 },
  ];
}

/** The key of an archive of exactly these entries: every path, mode, device number and target, and contents by hash. */
export function treeKey(entries: readonly CpioEntry[]): string {
  const described = entries.map(({ data, ...rest }) => ({ ...rest, ...(data ? { sha256: sha256(data) } : {}) }));
  return sha256(JSON.stringify([CPIO_LAYOUT, described]));
}
