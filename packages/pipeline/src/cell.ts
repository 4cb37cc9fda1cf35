/** A cell of ci/kernels.lock as the pipeline's kernel: exactly the locked release and .debs (SHA256-checked on fetch). */
import { UsageError } from '@cgpu/common';
import type { KernelEntry } from '@cgpu/kernels';
import { loadLock, lockEntry, lockToKernelEntry } from '@cgpu/matrix';
import { resolveKernel, type KernelOpts } from './resolve.js';

export async function lockedKernel(cell: string, lockPath?: string): Promise<KernelEntry> {
  return lockToKernelEntry(lockEntry(await loadLock(lockPath), cell));
}

/** `--kernel <spec>` resolves against today's catalogue; `--cell <name>` takes the locked kernel; one of them. */
export async function resolveKernelOrCell(spec: string | undefined, o: KernelOpts & { cell?: string }): Promise<KernelEntry> {
  if (o.cell !== undefined && spec !== undefined) throw new UsageError({ code: 'BAD_USAGE', message: 'give --kernel or --cell, not both' });
  if (o.cell !== undefined) return lockedKernel(o.cell);
  if (spec === undefined) throw new UsageError({ code: 'BAD_USAGE', message: 'a kernel is needed', hint: 'pass --kernel <spec> (6.1, trixie, latest, ...) or --cell <name> from ci/kernels.lock' });
  return resolveKernel(spec, o);
}
