/** Write a set of files under a root with fixed modes and one fixed mtime, so archives are reproducible. */
import { chmod, mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface StagedFile {
  path: string;
  content: Buffer | string;
  mode: number;
}

export async function stage(root: string, files: readonly StagedFile[], mtime: number): Promise<void> {
  for (const f of files) {
    const p = join(root, f.path);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, f.content);
    await chmod(p, f.mode);
  }
  await fixDirs(root, mtime);
}

/** Every directory 0755 and every entry's mtime `mtime` (seconds), depth first. */
async function fixDirs(dir: string, mtime: number): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      await fixDirs(p, mtime);
      await chmod(p, 0o755);
    }
    await utimes(p, mtime, mtime);
  }
  await utimes(dir, mtime, mtime);
}
