/** ci/kernels.lock: per cell the exact kernel release, its .debs with SHA256, and the patches its probes selected. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CgpuError, UsageError, repoRoot, sha256, writeFileAtomic } from '@cgpu/common';
import { mirrorUrl, newestFirst, type DebRef, type KernelEntry } from '@cgpu/kernels';
import type { Selection } from '@cgpu/patches';
import type { Matrix, MatrixCell } from './model.js';

export type LockedDeb = Omit<DebRef, 'url'>;

export interface LockedPatch {
  name: string;
  file: string;
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

export function lockEntryFor(cell: MatrixCell, k: KernelEntry, sel: Selection): LockEntry {
  return {
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
}

/** The kernel entry the build and smoke pipeline consume: exactly the locked .debs, fetched from the mirror in use. */
export function lockToKernelEntry(e: LockEntry): KernelEntry {
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

/** Resolve every cell against the catalogue and run its probes; cells come out in matrix order. */
export async function computeLock(m: Matrix, catalogue: readonly KernelEntry[], seriesHash: string, select: SelectFn): Promise<KernelsLock> {
  const cells: Record<string, LockEntry> = {};
  for (const cell of m.cells) {
    const k = resolveCell(cell, catalogue);
    cells[cell.name] = lockEntryFor(cell, k, await select(k, cell));
  }
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

/** Every way the lock disagrees with the matrix, the archive or the series; empty when it is current. */
export function lockProblems(lock: KernelsLock, m: Matrix, catalogue: readonly KernelEntry[], seriesHash: string): string[] {
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

/** Check that what a build resolves for a cell is exactly the locked kernel (the pre-pipeline fallback). */
export function sameKernel(e: LockEntry, k: KernelEntry): boolean {
  if (k.release !== e.release || k.arch !== e.arch || k.debs.length !== e.debs.length) return false;
  const want = new Map(e.debs.map((d) => [d.filename, d.sha256]));
  return k.debs.every((d) => want.get(d.filename) === d.sha256);
}
