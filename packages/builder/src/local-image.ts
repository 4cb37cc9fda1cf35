/**
 * The per-kernel layer for a kernel built here (the debug kernel): the builder image plus its headers tree,
 * copied to where Debian's headers packages put theirs, so builds and probes use it unchanged.
 */
import { cacheDir, withLock } from '@cgpu/common';
import { mirrorUrl, type KernelEntry, type LocalKernel } from '@cgpu/kernels';
import { commitContainer, type Log } from './containers.js';
import { ensureBuilderImage, imageExists } from './images.js';
import { kernelImagePlan, localLayerScript, type BuilderRecipe } from './recipes.js';

export async function makeLocalKernelImage(k: KernelEntry, local: LocalKernel, log?: Log): Promise<{ tag: string; builder: string; recipe: BuilderRecipe }> {
  const { recipe, builder, tag } = kernelImagePlan(k, mirrorUrl());
  if (await imageExists(tag)) return { tag, builder, recipe };
  await withLock(cacheDir('locks', `${tag.replace(/[:/]/g, '_')}.lock`), 30 * 60_000, async () => {
    if (await imageExists(tag)) return;
    await ensureBuilderImage(recipe, log);
    log?.(`copying the headers tree of ${k.release} into ${builder}`);
    await commitContainer(builder, tag, ['-v', `${local.headers}:/in/headers:ro`], localLayerScript(k.release), log, `adding the headers of ${k.release} to ${builder}`);
  });
  return { tag, builder, recipe };
}
