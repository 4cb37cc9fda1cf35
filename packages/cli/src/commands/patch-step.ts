/** The patch step of the pipeline; until the patch series exists, the source is used as it is. */
import type { KernelEntry } from '@cgpu/kernels';
import type { AppliedPatchInfo } from '@cgpu/builder';

export interface PreparedSource {
  dir: string;
  applied: AppliedPatchInfo[];
  cleanup: () => Promise<void>;
}

export async function preparePatchedSource(_k: KernelEntry, src: string, _usePatches: boolean): Promise<PreparedSource> {
  return { dir: src, applied: [], cleanup: async () => undefined };
}
