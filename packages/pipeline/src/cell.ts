/**
 * A cell of ci/kernels.lock as the pipeline's kernel: exactly the locked release and .debs (SHA256-checked on
 * fetch), or for a debug cell the debug-kernel cache's entry built from the locked plan.
 */
import { UsageError } from '@cgpu/common';
import type { Log } from '@cgpu/builder';
import { buildDebugKernel, cachedDebugKernel, debugKernelEntry, planDebugKernel, resolveDebugPlan, type DebugStep } from '@cgpu/debugkernel';
import type { CatalogueOptions, KernelEntry } from '@cgpu/kernels';
import type { LockEntry, MatrixCell, ResolvedDebugKernel } from '@cgpu/matrix';
import { resolveKernel, type KernelOpts } from './resolve.js';

/** @cgpu/matrix imports yaml (~45 ms here): a run with `--kernel` never needs it, only cells and locks do. */
const matrix = (): Promise<typeof import('@cgpu/matrix')> => import('@cgpu/matrix');

/** A debug cell whose locked plan key is not today's: the kernel it would build or use is not the locked one. */
export class DebugLockStaleError extends UsageError {
  constructor(e: LockEntry, why: string) {
    super({
      code: 'LOCK_DEBUG_STALE',
      message: `cell ${e.cell.name}: ${why}`,
      hint: `relock it: \`cgpu kernels build-debug ${e.series}\`, then \`cgpu matrix lock --only ${e.cell.name}\`, and commit ci/kernels.lock`,
      details: { cell: e.cell.name },
    });
    this.name = 'DebugLockStaleError';
  }
}

/**
 * What `cgpu matrix lock` passes to computeLock for a debug cell: the built kernel and its plan. It never
 * builds (a cold build is ~20 min on 2 cores): an unbuilt kernel is DebugKernelNotBuiltError.
 */
export async function debugLockKernel(cell: MatrixCell, opts: CatalogueOptions = {}): Promise<ResolvedDebugKernel> {
  const plan = await planDebugKernel(cell.series, opts);
  if (plan.stock.suite !== cell.suite) {
    throw new UsageError({ code: 'LOCK_DEBUG_SUITE', message: `cell ${cell.name}: the ${cell.series} debug kernel is built from ${plan.stock.suite}'s ${plan.deb.package} today, not ${cell.suite}'s`, hint: `set suite: ${plan.stock.suite} in ci/matrix.yaml` });
  }
  const hit = await cachedDebugKernel(plan);
  const { DebugKernelNotBuiltError } = await matrix();
  if (!hit) throw new DebugKernelNotBuiltError(cell, `the ${cell.series} debug kernel (${plan.deb.package} ${plan.deb.version}, key ${plan.key.slice(0, 16)}) is not built`);
  return {
    kernel: debugKernelEntry(plan, hit.manifest, hit.local),
    debug: { key: plan.key, source: { package: plan.deb.package, version: plan.deb.version, sha256: plan.deb.sha256 } },
  };
}

/** Today's plan key of each series the debug cells use (what `lockProblems` checks their entries against). */
export async function debugPlanKeys(cells: readonly MatrixCell[], opts: CatalogueOptions = {}): Promise<Record<string, string>> {
  const keys: Record<string, string> = {};
  const { isDebugCell } = await matrix();
  for (const c of cells) if (isDebugCell(c) && keys[c.series] === undefined) keys[c.series] = (await planDebugKernel(c.series, opts)).key;
  return keys;
}

export interface LockedKernelOptions extends CatalogueOptions {
  /**
   * Debug cells: build the kernel when the cache lacks it (instant when cached), so a fresh CI runner works;
   * without it an unbuilt kernel is DEBUG_KERNEL_NOT_BUILT.
   */
  build?: boolean;
  log?: Log;
  /** Each step of a debug-kernel build that really runs. */
  step?: (s: DebugStep) => void;
}

/**
 * The kernel of a lock entry: the locked debs, or a debug cell's kernel from the debug-kernel cache (the same
 * entry `resolveDebugKernel` gives), never an archive lookup. A debug entry whose plan key is not today's is
 * DebugLockStaleError: an edited config fragment or a new source package must be relocked before it is used.
 */
export async function lockedKernelEntry(e: LockEntry, o: LockedKernelOptions = {}): Promise<KernelEntry> {
  const { lockToKernelEntry, sameKernel } = await matrix();
  if (!e.debug) return lockToKernelEntry(e);
  const { build, log, step, ...opts } = o;
  const plan = await planDebugKernel(e.series, opts);
  if (plan.key !== e.debug.key) {
    throw new DebugLockStaleError(e, `the lock pins the ${e.series} debug kernel of plan ${e.debug.key.slice(0, 16)} (${e.debug.source.package} ${e.debug.source.version}); today's plan is ${plan.key.slice(0, 16)} (${plan.deb.package} ${plan.deb.version})`);
  }
  let k: KernelEntry;
  if (build) {
    const r = await buildDebugKernel(e.series, { ...(log ? { log } : {}), ...(step ? { step } : {}) }, plan);
    k = debugKernelEntry(plan, r.manifest, r.local);
  } else {
    k = await resolveDebugPlan(plan);
  }
  if (!sameKernel(e, k)) throw new DebugLockStaleError(e, `the debug kernel built from the locked plan is ${k.release}, the lock says ${e.release}`);
  return k;
}

export async function lockedKernel(cell: string, lockPath?: string): Promise<KernelEntry> {
  const { loadLock, lockEntry } = await matrix();
  return lockedKernelEntry(lockEntry(await loadLock(lockPath), cell));
}

/** `--kernel <spec>` resolves against today's catalogue; `--cell <name>` takes the locked kernel; one of them. */
export async function resolveKernelOrCell(spec: string | undefined, o: KernelOpts & { cell?: string }): Promise<KernelEntry> {
  if (o.cell !== undefined && spec !== undefined) throw new UsageError({ code: 'BAD_USAGE', message: 'give --kernel or --cell, not both' });
  if (o.cell !== undefined) return lockedKernel(o.cell);
  if (spec === undefined) throw new UsageError({ code: 'BAD_USAGE', message: 'a kernel is needed', hint: 'pass --kernel <spec> (6.1, trixie, latest, ...) or --cell <name> from ci/kernels.lock' });
  return resolveKernel(spec, o);
}
