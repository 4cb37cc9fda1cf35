/**
 * ci/kernels.lock: per cell the exact kernel release, its .debs with SHA256, and the patches its probes selected.
 * A debug cell (`kernel: debug`) has no debs: its entry pins the debug build's plan key and source package.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CgpuError, UsageError, repoRoot, sha256, writeFileAtomic } from '@cgpu/common';
import { mirrorUrl, newestFirst, type DebRef, type KernelEntry } from '@cgpu/kernels';
import type { Selection } from '@cgpu/patches';
import { isDebugCell, type Matrix, type MatrixCell } from './model.js';

export type LockedDeb = Omit<DebRef, 'url'>;

export interface LockedPatch {
  name: string;
  file: string;
}

/** What a debug cell's entry pins of its kernel (from `cgpu kernels build-debug <series> --plan`). */
export interface LockedDebugKernel {
  /**
   * The plan key: SHA256 of the config fragment, the source package's SHA256, the compiler and the build
   * recipe. A key today's plan does not reproduce makes the lock stale.
   */
  key: string;
  /** The Debian source package the kernel is built from. */
  source: { package: string; version: string; sha256: string };
}

export interface LockEntry {
  cell: MatrixCell;
  release: string;
  version: string;
  series: string;
  packageVersion: string;
  suite: string;
  debian: number;
  baseSuite: string;
  arch: KernelEntry['arch'];
  flavour: string;
  gcc: string;
  gccMajor: number;
  debs: LockedDeb[];
  /** The patches the compile probes selected for this kernel, in series order. */
  patches: LockedPatch[];
  /** Debug cells only; their `debs` is empty and `packageVersion` is the source package's version. */
  debug?: LockedDebugKernel;
}

export interface KernelsLock {
  lockfileVersion: 1;
  /** SHA256 of patches/series.yaml when the selections were made. */
  seriesSha256: string;
  cells: Record<string, LockEntry>;
}

export class CellUnavailableError extends CgpuError {
  constructor(cell: MatrixCell) {
    super({
      code: 'MATRIX_CELL_UNAVAILABLE',
      message: `cell ${cell.name}: the archive has no ${cell.arch} ${cell.series} kernel in ${cell.suite}`,
      hint: '`cgpu kernels list --suite <suite>` shows what is there; change the cell in ci/matrix.yaml',
      details: { cell: cell.name },
    });
    this.name = 'CellUnavailableError';
  }
}

export class LockMissingError extends UsageError {
  constructor(what: string) {
    super({ code: 'LOCK_MISSING', message: what, hint: 'run `cgpu matrix lock` and commit ci/kernels.lock' });
    this.name = 'LockMissingError';
  }
}

/**
 * `cgpu matrix lock` of a debug cell whose kernel is not built: its probes need the built kernel's headers, and
 * the lock never starts a ~20 min build by itself.
 */
export class DebugKernelNotBuiltError extends UsageError {
  constructor(cell: MatrixCell, detail: string) {
    super({
      code: 'LOCK_DEBUG_NOT_BUILT',
      message: `cell ${cell.name}: ${detail}; locking it runs its probes against the built kernel's headers, and the lock does not build it`,
      hint: `cgpu kernels build-debug ${cell.series}`,
      details: { cell: cell.name, series: cell.series },
    });
    this.name = 'DebugKernelNotBuiltError';
  }
}

export class DebugLockEntryError extends CgpuError {
  constructor(e: LockEntry) {
    super({
      code: 'LOCK_DEBUG_ENTRY',
      message: `cell ${e.cell.name} locks the debug kernel ${e.release}, which has no debs to fetch`,
      hint: 'resolve it from the debug-kernel cache (lockedKernelEntry of @cgpu/pipeline), not from the archive',
      details: { cell: e.cell.name },
    });
    this.name = 'DebugLockEntryError';
  }
}

export function defaultLockPath(root: string = repoRoot()): string {
  return join(root, 'ci', 'kernels.lock');
}

/** The newest plain-flavour release of the cell's series in the cell's suite. */
export function resolveCell(cell: MatrixCell, catalogue: readonly KernelEntry[]): KernelEntry {
  const hit = catalogue
    .filter((e) => e.arch === cell.arch && e.flavour === cell.arch && e.suite === cell.suite && e.series === cell.series)
    .sort(newestFirst)[0];
  if (!hit) throw new CellUnavailableError(cell);
  return hit;
}

