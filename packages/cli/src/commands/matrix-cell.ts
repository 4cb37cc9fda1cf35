/**
 * `cgpu matrix cell <name> build|smoke`: one cell, from its lock entry (exactly the locked debs), through
 * @cgpu/pipeline, as the nx targets build-<cell> and smoke-<cell> run it. The patches the probes pick must be
 * the locked ones. It writes a status file so `cgpu matrix` can tell a task that ran from one nx restored.
 */
import type { Command } from 'commander';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CgpuError, UsageError, writeFileAtomic } from '@cgpu/common';
import { loadLock, lockEntry, type LockEntry } from '@cgpu/matrix';
import { defaultOut, lockedKernelEntry, runBuild, runSmoke, type BuildResult } from '@cgpu/pipeline';
import { requireQemu } from '@cgpu/vmtest';
import { printJson } from '../output.js';
import { printVerdict, smokeOpts, type SmokeFlags } from './smoke.js';

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
  /** smoke: whether the build in dist/ was reused (equal build key). */
  reusedBuild?: boolean;
  error?: string;
}

async function writeStatus(s: CellStatus): Promise<void> {
  const dir = statusDir();
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, `${s.cell}.${s.stage}.json`), `${JSON.stringify(s)}\n`);
}

function checkPatches(e: LockEntry, r: BuildResult): void {
  const locked = e.patches.map((p) => p.name);
  const got = r.patches.map((p) => p.name);
  if (got.join(',') !== locked.join(',')) throw new LockedPatchesDifferError(e.cell.name, locked, got);
}

type CellFlags = Omit<SmokeFlags, 'kernel'> & { kernel?: string };

async function runCell(e: LockEntry, stage: 'build' | 'smoke', f: CellFlags): Promise<{ ok: boolean; reusedBuild?: boolean }> {
  const log = f.verbose ? (l: string): void => void process.stderr.write(`${l}\n`) : undefined;
  // A debug cell's kernel is built first when this machine lacks it (instant when cached), so a fresh CI
  // runner works. It is not an nx output: it lives in the user cache (~/.cache/cgpu/debugkernel, ~100 MB with
  // its headers tree), so nx can restore this cell's build on a machine without it and the smoke stage, which
  // boots it, makes sure of it too. A plan key other than the locked one fails before anything is built.
  const k = await lockedKernelEntry(e, {
    build: true,
    ...(log ? { log } : {}),
    step: (s) => void process.stderr.write(`${e.cell.name}: building the ${e.series} debug kernel (cold: ~20 min on 2 cores): ${s}\n`),
  });
  const opts = smokeOpts({ ...f, kernel: e.release });
  if (stage === 'build') {
    const r = await runBuild(k, { ...opts, reuse: false }, log);
    checkPatches(e, r);
    if (f.json) printJson(r);
    else process.stdout.write(`${e.cell.name}: built ${r.dir} with [${r.patches.map((p) => p.name).join(', ')}], key ${r.key.slice(0, 12)}\n`);
    return { ok: true };
  }
  await requireQemu(k.arch);
  const r = await runSmoke(k, opts, log);
  checkPatches(e, r.build);
  if (f.json) printJson({ ...r.smoke, build: { key: r.build.key, reused: r.reused } });
  else {
    process.stdout.write(`${e.cell.name}: ${r.reused ? 'reused the build in dist/ (equal key)' : 'built first (no build with an equal key in dist/)'}\n`);
    printVerdict(r.smoke);
  }
  return { ok: r.smoke.ok, reusedBuild: r.reused };
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
    .action(async (name: string, stage: string, f: CellFlags) => {
      if (stage !== 'build' && stage !== 'smoke') throw new UsageError({ code: 'BAD_STAGE', message: `stage must be build or smoke, not "${stage}"` });
      if (f.kernel !== undefined) {
        process.stdout.write(`${name}: skipped, this run builds the ad-hoc kernel ${f.kernel}\n`);
        return;
      }
      const e = lockEntry(await loadLock(), name);
      const { arch: _arch, ...flags } = f;
      smokeOpts({ ...flags, kernel: e.release }); // bad values are exit 2 before anything runs
      const started = Date.now();
      const base = { cell: name, stage, release: e.release, startedAt: new Date(started).toISOString() } as const;
      await writeStatus({ ...base, state: 'running' });
      try {
        const r = await runCell(e, stage, flags);
        await writeStatus({ ...base, state: r.ok ? 'passed' : 'failed', durationMs: Date.now() - started, ...(r.reusedBuild !== undefined ? { reusedBuild: r.reusedBuild } : {}) });
        if (!r.ok) process.exitCode = 1;
      } catch (err) {
        await writeStatus({ ...base, state: 'failed', durationMs: Date.now() - started, error: (err as Error).message });
        throw err;
      }
    });
}
