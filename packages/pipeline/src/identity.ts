/**
 * A build's identity: the content key of every input that made `dist/<release>/`. A result is reused only
 * when the key is equal, so a source edit, another patch, a new .deb or a changed image recipe rebuilds.
 */
import { readFile, readdir, readlink, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { sha256, sha256File } from '@cgpu/common';
import { buildScript, kernelImagePlan } from '@cgpu/builder';
import { mirrorUrl, type KernelEntry } from '@cgpu/kernels';
import type { AppliedPatch } from './patch-step.js';

const KEY_SCHEMA = 1;

/** Build products that a source tree may hold from a manual `make`; never part of what is built from. */
export const BUILD_ARTIFACT = /\.(o|ko|mod|cmd|mod\.c|order|symvers|o\.d)$/;

/** The inputs, kept beside the key in build.json so a mismatch can say what changed. */
export interface BuildKeyInputs {
  schema: number;
  kernel: { release: string; arch: string; packageVersion: string; debs: Array<{ package: string; version: string; sha256: string }> };
  /** Hash of the tree that is compiled, after the patches: every file's path, exec bit and content. */
  source: string;
  series: { file: string | null; applied: Array<{ name: string; sha256: string }> };
  /** The kernel layer's tag: it hashes the builder recipe, every install script and the headers debs. */
  image: string;
  compiler: string;
  /** Hash of the script make runs in (flags, -Werror, the tools step; for a DKMS tree, the dkms-style script). */
  build: string;
  /** A DKMS tree only: its dkms.conf and the make command dkms would choose for this kernel. */
  dkms?: { conf: string; make: string; makeFrom: string };
}

export interface BuildIdentity {
  key: string;
  inputs: BuildKeyInputs;
}

/** Content hash of a directory tree, build products excluded; order-independent of the file system. */
export async function hashTree(root: string): Promise<string> {
  const entries: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const d of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, d.name);
      const rel = relative(root, p);
      if (d.isDirectory()) await walk(p);
      else if (d.isSymbolicLink()) entries.push(`l ${rel} ${await readlink(p)}`);
      else if (d.isFile() && !BUILD_ARTIFACT.test(d.name)) {
        const exec = ((await stat(p)).mode & 0o111) !== 0 ? 'x' : '-';
        entries.push(`f ${rel} ${exec} ${await sha256File(p)}`);
      }
    }
  };
  await walk(root);
  return sha256(entries.join('\n'));
}

/** `dkms`: a DKMS tree's build, whose script and make command replace ours in the key. */
export async function buildIdentity(
  k: KernelEntry,
  /** The tree that is compiled, or its `hashTree` when it is known without the tree (see patch-step). */
  tree: string | { sourceHash: string },
  seriesDir: string | undefined,
  applied: readonly AppliedPatch[],
  werror: boolean,
  dkms?: { script: string; make: string; makeFrom: string },
): Promise<BuildIdentity> {
  const seriesText = seriesDir ? await readFile(join(seriesDir, 'series.yaml'), 'utf8') : undefined;
  const inputs: BuildKeyInputs = {
    schema: KEY_SCHEMA,
    kernel: {
      release: k.release,
      arch: k.arch,
      packageVersion: k.packageVersion,
      debs: k.debs.map((d) => ({ package: d.package, version: d.version, sha256: d.sha256 })),
    },
    source: typeof tree === 'string' ? await hashTree(tree) : tree.sourceHash,
    series: {
      file: seriesText === undefined ? null : sha256(seriesText),
      applied: await Promise.all(applied.map(async (p) => ({ name: p.name, sha256: seriesDir ? await sha256File(join(seriesDir, p.file)) : '' }))),
    },
    image: kernelImagePlan(k, mirrorUrl()).tag,
    compiler: `gcc-${k.gccMajor}`,
    build: sha256(dkms ? dkms.script : buildScript(k, werror)),
  };
  if (dkms) {
    if (typeof tree !== 'string') throw new Error('buildIdentity: a DKMS tree is hashed from its directory');
    inputs.dkms = { conf: await sha256File(join(tree, 'dkms.conf')), make: dkms.make, makeFrom: dkms.makeFrom };
  }
  return { key: sha256(JSON.stringify(inputs)), inputs };
}

/** Which inputs differ, in words: "source", "image", ... (empty when equal). */
export function changedInputs(was: BuildKeyInputs | undefined, now: BuildKeyInputs): string[] {
  if (!was) return ['no build key (an older or a foreign build)'];
  const names: Array<keyof BuildKeyInputs> = ['schema', 'kernel', 'source', 'series', 'image', 'compiler', 'build', 'dkms'];
  return names.filter((n) => JSON.stringify(was[n]) !== JSON.stringify(now[n]));
}