export function lockEntryFor(cell: MatrixCell, k: KernelEntry, sel: Selection, debug?: LockedDebugKernel): LockEntry {
  const e: LockEntry = {
    cell,
    release: k.release,
    version: k.version,
    series: k.series,
    packageVersion: k.packageVersion,
    suite: k.suite,
    debian: k.debian,
    baseSuite: k.baseSuite,
    arch: k.arch,
    flavour: k.flavour,
    gcc: k.gcc,
    gccMajor: k.gccMajor,
    debs: k.debs.map(({ url: _url, ...d }) => d),
    patches: sel.applied.map((d) => ({ name: d.name, file: d.file })),
  };
  if (debug) e.debug = debug;
  return e;
}

/**
 * The kernel entry the build and smoke pipeline consume: exactly the locked .debs, fetched from the mirror in use.
 * A debug entry has none: it is the debug-kernel cache's (DebugLockEntryError), never an archive lookup.
 */
export function lockToKernelEntry(e: LockEntry): KernelEntry {
  if (e.debug) throw new DebugLockEntryError(e);
  const base = mirrorUrl();
  return {
    release: e.release,
    version: e.version,
    series: e.series,
    packageVersion: e.packageVersion,
    suite: e.suite,
    debian: e.debian,
    baseSuite: e.baseSuite,
    arch: e.arch,
    flavour: e.flavour,
    gcc: e.gcc,
    gccMajor: e.gccMajor,
    debs: e.debs.map((d) => ({ ...d, url: `${base}/${d.filename}` })),
  };
}

export async function seriesSha256(seriesDir: string): Promise<string> {
  return sha256(await readFile(join(seriesDir, 'series.yaml')));
}

export type SelectFn = (k: KernelEntry, cell: MatrixCell) => Promise<Selection>;

/** A debug cell's built kernel (a `KernelEntry` with `local` set) and what its lock entry pins of it. */
export interface ResolvedDebugKernel {
  kernel: KernelEntry;
  debug: LockedDebugKernel;
}

/**
 * Injected like `select`, so this package never plans or builds a kernel. It must throw
 * DebugKernelNotBuiltError when the kernel is not built, and never build it.
 */
export type DebugResolveFn = (cell: MatrixCell) => Promise<ResolvedDebugKernel>;

/**
 * Resolve every cell (stock ones against the catalogue, debug ones through `debug`) and then run the probes;
 * cells come out in matrix order. Every cell is resolved before the first probe, so an unbuilt debug kernel
 * fails the lock at once rather than after minutes of probing the other cells.
 */
export async function computeLock(m: Matrix, catalogue: readonly KernelEntry[], seriesHash: string, select: SelectFn, debug?: DebugResolveFn): Promise<KernelsLock> {
  const resolved: Array<{ cell: MatrixCell; k: KernelEntry; debug?: LockedDebugKernel }> = [];
  for (const cell of m.cells) {
    if (!isDebugCell(cell)) {
      resolved.push({ cell, k: resolveCell(cell, catalogue) });
      continue;
    }
    if (!debug) throw new CgpuError({ code: 'LOCK_DEBUG_RESOLVER', message: `cell ${cell.name} is a debug cell and no debug-kernel resolver was given` });
    const r = await debug(cell);
    resolved.push({ cell, k: r.kernel, debug: r.debug });
  }
  const cells: Record<string, LockEntry> = {};
  for (const r of resolved) cells[r.cell.name] = lockEntryFor(r.cell, r.k, await select(r.k, r.cell), r.debug);
  return { lockfileVersion: 1, seriesSha256: seriesHash, cells };
}

/** Stable text: two-space JSON, cells in matrix order, one trailing newline. */
export function serializeLock(lock: KernelsLock): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}

export function parseLock(text: string, file = 'ci/kernels.lock'): KernelsLock {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError({ code: 'LOCK_INVALID', message: `${file} is not valid JSON: ${(e as Error).message}`, hint: 'run `cgpu matrix lock` to rewrite it' });
  }
  const l = doc as Partial<KernelsLock>;
  if (l.lockfileVersion !== 1 || typeof l.seriesSha256 !== 'string' || typeof l.cells !== 'object' || l.cells === null) {
    throw new UsageError({ code: 'LOCK_INVALID', message: `${file} is not a version 1 kernels lock`, hint: 'run `cgpu matrix lock` to rewrite it' });
  }
  return l as KernelsLock;
}

