// A debug cell's kernel comes from the debug-kernel cache, built from the locked plan, never from the archive.
// The cache entry is real files in a temp dir with the manifest of the 6.12 debug kernel built on the
// development machine (packages/matrix/test/fixtures/debug-kernel.json, see its README). planDebugKernel
// (catalogue and archive look-ups) and buildDebugKernel (a ~20 min build) are replaced; the rest is real.
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cachedDebugKernel, type DebugManifest, type DebugPlan } from '@cgpu/debugkernel';
import type { KernelEntry } from '@cgpu/kernels';
import { DebugKernelNotBuiltError, parseMatrix, type LockEntry } from '@cgpu/matrix';

const plans = vi.hoisted(() => ({ current: undefined as unknown, calls: 0, built: [] as string[] }));
vi.mock('@cgpu/debugkernel', async (importOriginal) => {
  const real = await importOriginal<typeof import('@cgpu/debugkernel')>();
  return {
    ...real,
    planDebugKernel: async () => (plans.calls++, plans.current),
    // Stands in for a real build: records the call and serves the cache entry the test wrote.
    buildDebugKernel: async (series: string, _hooks: unknown, plan: DebugPlan) => {
      plans.built.push(series);
      const hit = await real.cachedDebugKernel(plan);
      if (!hit) throw new Error('test: nothing to serve');
      return { plan, ...hit, cached: true };
    },
  };
});

const { DebugLockStaleError, debugLockKernel, debugPlanKeys, lockedKernelEntry } = await import('../src/cell.js');

const manifest = JSON.parse(readFileSync(new URL('../../matrix/test/fixtures/debug-kernel.json', import.meta.url), 'utf8')) as DebugManifest;
const cell = parseMatrix('cells: [{ name: debug-6.12, distro: Debian 13 (debug build), suite: trixie, series: "6.12", arch: amd64, kernel: debug }]').cells[0]!;
// The stock trixie 6.12 kernel of the lock (ci/kernels.lock, debian13-amd64) whose compiler the debug build uses.
const stock: KernelEntry = {
  release: '6.12.117+deb13-amd64', version: '6.12.117', series: '6.12', packageVersion: '6.12.117-1', suite: 'trixie', debian: 13,
  baseSuite: 'trixie', arch: 'amd64', flavour: 'amd64', gcc: 'gcc-14', gccMajor: 14, debs: [],
};

let plan: DebugPlan;
let base = '';
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'cgpu-debugcell-'));
  const dir = join(base, `6.12-${manifest.key.slice(0, 16)}`);
  plan = {
    series: '6.12', stock, fragment: 'CONFIG_KASAN=y\n', image: manifest.image, key: manifest.key, dir, work: join(dir, '..', 'work'),
    deb: { role: 'tool', package: manifest.source.package, version: manifest.source.version, arch: 'all', filename: 'pool/main/l/linux/linux-source-6.12_6.12.107-1_all.deb', url: 'http://deb.example/x.deb', size: 1, sha256: manifest.source.sha256 },
  };
  plans.current = plan;
  plans.calls = 0;
  plans.built = [];
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Fill the plan's cache entry as a finished build leaves it. */
async function build(): Promise<void> {
  await mkdir(join(plan.dir, 'build'), { recursive: true });
  for (const f of ['bzImage', 'config', 'System.map', 'build/Module.symvers']) await writeFile(join(plan.dir, f), 'x');
  await writeFile(join(plan.dir, 'debug-kernel.json'), JSON.stringify(manifest));
  expect(await cachedDebugKernel(plan)).toBeDefined();
}

function entryOf(key = manifest.key): LockEntry {
  return {
    cell, release: manifest.release, version: '6.12.107', series: '6.12', packageVersion: '6.12.107-1', suite: 'trixie', debian: 13, baseSuite: 'trixie',
    arch: 'amd64', flavour: 'cgpu-debug', gcc: 'gcc-14', gccMajor: 14, debs: [], patches: [],
    debug: { key, source: { package: 'linux-source-6.12', version: '6.12.107-1', sha256: manifest.source.sha256 } },
  };
}

