/** The patch step: select by probes, apply to a temp copy. kernel-src/ uses patches/; other trees only with --series. */
import { join, resolve } from 'node:path';
import { cacheDir, readJson, repoRoot, sha256, sha256File, writeFileAtomic } from '@cgpu/common';
import type { KernelEntry } from '@cgpu/kernels';
import { applyPatches, loadSeries, selectPatches, type PatchedTree, type ProbeCompiler, type Selection } from '@cgpu/patches';
import { hashTree } from './identity.js';
import { containerCompiler } from './probe-compiler.js';

/** A patch that was applied, and why (the probe's decision in one sentence). */
export interface AppliedPatch {
  name: string;
  file: string;
  reason: string;
}

export interface PreparedSource {
  /** `hashTree` of the tree that is compiled (after the patches): the build key's `source`. */
  sourceHash: string;
  /**
   * The tree to build: the source itself when no series applies, else a patched temp copy, made on the first
   * call (a warm run that reuses its build never needs it).
   */
  tree: () => Promise<string>;
  /** The patched temp copy, once made. */
  madeDir?: string;
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

/**
 * What the patched tree hashes to, remembered per source hash and patch contents: `patch` is a pure function
 * of those, so a warm run learns its build key without copying and patching (issue 13: ~0.1 s per run).
 */
interface PatchedMemo {
  key: string;
  sourceHash: string;
}

async function memoKey(srcHash: string, patches: ReadonlyArray<{ name: string; path: string }>): Promise<string> {
  return sha256(JSON.stringify({ schema: 1, srcHash, patches: await Promise.all(patches.map(async (p) => [p.name, await sha256File(p.path)])) }));
}

export async function preparePatchedSource(k: KernelEntry, src: string, o: PrepareOptions): Promise<PreparedSource> {
  const dir = o.usePatches ? seriesFor(src, o.seriesDir) : undefined;
  if (!dir) return { sourceHash: await hashTree(src), tree: async () => src, applied: [], cleanup: async () => undefined };
  const series = await loadSeries(dir);
  const selection = await selectPatches(series, k, o.compiler ?? containerCompiler(k, o.log));
  const patches = selection.applied.map((d) => ({ name: d.name, path: join(dir, d.file) }));
  const key = await memoKey(await hashTree(src), patches);
  const memoPath = cacheDir('patched', `${key.slice(0, 32)}.json`);
  let made: PatchedTree | undefined;
  const prepared: PreparedSource = {
    sourceHash: '',
    tree: async () => {
      made ??= await applyPatches(src, patches);
      prepared.madeDir = made.dir;
      return made.dir;
    },
    seriesDir: dir,
    applied: selection.applied.map((d) => ({ name: d.name, file: d.file, reason: d.why })),
    selection,
    cleanup: async () => made?.cleanup(),
  };
  const memo = await readJson<PatchedMemo>(memoPath);
  if (memo?.key === key) prepared.sourceHash = memo.sourceHash;
  else {
    prepared.sourceHash = await hashTree(await prepared.tree());
    await writeFileAtomic(memoPath, JSON.stringify({ key, sourceHash: prepared.sourceHash } satisfies PatchedMemo));
  }
  return prepared;
}