export async function loadLock(path: string = defaultLockPath()): Promise<KernelsLock> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new LockMissingError(`${path} does not exist`);
  }
  return parseLock(text, path);
}

export async function writeLock(lock: KernelsLock, path: string = defaultLockPath()): Promise<void> {
  await writeFileAtomic(path, serializeLock(lock));
}

export function lockEntry(lock: KernelsLock, cell: string): LockEntry {
  const e = lock.cells[cell];
  if (!e) throw new LockMissingError(`ci/kernels.lock has no entry for cell ${cell}`);
  return e;
}

/**
 * Every way the lock disagrees with the matrix, the archive, the series or (debug cells) today's debug-kernel
 * plan; empty when it is current. `debugKeys` maps a series to `planDebugKernel(series).key`; a debug cell
 * whose series is missing from it is reported, never passed unchecked.
 */
export function lockProblems(lock: KernelsLock, m: Matrix, catalogue: readonly KernelEntry[], seriesHash: string, debugKeys: Readonly<Record<string, string>> = {}): string[] {
  const out: string[] = [];
  if (lock.seriesSha256 !== seriesHash) out.push('patches/series.yaml changed since the lock was made (probe selections may differ)');
  const names = m.cells.map((c) => c.name);
  for (const n of Object.keys(lock.cells)) if (!names.includes(n)) out.push(`cell ${n} is locked but no longer in ci/matrix.yaml`);
  for (const cell of m.cells) {
    const e = lock.cells[cell.name];
    if (!e) {
      out.push(`cell ${cell.name} is in ci/matrix.yaml but not locked`);
      continue;
    }
    if (JSON.stringify(e.cell) !== JSON.stringify(cell)) out.push(`cell ${cell.name} changed in ci/matrix.yaml`);
    if (isDebugCell(cell)) {
      const p = debugProblem(cell, e, debugKeys[cell.series]);
      if (p) out.push(p);
      continue;
    }
    let k: KernelEntry;
    try {
      k = resolveCell(cell, catalogue);
    } catch (err) {
      out.push((err as Error).message);
      continue;
    }
    if (k.release !== e.release || k.packageVersion !== e.packageVersion) {
      out.push(`cell ${cell.name}: the archive moved on from ${e.release} (${e.packageVersion}) to ${k.release} (${k.packageVersion})`);
      continue;
    }
    const want = new Map(e.debs.map((d) => [d.package, d.sha256]));
    for (const d of k.debs) {
      if (want.get(d.package) !== d.sha256) out.push(`cell ${cell.name}: ${d.package} ${d.version} has SHA256 ${d.sha256.slice(0, 12)}, the lock says ${want.get(d.package)?.slice(0, 12) ?? 'nothing'}`);
    }
    if (k.debs.length !== e.debs.length) out.push(`cell ${cell.name}: the archive lists ${k.debs.length} debs, the lock ${e.debs.length}`);
  }
  return out;
}

function debugProblem(cell: MatrixCell, e: LockEntry, today: string | undefined): string | undefined {
  if (!e.debug) return `cell ${cell.name}: the lock has a stock kernel (${e.release}) for a debug cell`;
  if (today === undefined) return `cell ${cell.name}: today's plan key of the ${cell.series} debug kernel was not given, so its entry cannot be checked`;
  if (today === e.debug.key) return undefined;
  return `cell ${cell.name}: the ${cell.series} debug kernel's plan moved on from key ${e.debug.key.slice(0, 16)} (${e.debug.source.package} ${e.debug.source.version}) to ${today.slice(0, 16)}: the config fragment, the source package or the build recipe changed`;
}

/** Check that what a build resolves for a cell is exactly the locked kernel (the pre-pipeline fallback). */
export function sameKernel(e: LockEntry, k: KernelEntry): boolean {
  // A debug kernel is the one built from the locked plan: the cache entry's key is the plan key.
  if (e.debug) return k.release === e.release && k.arch === e.arch && k.local?.key === e.debug.key;
  if (k.release !== e.release || k.arch !== e.arch || k.debs.length !== e.debs.length) return false;
  const want = new Map(e.debs.map((d) => [d.filename, d.sha256]));
  return k.debs.every((d) => want.get(d.filename) === d.sha256);
}