describe('cgpu matrix lock of a debug cell', () => {
  it('pins the built kernel: its release, source package and plan key', async () => {
    await build();
    const r = await debugLockKernel(cell);
    expect(r.debug).toEqual({ key: manifest.key, source: { package: 'linux-source-6.12', version: '6.12.107-1', sha256: manifest.source.sha256 } });
    expect(r.kernel).toMatchObject({ release: '6.12.107-cgpu-debug', version: '6.12.107', packageVersion: '6.12.107-1', flavour: 'cgpu-debug', gcc: 'gcc-14', debs: [] });
    expect(r.kernel.local).toMatchObject({ headers: join(plan.dir, 'build'), key: manifest.key });
  });

  it('fails with the build command as hint when the kernel is not built, and builds nothing', async () => {
    const p = debugLockKernel(cell);
    await expect(p).rejects.toThrow(DebugKernelNotBuiltError);
    await expect(p).rejects.toMatchObject({ code: 'LOCK_DEBUG_NOT_BUILT', hint: 'cgpu kernels build-debug 6.12' });
    expect(plans.built).toEqual([]);
  });

  it('refuses a cell whose suite is not the one the debug kernel is built from today', async () => {
    await build();
    await expect(debugLockKernel({ ...cell, suite: 'sid' })).rejects.toMatchObject({ code: 'LOCK_DEBUG_SUITE' });
  });

  it('--check plans each debug series once and no stock cell', async () => {
    const stockCell = { ...cell, name: 'debian13-amd64', kernel: undefined };
    expect(await debugPlanKeys([stockCell, cell, { ...cell, name: 'debug-6.12-again' }])).toEqual({ '6.12': manifest.key });
    expect(plans.calls).toBe(1);
  });
});

describe('the kernel of a debug lock entry', () => {
  it('is the cache entry built from the locked plan (build: true serves it when cached)', async () => {
    await build();
    const k = await lockedKernelEntry(entryOf(), { build: true });
    expect(plans.built).toEqual(['6.12']);
    expect(k.release).toBe('6.12.107-cgpu-debug');
    expect(k.local?.vmlinuz).toBe(join(plan.dir, 'bzImage'));
    expect(k.debs).toEqual([]);
    expect(await lockedKernelEntry(entryOf())).toEqual(k);
  });

  it('without build: an unbuilt kernel is DEBUG_KERNEL_NOT_BUILT, nothing is built', async () => {
    await expect(lockedKernelEntry(entryOf())).rejects.toMatchObject({ code: 'DEBUG_KERNEL_NOT_BUILT' });
    expect(plans.built).toEqual([]);
  });

  it('a plan key other than the locked one is a stale lock, before anything is built', async () => {
    await build();
    const p = lockedKernelEntry(entryOf('e'.repeat(64)), { build: true });
    await expect(p).rejects.toThrow(DebugLockStaleError);
    await expect(p).rejects.toThrow(/the lock pins the 6\.12 debug kernel of plan eeeeeeeeeeeeeeee .*today's plan is 0c40bfcc60c8b05d/);
    expect(plans.built).toEqual([]);
  });

  it('a built release other than the locked one is a stale lock', async () => {
    await build();
    await expect(lockedKernelEntry({ ...entryOf(), release: '6.12.99-cgpu-debug' })).rejects.toThrow(/built from the locked plan is 6\.12\.107-cgpu-debug, the lock says 6\.12\.99-cgpu-debug/);
  });

  it('a stock entry never plans a debug kernel', async () => {
    const { debug: _d, ...rest } = entryOf();
    const k = await lockedKernelEntry({ ...rest, release: stock.release, flavour: 'amd64', debs: [] });
    expect(k.release).toBe(stock.release);
    expect(plans.calls).toBe(0);
  });
});
