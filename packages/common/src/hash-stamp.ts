/**
 * SHA256 of a large cached file, remembered beside it (`.<name>.sha256.json`) with the file's identity: inode,
 * size, mtime and ctime in ns. The file is hashed again whenever any of them changes; our caches only ever
 * replace files by rename (new inode), so an unchanged identity is an unchanged file. Saves re-reading
 * ~80 MB of kernel debs on every warm run.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readJson, sha256File, writeFileAtomic } from './files.js';

interface Stamp {
  identity: string;
  sha256: string;
}

async function identity(path: string): Promise<string> {
  const s = await stat(path, { bigint: true });
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

export function hashStampPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.sha256.json`);
}

export async function sha256FileStamped(path: string): Promise<string> {
  const before = await identity(path);
  const stampPath = hashStampPath(path);
  const stamp = await readJson<Stamp>(stampPath);
  if (stamp?.identity === before && /^[0-9a-f]{64}$/.test(stamp.sha256)) return stamp.sha256;
  const sha = await sha256File(path);
  // Stamp only when the file did not change while it was read.
  if ((await identity(path).catch(() => '')) === before) await writeFileAtomic(stampPath, JSON.stringify({ identity: before, sha256: sha } satisfies Stamp));
  return sha;
}
