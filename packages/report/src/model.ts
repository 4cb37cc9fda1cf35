/** One row of the matrix report: what a cell's build and smoke produced, read from dist/<release>/. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readJson } from '@cgpu/common';
import type { ModuleBuild as BuildResult } from '@cgpu/builder';
import { isDebugCell, type KernelsLock, type LockEntry, type Matrix } from '@cgpu/matrix';
import type { SmokeResult } from '@cgpu/vmtest';

/** passed/failed: ran in this invocation; cached: nx restored it; skipped: it did not run (a dependency failed). */
export type StageState = 'passed' | 'failed' | 'cached' | 'skipped';

/** What `cgpu matrix cell` wrote when it really ran (dist/report/.status/<cell>.<stage>.json). */
export interface StageStatus {
  state: 'running' | 'passed' | 'failed';
  durationMs?: number;
  error?: string;
}

export interface StageReport {
  state: StageState;
  /** This run's time, or for a cached stage the time of the run that made the cache. */
  durationMs?: number;
  error?: string;
}

export interface CellReport {
  cell: string;
  distro: string;
  suite: string;
  series: string;
  arch: string;
  release: string;
  packageVersion: string;
  patches: string[];
  image?: string;
  gcc?: string;
  build: StageReport;
  smoke: StageReport;
  /** e.g. `25.1 / 74.9 % (want 25 / 75 +- 5)`, from the weighted-share checks. */
  fairness: string;
  fairnessOk: boolean | undefined;
  reasons: string[];
  /**
   * A debug kernel's own warnings from before the module was loaded (smoke.json `bootSplats`): shown apart
   * from `reasons`, never as the module's failure. Empty for stock kernels.
   */
  bootSplats: string[];
  /** `debug` for a `kernel: debug` cell (the build-debug kernel), else `stock`. */
  kernel: 'stock' | 'debug';
  excerpt: string[];
  checks: { passed: number; failed: number };
  bootMs?: number;
  accel?: string;
  /** The firmware file the smoke run's QEMU was given with -bios (qboot); none for QEMU's default. */
  firmware?: string;
  lockEntry: LockEntry;
  /** Paths relative to the report directory. */
  files: { console?: string; smoke?: string; junit?: string; build?: string; reproduce: string };
}

export interface MatrixReport {
  generatedAt: string;
  ok: boolean;
  cells: CellReport[];
}

const SHARE = /^weight (\d+) got ([\d.]+)% of GPU time \(want (\d+) \+- (\d+)\)$/;

export function fairnessOf(s: SmokeResult | undefined): { text: string; ok: boolean | undefined } {
  if (!s) return { text: '-', ok: undefined };
  const shares = s.checks.filter((c) => SHARE.test(c.name) && c.abi === '64');
  if (!shares.length) return { text: '-', ok: undefined };
  const got = shares.map((c) => c.name.match(SHARE)!);
  return {
    text: `${got.map((g) => g[2]).join(' / ')} % (want ${got.map((g) => g[3]).join(' / ')} +- ${got[0]![4]})`,
    ok: s.checks.filter((c) => SHARE.test(c.name)).every((c) => c.ok),
  };
}

function stage(status: StageStatus | undefined, artefactThere: boolean, recordedMs: number | undefined): StageReport {
  if (status && status.state !== 'running') return { state: status.state, ...(status.durationMs !== undefined ? { durationMs: status.durationMs } : {}), ...(status.error ? { error: status.error } : {}) };
  if (status?.state === 'running') return { state: 'failed', error: 'did not finish' };
  return artefactThere ? { state: 'cached', ...(recordedMs !== undefined ? { durationMs: recordedMs } : {}) } : { state: 'skipped' };
}

async function tail(path: string, n: number): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '').slice(-n);
  } catch {
    return [];
  }
}

/** Read every cell's results. `statusDir` holds what ran in this invocation; the rest was cached or skipped. */
export async function collectReport(m: Matrix, lock: KernelsLock, distDir: string, statusDir: string, only?: readonly string[]): Promise<MatrixReport> {
  const cells: CellReport[] = [];
  for (const c of m.cells) {
    if (only && !only.includes(c.name)) continue;
    const e = lock.cells[c.name];
    if (!e) continue;
    const dir = join(distDir, e.release);
    const built = await readJson<BuildResult>(join(dir, 'build.json'));
    const sm = await readJson<SmokeResult>(join(dir, 'smoke.json'));
    const bs = await readJson<StageStatus>(join(statusDir, `${c.name}.build.json`));
    const ss = await readJson<StageStatus>(join(statusDir, `${c.name}.smoke.json`));
    const build = stage(bs, built?.kernel === e.release, built?.durationMs);
    let smoke = stage(ss, sm?.kernel === e.release, sm?.timings.wallMs);
    if (smoke.state === 'cached' && sm && !sm.ok) smoke = { ...smoke, state: 'failed' };
    // A build that failed now leaves an older smoke.json behind: that is not this run's verdict.
    if (build.state === 'failed' && !ss) smoke = { state: 'skipped' };
    const fair = fairnessOf(sm);
    const rel = (f: string): string => `../${e.release}/${f}`;
    const failedLog = join(distDir, `${e.release}.failed.log`);
    cells.push({
      cell: c.name, distro: c.distro, suite: c.suite, series: c.series, arch: c.arch,
      release: e.release, packageVersion: e.packageVersion,
      patches: e.patches.map((p) => p.name),
      ...(built ? { image: built.image, gcc: `${built.gcc} (${built.gccVersion})` } : {}),
      build, smoke,
      fairness: fair.text, fairnessOk: fair.ok,
      reasons: sm && smoke.state !== 'skipped' ? sm.reasons : build.error ? [build.error] : smoke.error ? [smoke.error] : [],
      // smoke.json files written before boot splats were told apart have no such field.
      bootSplats: sm && smoke.state !== 'skipped' ? (sm.bootSplats ?? []) : [],
      kernel: isDebugCell(c) ? 'debug' : 'stock',
      excerpt: sm && smoke.state !== 'skipped' ? (sm.excerpt.length ? sm.excerpt : await tail(join(dir, 'console.log'), 12)) : await tail(failedLog, 12),
      checks: { passed: sm?.summaries.reduce((a, s) => a + s.passed, 0) ?? 0, failed: sm?.summaries.reduce((a, s) => a + s.failed, 0) ?? 0 },
      ...(sm ? { bootMs: sm.timings.bootMs, accel: sm.accel } : {}),
      // smoke.json files written before the firmware was chosen have no such field.
      ...(sm?.firmware?.file ? { firmware: sm.firmware.file } : {}),
      lockEntry: e,
      files: {
        ...(sm ? { console: rel('console.log'), smoke: rel('smoke.json'), junit: rel('junit.xml') } : {}),
        ...(built ? { build: rel('build.json') } : {}),
        reproduce: `cells/${c.name}/reproduce.sh`,
      },
    });
  }
  const ok = cells.length > 0 && cells.every((c) => (c.build.state === 'passed' || c.build.state === 'cached') && (c.smoke.state === 'passed' || c.smoke.state === 'cached'));
  return { generatedAt: new Date().toISOString(), ok, cells };
}

export function cellPassed(c: CellReport): boolean {
  return ['passed', 'cached'].includes(c.build.state) && ['passed', 'cached'].includes(c.smoke.state);
}
