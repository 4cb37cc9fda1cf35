// Live: the nx cache of the matrix is real and shared. Two separate clones of this repository (committed
// HEAD) use one cache directory through `CGPU_NX_CACHE_DIR`; the second clone's matrix is served from it
// without one build or boot. Then, in the second clone: a warm rerun runs nothing, and editing one patch
// reruns exactly the cells whose lock entry selects it. Real dockerd, real QEMU, real Debian packages.
// CGPU_TEST_CELLS=a,b limits the cells (default: every cell of ci/matrix.yaml, i.e. a whole cold matrix; in the
// `ci` live scope without a debug cell whose kernel is not cached here, see defaultCells).
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveScope, run } from '@cgpu/common';
import { cachedDebugKernel, planDebugKernel } from '@cgpu/debugkernel';
import { isDebugCell, loadMatrix, type KernelsLock } from '@cgpu/matrix';
import { loadSeries } from '@cgpu/patches';
import type { MatrixReport } from '@cgpu/report';

const root = new URL('../../..', import.meta.url).pathname;
let base = '';
let shared = '';
const clone = (n: string): string => join(base, n);

async function sh(cwd: string, cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 10 * 60_000) {
  return run(cmd, args, { cwd, env: { NO_COLOR: '1', NX_DAEMON: 'false', CI: '1', ...env }, timeoutMs, allowFailure: true, purpose: `${cmd} ${args.join(' ')}` });
}

/** `cgpu matrix` in a clone; returns which cell stages really ran (not served by nx) and the exit code. */
async function matrix(dir: string, cells: string | undefined): Promise<{ ran: string[]; exitCode: number; ms: number; out: string }> {
  const t0 = Date.now();
  // nx 24 shares one local cache between all checkouts of a workspace (~/.nx/<id>/cache): give each clone
  // its own, so the second clone can only be served through the shared remote cache.
  const env = { CGPU_NX_CACHE_DIR: shared, NX_CACHE_DIRECTORY: join(dir, '.nx', 'private-cache') };
  const r = await sh(dir, './cgpu', ['matrix', ...(cells ? ['--only', cells] : [])], env, 4 * 3600_000);
  const ran = await readdir(join(dir, 'dist/report/.status')).catch(() => [] as string[]);
  const out = r.stdout + r.stderr;
  return { ran: ran.map((f) => f.replace(/\.json$/, '')).sort(), exitCode: r.exitCode, ms: Date.now() - t0, out: await failedCells(dir, out) };
}

/**
 * What a failed matrix says first: each failed cell's reasons from matrix.json (the failing check by name), then
 * the output's tail. The tail alone is mostly the last cell's console excerpt, and CI logs shown shortened cut
 * the middle, where the reasons were.
 */
async function failedCells(dir: string, out: string): Promise<string> {
  const report = await readFile(join(dir, 'dist/report/matrix.json'), 'utf8').catch(() => '');
  const cells = report ? (JSON.parse(report) as MatrixReport).cells : [];
  const failed = cells.filter((c) => c.reasons.length).map((c) => `${c.cell}: ${c.reasons.join('; ')}`);
  return [...(failed.length ? ['failed cells:', ...failed, ''] : []), out.slice(-2000)].join('\n');
}

/**
 * Every cell, but in the `ci` live scope (what ci/test.sh and CI run) not a debug cell whose kernel is not in
 * this machine's cache: a cold debug kernel is a ~20 min build on 2 cores (hours on a loaded one), beyond CI's
 * budget beside a whole matrix, as in packages/debugkernel/test/mutants.live.test.ts. CGPU_LIVE_SCOPE=full
 * keeps it (the cell then builds its kernel); `cgpu kernels build-debug 6.12` fills the cache.
 * Returns the --only list, or undefined for every cell.
 */
async function defaultCells(): Promise<string | undefined> {
  const m = await loadMatrix(join(root, 'ci/matrix.yaml'));
  if (liveScope() === 'full') return undefined;
  const cold: string[] = [];
  for (const c of m.cells.filter(isDebugCell)) if (!(await cachedDebugKernel(await planDebugKernel(c.series)))) cold.push(c.name);
  if (!cold.length) return undefined;
  process.stderr.write(`live scope ci: leaving out ${cold.join(', ')}, its debug kernel is not cached here (cgpu kernels build-debug builds it)\n`);
  return m.cells.filter((c) => !cold.includes(c.name)).map((c) => c.name).join(',');
}

