/** The patch step: select by probes, apply to a temp copy. kernel-src/ uses patches/; other trees only with --series. */
import { join, resolve } from 'node:path';
import { repoRoot } from '@cgpu/common';
import type { KernelEntry } from '@cgpu/kernels';
import { applyPatches, loadSeries, selectPatches, type ProbeCompiler, type Selection } from '@cgpu/patches';
import { containerCompiler } from './probe-compiler.js';

/** A patch that was applied, and why (the probe's decision in one sentence). */
export interface AppliedPatch {
  name: string;
  file: string;
  reason: string;
}

export interface PreparedSource {
  /** The tree to build: a patched temp copy, or the source itself when nothing applies. */
  dir: string;
  /** The series directory used, if any. */
  seriesDir?: string;
  applied: AppliedPatch[];
  selection?: Selection;
  cleanup: () => Promise<void>;
}

export function defaultSourceDir(): string {
  return resolve(repoRoot(), 'kernel-src');
}

export function defaultSeriesDir(): string {
  return join(repoRoot(), 'patches');
}

/** The series that belongs to `src`: kernel-src/ uses patches/; other trees build as they are unless --series is given. */
export function seriesFor(src: string, series?: string): string | undefined {
  if (series) return resolve(series);
  return resolve(src) === defaultSourceDir() ? defaultSeriesDir() : undefined;
}

export interface PrepareOptions {
  usePatches: boolean;
  seriesDir?: string;
  log?: (l: string) => void;
  /** Tests inject a fake-tree compiler; the default compiles in the kernel's builder container. */
  compiler?: ProbeCompiler;
}

export async function preparePatchedSource(k: KernelEntry, src: string, o: PrepareOptions): Promise<PreparedSource> {
  const dir = o.usePatches ? seriesFor(src, o.seriesDir) : undefined;
  if (!dir) return { dir: src, applied: [], cleanup: async () => undefined };
  const series = await loadSeries(dir);
  const selection = await selectPatches(series, k, o.compiler ?? containerCompiler(k, o.log));
  const tree = await applyPatches(src, selection.applied.map((d) => ({ name: d.name, path: join(dir, d.file) })));
  return {
    dir: tree.dir,
    seriesDir: dir,
    applied: selection.applied.map((d) => ({ name: d.name, file: d.file, reason: d.why })),
    selection,
    cleanup: tree.cleanup,
  };
}
