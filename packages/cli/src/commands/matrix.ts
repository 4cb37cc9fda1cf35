/** `cgpu matrix`: the distro matrix of ci/matrix.yaml, run through nx; `lock`, `cell` and `report` below it. */
import type { Command } from 'commander';
import { registerMatrixLock } from './matrix-lock.js';

export function registerMatrix(program: Command): void {
  const matrix = program.command('matrix').description('the distro matrix (ci/matrix.yaml): lock, run through nx, report');
  registerMatrixLock(matrix);
}
