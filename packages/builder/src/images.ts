/** Builder images from debootstrap + `docker import`, then apt inside; and a per-kernel headers layer. */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, onCleanup, run, withLock } from '@cgpu/common';
import { debPath, ensureDeb, mirrorUrl, type KernelEntry } from '@cgpu/kernels';
import { commitContainer, type Log } from './containers.js';
import { docker } from './engine.js';
import { makeLocalKernelImage } from './local-image.js';
import { APT_CONF, baseTag, builderScript, builderTag, debMountPath, debootstrapArgs, kernelImagePlan, kernelLayerScript, type BuilderRecipe } from './recipes.js';

export async function imageExists(tag: string): Promise<boolean> {
  const r = await docker(['image', 'inspect', '--format', '{{.Id}}', tag], { timeoutMs: 30_000, allowFailure: true });
  return r.exitCode === 0;
}

export interface ImageInfo {
  tag: string;
  size: string;
  created: string;
}

export async function listImages(): Promise<ImageInfo[]> {
  const out: ImageInfo[] = [];
  for (const repo of ['cgpu-base', 'cgpu-builder', 'cgpu-kernel']) {
    const r = await docker(['image', 'ls', repo, '--format', '{{.Repository}}:{{.Tag}}\t{{.Size}}\t{{.CreatedSince}}'], { timeoutMs: 30_000 });
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const [tag, size, created] = line.split('\t');
      out.push({ tag: tag!, size: size ?? '', created: created ?? '' });
    }
  }
  return out;
}

/** Remove every cgpu image not in `keep`; returns the removed tags. */
export async function pruneImages(keep: ReadonlySet<string> = new Set()): Promise<string[]> {
  const removed: string[] = [];
  for (const img of (await listImages()).reverse()) {
    if (keep.has(img.tag)) continue;
    const r = await docker(['image', 'rm', img.tag], { timeoutMs: 120_000, allowFailure: true });
    if (r.exitCode === 0) removed.push(img.tag);
  }
  return removed;
}

/** The lock that serialises building one image tag across processes. */
function imageLock(tag: string): string {
  return cacheDir('locks', `${tag.replace(/[:/]/g, '_')}.lock`);
}

/** A minbase rootfs of `suite`, imported as an image. debootstrap checks the Release signature itself. */
export async function ensureBaseImage(suite: string, log?: Log): Promise<string> {
  const mirror = mirrorUrl();
  const tag = baseTag(suite, mirror);
  return withLock(imageLock(tag), 30 * 60_000, async () => {
    if (await imageExists(tag)) return tag;
    const dir = await mkdtemp(join(tmpdir(), `cgpu-rootfs-${suite}-`));
    const unregister = onCleanup(() => rm(dir, { recursive: true, force: true }));
    try {
      log?.(`debootstrap ${debootstrapArgs(suite).join(' ')}`);
      await run('debootstrap', [...debootstrapArgs(suite), join(dir, 'root'), mirror], {
        timeoutMs: 20 * 60_000,
        purpose: `debootstrap of ${suite}`,
        ...(log ? { onLine: (l: string) => log(l) } : {}),
      });
      await mkdir(join(dir, 'root/etc/apt/apt.conf.d'), { recursive: true });
      await writeFile(join(dir, 'root/etc/apt/apt.conf.d/99cgpu'), `${APT_CONF}\n`);
      await run('tar', ['-C', join(dir, 'root'), '-cf', join(dir, 'rootfs.tar'), '.'], { timeoutMs: 10 * 60_000, purpose: 'packing the rootfs' });
      log?.(`docker import ${tag}`);
      await docker(['import', join(dir, 'rootfs.tar'), tag], { timeoutMs: 10 * 60_000, purpose: `importing ${tag}` });
      return tag;
    } finally {
      unregister();
      await rm(dir, { recursive: true, force: true });
    }
  });
}

export async function ensureBuilderImage(recipe: BuilderRecipe, log?: Log): Promise<string> {
  const tag = builderTag(recipe);
  return withLock(imageLock(tag), 60 * 60_000, async () => {
    if (await imageExists(tag)) return tag;
    const base = await ensureBaseImage(recipe.suite, log);
    log?.(`apt-get install ${recipe.packages.join(' ')}`);
    await commitContainer(base, tag, [], builderScript(recipe), log, `installing the ${recipe.suite} gcc-${recipe.gccMajor} toolchain`);
    return tag;
  });
}

const kernelImages = new Map<string, Promise<{ tag: string; builder: string; recipe: BuilderRecipe }>>();

/** Memoised per process: the probes and the build of one run ask for the same image. */
export function ensureKernelImage(k: KernelEntry, log?: Log): Promise<{ tag: string; builder: string; recipe: BuilderRecipe }> {
  const key = `${k.arch}/${k.release}/${k.packageVersion}`;
  let p = kernelImages.get(key);
  if (!p) {
    p = makeKernelImage(k, log);
    p.catch(() => kernelImages.delete(key));
    kernelImages.set(key, p);
  }
  return p;
}

/** The builder plus the kernel's headers, installed by `kernelLayerScript` (whose text is part of the tag). */
async function makeKernelImage(k: KernelEntry, log?: Log): Promise<{ tag: string; builder: string; recipe: BuilderRecipe }> {
  if (k.local) return makeLocalKernelImage(k, k.local, log); // a kernel built here: its headers tree, not debs
  const mirror = mirrorUrl();
  const { recipe, builder, tag } = kernelImagePlan(k, mirror);
  if (await imageExists(tag)) return { tag, builder, recipe }; // the usual, warm case: one docker call
  await withLock(imageLock(tag), 30 * 60_000, async () => {
    if (await imageExists(tag)) return;
    await ensureBuilderImage(recipe, log);
    const debs = k.debs.filter((d) => d.role !== 'image');
    // A bind mount of a missing file would make docker create a directory in its place: fetch them first.
    for (const d of debs) await ensureDeb(d);
    const mounts = debs.flatMap((d) => ['-v', `${debPath(d)}:${debMountPath(d.filename)}:ro`]);
    log?.(`installing the headers of ${k.release}`);
    await commitContainer(builder, tag, mounts, kernelLayerScript(k, mirror), log, `installing the headers of ${k.release} into ${builder}`);
  });
  return { tag, builder, recipe };
}
