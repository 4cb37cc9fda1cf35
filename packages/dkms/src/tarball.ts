/** `<name>-<version>.dkms.tar.gz` for `dkms ldtarball`: the source tree under dkms_source_tree/, as mktarball made it. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { onCleanup, run } from '@cgpu/common';
import { stage } from './stage.js';
import type { TreeFile } from './tree.js';

export async function buildTarball(i: { name: string; version: string; tree: readonly TreeFile[]; epoch: number; out: string }): Promise<string> {
  const tmp = await mkdtemp(join(tmpdir(), 'cgpu-dkms-tar-'));
  const unregister = onCleanup(() => rm(tmp, { recursive: true, force: true }));
  try {
    await stage(join(tmp, 'root'), i.tree.map((f) => ({ ...f, path: `dkms_source_tree/${f.path}` })), i.epoch);
    const tar = join(tmp, 'a.tar');
    await run('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${i.epoch}`, '-C', join(tmp, 'root'), '-cf', tar, 'dkms_source_tree'], {
      timeoutMs: 60_000,
      purpose: 'packing the dkms tarball',
    });
    const file = join(i.out, `${i.name}-${i.version}.dkms.tar.gz`);
    await writeFile(file, gzipSync(await readFile(tar), { level: 9 }));
    return file;
  } finally {
    unregister();
    await rm(tmp, { recursive: true, force: true });
  }
}
