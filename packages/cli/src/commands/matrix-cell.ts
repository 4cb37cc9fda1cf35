/**
 * `cgpu matrix cell <name> build|smoke`: one cell, from its lock entry (exactly the locked debs), as the nx
 * targets build-<cell> and smoke-<cell> run it. It writes a status file so `cgpu matrix` can tell a task
 * that ran from one nx served from its cache.
 */
import type { Command } from 'commander';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CgpuError, UsageError, writeFileAtomic } from '@cgpu/common';
import { loadLock, lockEntry, lockToKernelEntry, type LockEntry } from '@cgpu/matrix';
import { printJson } from '../output.js';
import { buildPipeline, defaultOut, type BuildOpts } from './build.js';
import { printVerdict, runSmoke, validateSmokeOptions, type SmokeOpts } from './smoke.js';

export class LockedPatchesDifferError extends CgpuError {
  constructor(cell: string, locked: string[], got: string[]) {
    super({
      code: 'LOCK_PATCHES_DIFFER',
      message: `cell ${cell}: the probes now select [${got.join(', ')}], the lock says [${locked.join(', ')}]`,
      hint: 'the series moved on: run `cgpu matrix lock` and commit ci/kernels.lock',
      details: { cell, locked, got },
    });
    this.name = 'LockedPatchesDifferError';
  }
}

/** Where `cgpu matrix` looks for the tasks that really ran in this nx invocation. */
export function statusDir(out: string = defaultOut()): string {
  return join(out, 'report', '.status');
}

export interface CellStatus {
  cell: string;
  stage: 'build' | 'smoke';
  release: string;
  state: 'running' | 'passed' | 'failed';
  startedAt: string;
  durationMs?: number;
  error?: string;
}

async function writeStatus(s: CellStatus): Promise<void> {
  const dir = statusDir();
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, `${s.cell}.${s.stage}.json`), `${JSON.stringify(s)}\n`);
}

type CellOpts = SmokeOpts & { kernel?: string };

/** Build (or smoke) one cell; the patches the probes pick must be the locked ones. */
async function runCell(e: LockEntry, stage: 'build' | 'smoke', o: CellOpts): Promise<boolean> {
  const k = lockToKernelEntry(e);
  const locked = e.patches.map((p) => p.name);
  const bo: BuildOpts = { ...o, kernel: e.release, rebuild: stage === 'build' } as BuildOpts;
  if (stage === 'build') {
    const r = await buildPipeline(k, bo);
    const got = r.patches.map((p) => p.name);
    if (got.join(',') !== locked.join(',')) throw new LockedPatchesDifferError(e.cell.name, locked, got);
    if (o.json) printJson(r);
    else process.stdout.write(`${e.cell.name}: built ${r.dir} with [${got.join(', ')}]\n`);
    return true;
  }
  const r = await runSmoke(k, { ...bo, rebuild: false });
  if (o.json) printJson(r);
  else printVerdict(r);
  return r.ok;
}

export function registerMatrixCell(matrix: Command): void {
  matrix
    .command('cell <name> <stage>')
    .description('build or smoke one locked cell (what the nx targets build-<cell> and smoke-<cell> run)')
    .option('--kernel <spec>', 'set only when nx forwards an ad-hoc --kernel to the aggregate: the cell then skips')
    .option('--arch <arch>', 'forwarded by nx with an ad-hoc --kernel; ignored otherwise')
    .option('--werror', 'treat compiler warnings as errors')
    .option('--accel <accel>', 'kvm, tcg or auto', 'auto')
    .option('--timeout <s>', 'hard wall-clock limit of the boot, seconds', '180')
    .option('--params <params>', 'module parameters for insmod')
    .option('--keep', 'keep the patched copy of the source')
    .option('--verbose', 'stream the build log or the console')
    .option('--json', 'machine-readable output')
    .action(async (name: string, stage: string, o: CellOpts) => {
      if (stage !== 'build' && stage !== 'smoke') throw new UsageError({ code: 'BAD_STAGE', message: `stage must be build or smoke, not "${stage}"` });
      if (o.kernel !== undefined) {
        process.stdout.write(`${name}: skipped, this run builds the ad-hoc kernel ${o.kernel}\n`);
        return;
      }
      if (stage === 'smoke') validateSmokeOptions(o);
      const e = lockEntry(await loadLock(), name);
      const started = Date.now();
      const base = { cell: name, stage, release: e.release, startedAt: new Date(started).toISOString() } as const;
      await writeStatus({ ...base, state: 'running' });
      try {
        const ok = await runCell(e, stage, o);
        await writeStatus({ ...base, state: ok ? 'passed' : 'failed', durationMs: Date.now() - started });
        if (!ok) process.exitCode = 1;
      } catch (err) {
        await writeStatus({ ...base, state: 'failed', durationMs: Date.now() - started, error: (err as Error).message });
        throw err;
      }
    });
}
