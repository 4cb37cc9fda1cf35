/** A debug kernel's identity (config fragment + source package + build image) and where its cache entry is. */
import { join } from 'node:path';
import { builderRecipe, builderTag } from '@cgpu/builder';
import { cacheDir, exists, readJson, sha256 } from '@cgpu/common';
import { mirrorUrl, type CatalogueOptions, type LocalKernel } from '@cgpu/kernels';
import { parseFragment, readFragment } from './config.js';
import { KBUILD_PACKAGES, kbuildTag } from './image.js';
import { BUILD_RECIPE_VERSION } from './script.js';
import { findDebugSource, type DebugSource } from './source.js';

export interface DebugPlan extends DebugSource {
  fragment: string;
  /** The image the kernel is built in now (its tag is a content hash of its recipe; not part of the key). */
  image: string;
  key: string;
  /** The cache entry: bzImage, config, System.map, build/ (headers tree), debug-kernel.json. */
  dir: string;
  /** Scratch tree for the build; removed after a successful build. */
  work: string;
}

export interface DebugManifest {
  series: string;
  release: string;
  key: string;
  source: { package: string; version: string; sha256: string; suite: string };
  image: string;
  gcc: string;
  jobs: number;
  /** Wall time of each step, ms. */
  times: Record<string, number>;
  builtAt: string;
}

export async function planDebugKernel(series: string, opts: CatalogueOptions = {}): Promise<DebugPlan> {
  const src = await findDebugSource(series, opts);
  const fragment = await readFragment();
  const image = kbuildTag(builderTag(builderRecipe(src.stock, mirrorUrl())));
  // The compiler is named by suite and gcc major, not by the image tag's hash: a builder-recipe change that
  // keeps the compiler (an extra tool, a new apt option) must not cost a kernel rebuild (14 min on 2 idle cores, hours on a loaded machine).
  const compiler = { suite: src.stock.baseSuite, gcc: src.stock.gccMajor, arch: 'amd64', packages: KBUILD_PACKAGES };
  // The fragment's options, not its text: a comment edit must not cost a kernel rebuild either.
  const options = [...parseFragment(fragment)];
  const key = sha256(JSON.stringify({ options, source: src.deb.sha256, compiler, recipe: BUILD_RECIPE_VERSION }));
  const name = `${series}-${key.slice(0, 16)}`;
  return { ...src, fragment, image, key, dir: cacheDir('debugkernel', name), work: cacheDir('debugkernel', 'work', name) };
}

export const MANIFEST = 'debug-kernel.json';

/** The finished cache entry of a plan, or undefined when it has not been built. */
export async function cachedDebugKernel(plan: DebugPlan): Promise<{ manifest: DebugManifest; local: LocalKernel } | undefined> {
  const manifest = await readJson<DebugManifest>(join(plan.dir, MANIFEST));
  if (!manifest || manifest.key !== plan.key) return undefined;
  const local: LocalKernel = {
    dir: plan.dir,
    vmlinuz: join(plan.dir, 'bzImage'),
    config: join(plan.dir, 'config'),
    systemMap: join(plan.dir, 'System.map'),
    headers: join(plan.dir, 'build'),
    key: plan.key,
  };
  for (const f of [local.vmlinuz, local.config, local.systemMap, join(local.headers, 'Module.symvers')]) if (!(await exists(f))) return undefined;
  return { manifest, local };
}
