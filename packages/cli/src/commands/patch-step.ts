/** The patch step of the pipeline: select by probes, apply to a copy. Only kernel-src/ (or --series) has a series. */
import { join, resolve } from 'node:path';
import { repoRoot } from '@cgpu/common';
import type { KernelEntry } from '@cgpu/kernels';
import type { AppliedPatchInfo } from '@cgpu/builder';
import { applyPatches, containerCompiler, loadSeries, selectPatches, type Selection } from '@cgpu/patches';

export interface PreparedSource {
  dir: string;
  applied: AppliedPatchInfo[];
  selection?: Selection;
  cleanup: () => Promise<void>;
}

export function defaultSeriesDir(): string {
  return join(repoRoot(), 'patches');
}

/** The series that belongs to `src`: kernel-src/ uses patches/; other trees build as they are unless --series is given. */
export function seriesFor(src: string, series?: string): string | undefined {
  if (series) return resolve(series);
  return resolve(src) === resolve(repoRoot(), 'kernel-src') ? defaultSeriesDir() : undefined;
}

export async function preparePatchedSource(k: KernelEntry, src: string, usePatches: boolean, seriesDir?: string, log?: (l: string) => void): Promise<PreparedSource> {
  const dir = usePatches ? seriesFor(src, seriesDir) : undefined;
  if (!dir) return { dir: src, applied: [], cleanup: async () => undefined };
  const series = await loadSeries(dir);
  const selection = await selectPatches(series, k, containerCompiler(k, log));
  const tree = await applyPatches(src, selection.applied.map((d) => ({ name: d.name, path: join(dir, d.file) })));
  return { dir: tree.dir, applied: selection.applied.map((d) => ({ name: d.name, reason: d.why })), selection, cleanup: tree.cleanup };
}
