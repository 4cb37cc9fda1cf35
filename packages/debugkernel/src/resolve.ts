/** `debug-<series>` as a kernel spec: the cached debug kernel, described like any other kernel. */
import { UsageError } from '@cgpu/common';
import type { CatalogueOptions, KernelEntry, LocalKernel } from '@cgpu/kernels';
import { cachedDebugKernel, planDebugKernel, type DebugManifest, type DebugPlan } from './plan.js';

const SPEC = /^debug-(\d+\.\d+)$/;

export function isDebugSpec(spec: string): boolean {
  return spec.startsWith('debug-');
}

/** `debug-6.12` -> `6.12`; anything else that starts with `debug-` is a usage error. */
export function debugSeries(spec: string): string {
  const m = spec.match(SPEC);
  if (!m) throw new UsageError({ code: 'BAD_DEBUG_SPEC', message: `"${spec}" is not a debug kernel spec`, hint: 'write debug-<series>, e.g. debug-6.12' });
  return m[1]!;
}

/**
 * The kernel entry of a built debug kernel: same suite and compiler as the stock kernel it comes from,
 * no debs, and `local` pointing at its bzImage, config and headers tree. It is not built implicitly (that
 * takes ~14 min on 2 idle cores, far longer on a busy machine): when the cache lacks it, the error says which command builds it.
 */
export async function resolveDebugKernel(spec: string, opts: CatalogueOptions & { arch?: string } = {}): Promise<KernelEntry> {
  const series = debugSeries(spec);
  if (opts.arch !== undefined && opts.arch !== 'amd64') {
    throw new UsageError({ code: 'DEBUG_ARCH', message: `the debug kernel is amd64 only, not ${opts.arch}` });
  }
  return resolveDebugPlan(await planDebugKernel(series, opts));
}

/** The kernel entry of a plan's cache entry; DEBUG_KERNEL_NOT_BUILT (with the build command as hint) when it is not built. */
export async function resolveDebugPlan(plan: DebugPlan): Promise<KernelEntry> {
  const hit = await cachedDebugKernel(plan);
  if (!hit) {
    throw new UsageError({
      code: 'DEBUG_KERNEL_NOT_BUILT',
      message: `the ${plan.series} debug kernel (${plan.deb.package} ${plan.deb.version}, key ${plan.key.slice(0, 16)}) is not built`,
      hint: `run \`cgpu kernels build-debug ${plan.series}\` first (~14 min on 2 idle cores, far longer on a busy machine; cached afterwards)`,
    });
  }
  return debugKernelEntry(plan, hit.manifest, hit.local);
}

/** A built debug kernel (its plan, manifest and cache files) described like any catalogue kernel. */
export function debugKernelEntry(plan: DebugPlan, manifest: DebugManifest, local: LocalKernel): KernelEntry {
  return {
    release: manifest.release,
    version: manifest.release.split('-')[0]!,
    series: plan.series,
    packageVersion: plan.deb.version,
    suite: plan.stock.suite,
    debian: plan.stock.debian,
    baseSuite: plan.stock.baseSuite,
    arch: 'amd64',
    flavour: 'cgpu-debug',
    gcc: plan.stock.gcc,
    gccMajor: plan.stock.gccMajor,
    debs: [],
    local,
  };
}
