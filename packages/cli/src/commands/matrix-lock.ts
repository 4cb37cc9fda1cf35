/** `cgpu matrix lock [--check]`: pin every cell of ci/matrix.yaml to an exact kernel and its probe-selected patches. */
import type { Command } from 'commander';
import { CgpuError } from '@cgpu/common';
import { loadCatalogue } from '@cgpu/kernels';
import { computeLock, loadLock, loadMatrix, lockProblems, selectCells, seriesSha256, serializeLock, writeLock, defaultLockPath, type KernelsLock } from '@cgpu/matrix';
import { loadSeries, selectPatches } from '@cgpu/patches';
import { containerCompiler, debugLockKernel, debugPlanKeys, defaultSeriesDir, refreshMode } from '@cgpu/pipeline';
import { printJson, printTable, warn } from '../output.js';

export class LockStaleError extends CgpuError {
  constructor(problems: string[]) {
    super({
      code: 'LOCK_STALE',
      message: `ci/kernels.lock is out of date:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      hint: 'run `cgpu matrix lock`, review the diff and commit it',
      details: { problems },
    });
    this.name = 'LockStaleError';
  }
}

interface LockOpts {
  only?: string;
  check?: boolean;
  offline?: boolean;
  refresh?: boolean;
  verbose?: boolean;
  json?: boolean;
}

export function registerMatrixLock(matrix: Command): void {
  matrix
    .command('lock')
    .description('resolve each cell to an exact kernel, run its probes, and write ci/kernels.lock')
    .option('--only <cells>', 'relock only these cells (comma-separated); the others keep their entries')
    .option('--check', 'do not write; fail when the archive, the matrix or the series moved on from the lock')
    .option('--offline', 'use the cached catalogue only')
    .option('--refresh', 'ask the mirror even if the cached catalogue is fresh')
    .option('--verbose', 'show the image builds of the probes')
    .option('--json', 'machine-readable output')
    .action(async (o: LockOpts) => {
      const m = await loadMatrix();
      const catalogue = await loadCatalogue({ refresh: refreshMode(o), warn });
      const seriesDir = defaultSeriesDir();
      const hash = await seriesSha256(seriesDir);
      if (o.check) {
        const problems = lockProblems(await loadLock(), m, catalogue, hash, await debugPlanKeys(m.cells, { refresh: refreshMode(o) }));
        if (o.json) printJson({ ok: problems.length === 0, problems });
        if (problems.length) throw new LockStaleError(problems);
        if (!o.json) process.stdout.write(`ci/kernels.lock is current: ${m.cells.length} cells\n`);
        return;
      }
      const series = await loadSeries(seriesDir);
      const log = o.verbose ? (l: string): void => void process.stderr.write(`${l}\n`) : undefined;
      const cells = selectCells(m, o.only);
      const fresh = await computeLock({ ...m, cells }, catalogue, hash, async (k, cell) => {
        process.stderr.write(`lock: ${cell.name}: ${k.release} (${k.packageVersion}), running probes\n`);
        return selectPatches(series, k, containerCompiler(k, log));
        // Debug cells: the built kernel (its headers are what the probes compile against); never built here.
      }, (cell) => debugLockKernel(cell, { refresh: refreshMode(o) }));
      let lock: KernelsLock = fresh;
      if (o.only) {
        // Keep the other cells' entries, in matrix order.
        const old = await loadLock().catch(() => undefined);
        const merged: KernelsLock['cells'] = {};
        for (const c of m.cells) {
          const e = fresh.cells[c.name] ?? old?.cells[c.name];
          if (e) merged[c.name] = e;
        }
        lock = { ...fresh, cells: merged };
      }
      await writeLock(lock);
      if (o.json) return void process.stdout.write(serializeLock(lock));
      process.stdout.write(`${defaultLockPath()}\n`);
      printTable(['cell', 'release', 'package version', 'patches'], Object.entries(lock.cells).map(([n, e]) => [n, e.release, e.packageVersion, e.patches.map((p) => p.name).join(', ') || '-']));
    });
}
