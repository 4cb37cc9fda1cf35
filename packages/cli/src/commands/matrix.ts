/** `cgpu matrix`: the distro matrix of ci/matrix.yaml, run through nx; `lock`, `cell` and `report` below it. */
import type { Command } from 'commander';
import { registerMatrixAdhoc } from './matrix-adhoc.js';
import { registerMatrixCache } from './matrix-cache.js';
import { registerMatrixCell } from './matrix-cell.js';
import { registerMatrixRun } from './matrix-run.js';
import { registerMatrixLock } from './matrix-lock.js';

export function registerMatrix(program: Command): void {
  // Positional: `cgpu matrix --only a` is the run's option, `cgpu matrix lock --only a` the lock's. Commander
  // needs this on every parent for it (the program has no options besides --version and --help).
  program.enablePositionalOptions();
  const matrix = program.command('matrix').description('the distro matrix (ci/matrix.yaml): lock, run through nx, report').enablePositionalOptions();
  registerMatrixRun(matrix);
  registerMatrixLock(matrix);
  registerMatrixCache(matrix);
  registerMatrixCell(matrix);
  registerMatrixAdhoc(matrix, program);
}