const chosenCells = process.env['CGPU_TEST_CELLS'];
const cells = chosenCells ?? (await defaultCells());
const cellCount = cells ? cells.split(',').length : (await loadMatrix(join(root, 'ci/matrix.yaml'))).cells.length;

describe('the matrix cache across two clones', () => {
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'cgpu-clones-'));
    shared = join(base, 'shared-nx-cache');
    for (const n of ['a', 'b']) {
      const c = await sh(base, 'git', ['clone', '--quiet', '--no-hardlinks', root, n]);
      expect(c.exitCode, c.stderr).toBe(0);
      const s = await sh(clone(n), 'ci/setup.sh', [], {}, 20 * 60_000);
      expect(s.exitCode, s.stderr.slice(-2000)).toBe(0);
    }
  });
  afterAll(async () => {
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('the second clone is served entirely from the shared cache: no build, no boot', async () => {
    const a = await matrix(clone('a'), cells);
    expect(a.exitCode, a.out).toBe(0);
    expect(a.ran.length, 'clone a has a private nx cache, so it builds and boots every cell').toBe(2 * cellCount);
    process.stderr.write(`clone a: ${(a.ms / 1000).toFixed(1)} s, ran ${a.ran.length} stages\n`);
    // Every cell built warning-free, and together the cells use every patch of the series.
    const built = JSON.parse(await readFile(join(clone('a'), 'dist/report/matrix.json'), 'utf8')) as { cells: Array<{ release: string }> };
    const used = new Set<string>();
    for (const c of built.cells) {
      const b = JSON.parse(await readFile(join(clone('a'), 'dist', c.release, 'build.json'), 'utf8')) as { warningLines: string[]; patches: Array<{ name: string }> };
      expect(b.warningLines, c.release).toEqual([]);
      for (const p of b.patches) used.add(p.name);
    }
    // The stock cells alone use every patch, so this holds with or without the debug cell.
    if (!chosenCells) expect((await loadSeries(join(root, 'patches'))).patches.map((p) => p.name).filter((n) => !used.has(n))).toEqual([]);
    const b = await matrix(clone('b'), cells);
    expect(b.exitCode, b.out).toBe(0);
    expect(b.ran).toEqual([]);
    // Every stage clone a ran is in the shared directory (nx stores one archive per task hash).
    expect((await readdir(shared)).length).toBeGreaterThanOrEqual(a.ran.length);
    const report = JSON.parse(await readFile(join(clone('b'), 'dist/report/matrix.json'), 'utf8')) as { ok: boolean; cells: Array<{ release: string; build: { state: string }; smoke: { state: string } }> };
    expect(report.ok).toBe(true);
    for (const c of report.cells) {
      expect([c.build.state, c.smoke.state]).toEqual(['cached', 'cached']);
      // The cached outputs were restored into the second clone's own dist/.
      await readFile(join(clone('b'), 'dist', c.release, 'cgpu.ko'));
      await readFile(join(clone('b'), 'dist', c.release, 'smoke.json'));
    }
    process.stderr.write(`clone b: ${(b.ms / 1000).toFixed(1)} s, all from the shared cache\n`);
  });

  it('a warm rerun runs nothing; editing one patch reruns exactly the cells whose lock selects it', async () => {
    const dir = clone('b');
    const warm = await matrix(dir, cells);
    expect(warm.ran).toEqual([]);
    process.stderr.write(`warm rerun: ${(warm.ms / 1000).toFixed(2)} s\n`);
    const lock = JSON.parse(await readFile(join(dir, 'ci/kernels.lock'), 'utf8')) as KernelsLock;
    const chosen = cells ? cells.split(',') : Object.keys(lock.cells);
    // A patch some but not all of the chosen cells apply.
    const files = [...new Set(chosen.flatMap((c) => lock.cells[c]!.patches.map((p) => p.file)))];
    const users = (f: string): string[] => chosen.filter((c) => lock.cells[c]!.patches.some((p) => p.file === f));
    const file = files.find((f) => users(f).length > 0 && users(f).length < chosen.length);
    expect(file, 'the chosen cells must differ in their patches').toBeDefined();
    const path = join(dir, 'patches', file!);
    const before = await readFile(path, 'utf8');
    await writeFile(path, `Touched by the cache test (text before the first diff line is not part of the patch).\n${before}`);
    const touched = await matrix(dir, cells);
    expect(touched.exitCode, touched.out).toBe(0);
    expect(touched.ran).toEqual(users(file!).flatMap((c) => [`${c}.build`, `${c}.smoke`]).sort());
    await writeFile(path, before);
    const restored = await matrix(dir, cells);
    expect(restored.ran).toEqual([]);
  });
});
