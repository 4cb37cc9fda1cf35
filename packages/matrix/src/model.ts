/** ci/matrix.yaml: the cells of the distro matrix, parsed and validated. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { UsageError, repoRoot } from '@cgpu/common';
import { ARCHES, suiteByName, type Arch } from '@cgpu/kernels';

export interface MatrixCell {
  /** `debian12-amd64`: names the nx targets, the CI job and the report row. */
  name: string;
  /** Display name, e.g. `Debian 12 backports`. */
  distro: string;
  /** Archive suite, e.g. `bookworm-backports`. */
  suite: string;
  /** Kernel series, e.g. `6.12`: the newest release of it in `suite` is what gets locked. */
  series: string;
  arch: Arch;
  /**
   * `debug`: the cell's kernel is `cgpu kernels build-debug <series>` (KASAN, UBSAN, kmemleak, lockdep) built
   * from the suite's `linux-source-<series>`, not the archive's image. Absent for stock kernels (the default),
   * so the cells of existing lock entries stay byte-for-byte what they were.
   */
  kernel?: 'debug';
}

/**
 * The series `cgpu kernels build-debug` builds for a matrix cell, and the suite whose `linux-source-<series>`
 * and compiler it uses (packages/debugkernel, findDebugSource). Only 6.12 has been built and booted with
 * packages/debugkernel/configs/cgpu-debug.config; add a series here once it has.
 */
export const DEBUG_SERIES: Readonly<Record<string, string>> = { '6.12': 'trixie' };

export function isDebugCell(cell: Pick<MatrixCell, 'kernel'>): boolean {
  return cell.kernel === 'debug';
}

export interface Matrix {
  file: string;
  cells: MatrixCell[];
}

export class MatrixError extends UsageError {
  constructor(file: string, problem: string) {
    super({ code: 'MATRIX_INVALID', message: `${file}: ${problem}`, hint: 'fix ci/matrix.yaml (its header describes each field)' });
    this.name = 'MatrixError';
  }
}

// Dots for a series in a name (debug-6.12): nx splits target specs at colons only, and GitHub job and artifact names take dots.
const NAME = /^[a-z0-9][a-z0-9.-]*$/;

export function defaultMatrixPath(root: string = repoRoot()): string {
  return join(root, 'ci', 'matrix.yaml');
}

function field(file: string, i: number, o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '') throw new MatrixError(file, `cell ${i + 1}: "${key}" must be a non-empty string`);
  return v.trim();
}

/** A debug cell names a kernel `cgpu kernels build-debug` can build: amd64, a series it supports, from that series' suite. */
function checkDebugCell(file: string, c: MatrixCell): void {
  const supported = Object.entries(DEBUG_SERIES).map(([s, suite]) => `${s} (${suite})`).join(', ');
  if (c.arch !== 'amd64') throw new MatrixError(file, `cell "${c.name}": kernel: debug is amd64 only (cgpu kernels build-debug builds x86_64), not ${c.arch}`);
  const suite = DEBUG_SERIES[c.series];
  if (suite === undefined) throw new MatrixError(file, `cell "${c.name}": cgpu kernels build-debug does not support series ${c.series}; it builds ${supported}`);
  if (suite !== c.suite) throw new MatrixError(file, `cell "${c.name}": the ${c.series} debug kernel is built from ${suite}'s linux-source-${c.series}, so its suite is ${suite}, not ${c.suite}`);
}

export function parseMatrix(text: string, file = 'ci/matrix.yaml'): Matrix {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new MatrixError(file, `not valid YAML: ${(e as Error).message}`);
  }
  const list = (doc as { cells?: unknown } | null)?.cells;
  if (!Array.isArray(list) || list.length === 0) throw new MatrixError(file, 'needs a non-empty "cells" list');
  const seen = new Set<string>();
  const cells = list.map((raw, i): MatrixCell => {
    if (typeof raw !== 'object' || raw === null) throw new MatrixError(file, `cell ${i + 1} is not a mapping`);
    const o = raw as Record<string, unknown>;
    const unknownKeys = Object.keys(o).filter((k) => !['name', 'distro', 'suite', 'series', 'arch', 'kernel'].includes(k));
    if (unknownKeys.length) throw new MatrixError(file, `cell ${i + 1}: unknown field(s) ${unknownKeys.join(', ')}`);
    const name = field(file, i, o, 'name');
    if (!NAME.test(name)) throw new MatrixError(file, `cell "${name}": names are lower-case letters, digits, dots and dashes`);
    if (seen.has(name)) throw new MatrixError(file, `cell "${name}" appears twice`);
    seen.add(name);
    const suite = field(file, i, o, 'suite');
    if (!suiteByName(suite) || suiteByName(suite)!.name !== suite) throw new MatrixError(file, `cell "${name}": unknown suite "${suite}"`);
    const series = field(file, i, o, 'series');
    if (!/^\d+\.\d+$/.test(series)) throw new MatrixError(file, `cell "${name}": series "${series}" is not MAJOR.MINOR`);
    const arch = field(file, i, o, 'arch');
    if (!(ARCHES as readonly string[]).includes(arch)) throw new MatrixError(file, `cell "${name}": arch "${arch}" is not one of ${ARCHES.join(', ')}`);
    const cell: MatrixCell = { name, distro: field(file, i, o, 'distro'), suite, series, arch: arch as Arch };
    const kernel = o['kernel'] === undefined ? 'stock' : field(file, i, o, 'kernel');
    if (kernel === 'debug') checkDebugCell(file, cell);
    else if (kernel !== 'stock') throw new MatrixError(file, `cell "${name}": kernel "${kernel}" is not stock or debug`);
    return kernel === 'debug' ? { ...cell, kernel } : cell;
  });
  return { file, cells };
}

export async function loadMatrix(path: string = defaultMatrixPath()): Promise<Matrix> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new MatrixError(path, 'cannot be read');
  }
  return parseMatrix(text, path);
}

/** `--only a,b`: the named cells, in matrix order; an unknown name is a usage error. */
export function selectCells(m: Matrix, only?: string): MatrixCell[] {
  if (!only) return m.cells;
  const want = only.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = want.filter((w) => !m.cells.some((c) => c.name === w));
  if (unknown.length) {
    throw new UsageError({ code: 'MATRIX_CELL_UNKNOWN', message: `no cell named ${unknown.join(', ')}`, hint: `cells: ${m.cells.map((c) => c.name).join(', ')}` });
  }
  return m.cells.filter((c) => want.includes(c.name));
}
