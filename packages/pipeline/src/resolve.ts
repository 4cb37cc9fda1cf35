/** The first step of every pipeline: a kernel spec (6.1, bookworm, 6.1.0-50-amd64, latest) -> one catalogue entry. */
import { UsageError } from '@cgpu/common';
import { isDebugSpec, resolveDebugKernel } from '@cgpu/debugkernel';
import { loadCatalogue, resolveSpec, type Arch, type KernelEntry, type RefreshMode } from '@cgpu/kernels';

export interface KernelOpts {
  arch?: string;
  flavour?: string;
  /** Use the cached catalogue only. */
  offline?: boolean;
  /** Ask the mirror even if the cache is fresh. */
  refresh?: boolean;
  /** Non-fatal news (a stale catalogue, an unreachable mirror with a warm cache). */
  warn?: (msg: string) => void;
}

export function refreshMode(o: Pick<KernelOpts, 'offline' | 'refresh'>): RefreshMode {
  return o.offline ? 'never' : o.refresh ? 'always' : 'auto';
}

export function parseArch(v: string | undefined): Arch | undefined {
  if (v === undefined) return undefined;
  if (v === 'amd64' || v === 'arm64') return v;
  if (v === 'x86_64') return 'amd64';
  if (v === 'aarch64') return 'arm64';
  throw new UsageError({ code: 'BAD_ARCH', message: `unknown arch "${v}"`, hint: 'use --arch amd64 or --arch arm64' });
}

export async function resolveKernel(spec: string, o: KernelOpts): Promise<KernelEntry> {
  const arch = parseArch(o.arch);
  // `debug-<series>`: the kernel `cgpu kernels build-debug` built (issue 14), from its cache entry.
  if (isDebugSpec(spec)) return resolveDebugKernel(spec, { refresh: refreshMode(o), ...(arch ? { arch } : {}) });
  const all = await loadCatalogue({ refresh: refreshMode(o), ...(o.warn ? { warn: o.warn } : {}) });
  return resolveSpec(spec, all, { ...(arch ? { arch } : {}), ...(o.flavour ? { flavour: o.flavour } : {}) });
}
