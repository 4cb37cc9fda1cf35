import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KernelEntry } from '@cgpu/kernels';
import type { Decision, Selection } from '@cgpu/patches';
import { parseMatrix } from '../src/model.js';
import { auditPatches, cellsUsingPatch } from '../src/audit.js';
import { CellUnavailableError, DebugKernelNotBuiltError, DebugLockEntryError, computeLock, lockProblems, lockToKernelEntry, parseLock, resolveCell, sameKernel, serializeLock, type DebugResolveFn } from '../src/lock.js';

const matrix = parseMatrix(readFileSync(new URL('./fixtures/matrix.yaml', import.meta.url), 'utf8'));
const sha = (c: string): string => c.repeat(64);

function entry(release: string, version: string, suite: string, arch: 'amd64' | 'arm64', pkgVersion: string, hash = 'a'): KernelEntry {
  const series = version.split('.').slice(0, 2).join('.');
  return {
    release, version, series, packageVersion: pkgVersion, suite, debian: suite.startsWith('trixie') ? 13 : 12,
    baseSuite: suite.replace('-backports', ''), arch, flavour: arch, gcc: suite.startsWith('trixie') ? 'gcc-14' : 'gcc-12', gccMajor: suite.startsWith('trixie') ? 14 : 12,
    debs: [
      { role: 'image', package: `linux-image-${release}`, version: pkgVersion, arch, filename: `pool/main/l/linux/linux-image-${release}_${pkgVersion}_${arch}.deb`, url: `http://deb.debian.org/debian/pool/main/l/linux/linux-image-${release}_${pkgVersion}_${arch}.deb`, size: 100, sha256: sha(hash) },
      { role: 'headers', package: `linux-headers-${release}`, version: pkgVersion, arch, filename: `pool/main/l/linux/linux-headers-${release}_${pkgVersion}_${arch}.deb`, url: `http://deb.debian.org/debian/pool/main/l/linux/linux-headers-${release}_${pkgVersion}_${arch}.deb`, size: 50, sha256: sha('b') },
    ],
  };
}

const catalogue: KernelEntry[] = [
  entry('6.1.0-47-amd64', '6.1.170', 'bookworm', 'amd64', '6.1.170-1'),
  entry('6.1.0-50-amd64', '6.1.176', 'bookworm', 'amd64', '6.1.176-1'),
  entry('6.12.95+deb12-amd64', '6.12.95', 'bookworm-backports', 'amd64', '6.12.95-1~bpo12+1'),
  entry('6.12.117+deb13-amd64', '6.12.117', 'trixie', 'amd64', '6.12.117-1'),
  entry('6.12.117+deb13-arm64', '6.12.117', 'trixie', 'arm64', '6.12.117-1'),
];

function selection(k: KernelEntry, names: string[]): Selection {
  const d = (n: string): Decision => ({ name: n, file: `00-${n}.patch`, since: '6.2', upstream: 'x', reason: 'r', apply: true, probe: 'compiles', why: 'w', versionHint: 'agrees' });
  return { kernel: k.release, version: k.version, decisions: names.map(d), applied: names.map(d) };
}

const picks: Record<string, string[]> = { 'debian12-amd64': ['a'], 'debian12-bpo-amd64': ['a', 'b'], 'debian13-arm64': ['b'] };

describe('the kernels lock', () => {
  it('resolves a cell to the newest release of its series in its own suite, not the newest of the series', () => {
    expect(resolveCell(matrix.cells[0]!, catalogue).release).toBe('6.1.0-50-amd64');
    // 6.12 is newer in trixie, but the backports cell stays in bookworm-backports.
    expect(resolveCell(matrix.cells[1]!, catalogue).release).toBe('6.12.95+deb12-amd64');
    expect(() => resolveCell({ ...matrix.cells[0]!, series: '6.2' }, catalogue)).toThrow(CellUnavailableError);
  });

  it('locks each cell with its debs and selected patches, and round-trips through text', async () => {
    const lock = await computeLock(matrix, catalogue, sha('c'), async (k, cell) => selection(k, picks[cell.name]!));
    expect(Object.keys(lock.cells)).toEqual(['debian12-amd64', 'debian12-bpo-amd64', 'debian13-arm64']);
    const e = lock.cells['debian12-bpo-amd64']!;
    expect(e.release).toBe('6.12.95+deb12-amd64');
    expect(e.patches.map((p) => p.name)).toEqual(['a', 'b']);
    expect(e.debs[0]).not.toHaveProperty('url');
    expect(parseLock(serializeLock(lock))).toEqual(lock);
    expect(lockProblems(lock, matrix, catalogue, sha('c'))).toEqual([]);
  });

  it('turns a lock entry into exactly the locked kernel entry, fetched from the mirror in use', async () => {
    const lock = await computeLock(matrix, catalogue, sha('c'), async (k, cell) => selection(k, picks[cell.name]!));
    const k = lockToKernelEntry(lock.cells['debian12-amd64']!);
    expect(k).toEqual(catalogue[1]);
    expect(sameKernel(lock.cells['debian12-amd64']!, catalogue[1]!)).toBe(true);
    expect(sameKernel(lock.cells['debian12-amd64']!, catalogue[0]!)).toBe(false);
    const prev = process.env['CGPU_MIRROR'];
    process.env['CGPU_MIRROR'] = 'http://mirror.example/debian/';
    try {
      expect(lockToKernelEntry(lock.cells['debian12-amd64']!).debs[0]!.url).toMatch(/^http:\/\/mirror\.example\/debian\/pool\//);
    } finally {
      if (prev === undefined) delete process.env['CGPU_MIRROR'];
      else process.env['CGPU_MIRROR'] = prev;
    }
  });

  it('--check finds an archive that moved on, a re-uploaded deb, a changed series and matrix drift', async () => {
    const lock = await computeLock(matrix, catalogue, sha('c'), async (k, cell) => selection(k, picks[cell.name]!));
    const moved = [...catalogue, entry('6.1.0-51-amd64', '6.1.180', 'bookworm', 'amd64', '6.1.180-1')];
    expect(lockProblems(lock, matrix, moved, sha('c'))).toEqual(['cell debian12-amd64: the archive moved on from 6.1.0-50-amd64 (6.1.176-1) to 6.1.0-51-amd64 (6.1.180-1)']);
    const reuploaded = catalogue.map((k) => (k.release === '6.1.0-50-amd64' ? entry(k.release, k.version, k.suite, k.arch, k.packageVersion, 'f') : k));
    expect(lockProblems(lock, matrix, reuploaded, sha('c'))[0]).toMatch(/linux-image-6.1.0-50-amd64 6.1.176-1 has SHA256 ffffffffffff, the lock says aaaaaaaaaaaa/);
    expect(lockProblems(lock, matrix, catalogue, sha('d'))).toEqual(['patches/series.yaml changed since the lock was made (probe selections may differ)']);
    const fewer = { ...matrix, cells: matrix.cells.slice(1) };
    expect(lockProblems(lock, fewer, catalogue, sha('c'))).toEqual(['cell debian12-amd64 is locked but no longer in ci/matrix.yaml']);
  });

  it('audits which cells apply each patch and flags a patch no cell needs', async () => {
    const lock = await computeLock(matrix, catalogue, sha('c'), async (k, cell) => selection(k, picks[cell.name]!));
    const a = auditPatches([{ name: 'a', file: '00-a.patch' }, { name: 'b', file: '00-b.patch' }, { name: 'z', file: '00-z.patch' }], lock);
    expect(a.uses.map((u) => [u.name, u.cells])).toEqual([
      ['a', ['debian12-amd64', 'debian12-bpo-amd64']],
      ['b', ['debian12-bpo-amd64', 'debian13-arm64']],
      ['z', []],
    ]);
    expect(a.unused).toEqual(['z']);
    expect(cellsUsingPatch(lock, '00-b.patch')).toEqual(['debian12-bpo-amd64', 'debian13-arm64']);
  });
});

// The built debug kernel's cache manifest (fixtures/debug-kernel.json, see fixtures/README.md) as the CLI's
// resolver turns it into a kernel entry and a lock pin.
interface Manifest { release: string; key: string; source: { package: string; version: string; sha256: string; suite: string } }
const manifest = JSON.parse(readFileSync(new URL('./fixtures/debug-kernel.json', import.meta.url), 'utf8')) as Manifest;
const debugCell = parseMatrix('cells: [{ name: debug-6.12, distro: Debian 13 (debug build), suite: trixie, series: "6.12", arch: amd64, kernel: debug }]').cells[0]!;
const withDebug = { ...matrix, cells: [...matrix.cells, debugCell] };
const dir = `/cache/debugkernel/6.12-${manifest.key.slice(0, 16)}`;
const debugKernel: KernelEntry = {
  ...entry('6.12.117+deb13-amd64', '6.12.117', 'trixie', 'amd64', '6.12.117-1'),
  release: manifest.release, version: '6.12.107', packageVersion: manifest.source.version, flavour: 'cgpu-debug', debs: [],
  local: { dir, vmlinuz: `${dir}/bzImage`, config: `${dir}/config`, systemMap: `${dir}/System.map`, headers: `${dir}/build`, key: manifest.key },
};
const { suite: _suite, ...source } = manifest.source;
const resolveDebug: DebugResolveFn = async () => ({ kernel: debugKernel, debug: { key: manifest.key, source } });
const debugKeys = { '6.12': manifest.key };

describe('a debug cell in the lock', () => {
  it('pins the debug build: release, source package and version, plan key, probe-selected patches, no debs', async () => {
    const lock = await computeLock(withDebug, catalogue, sha('c'), async (k, cell) => selection(k, picks[cell.name] ?? ['a', 'b']), resolveDebug);
    const e = lock.cells['debug-6.12']!;
    expect(e.cell).toEqual(debugCell);
    expect(e).toMatchObject({ release: '6.12.107-cgpu-debug', version: '6.12.107', packageVersion: '6.12.107-1', flavour: 'cgpu-debug', suite: 'trixie', debs: [] });
    expect(e.debug).toEqual({ key: manifest.key, source: { package: 'linux-source-6.12', version: '6.12.107-1', sha256: manifest.source.sha256 } });
    expect(e.patches.map((p) => p.name)).toEqual(['a', 'b']);
    expect(lock.cells['debian12-amd64']).not.toHaveProperty('debug');
    expect(parseLock(serializeLock(lock))).toEqual(lock);
    expect(lockProblems(lock, withDebug, catalogue, sha('c'), debugKeys)).toEqual([]);
  });

  it('fails at once when the debug kernel is not built: no probe has run, and the hint is the build command', async () => {
    const probed: string[] = [];
    const notBuilt: DebugResolveFn = async (cell) => {
      throw new DebugKernelNotBuiltError(cell, `the ${cell.series} debug kernel is not built`);
    };
    const p = computeLock(withDebug, catalogue, sha('c'), async (k, cell) => (probed.push(cell.name), selection(k, [])), notBuilt);
    await expect(p).rejects.toThrow(DebugKernelNotBuiltError);
    await expect(p).rejects.toMatchObject({ code: 'LOCK_DEBUG_NOT_BUILT', hint: 'cgpu kernels build-debug 6.12' });
    expect(probed).toEqual([]);
    await expect(computeLock(withDebug, catalogue, sha('c'), async (k) => selection(k, []))).rejects.toThrow(/no debug-kernel resolver/);
  });

  it('--check: a plan key that changed (fragment, source or recipe) makes the entry stale; an unchecked one too', async () => {
    const lock = await computeLock(withDebug, catalogue, sha('c'), async (k, cell) => selection(k, picks[cell.name] ?? []), resolveDebug);
    expect(lockProblems(lock, withDebug, catalogue, sha('c'), { '6.12': sha('e') })).toEqual([
      `cell debug-6.12: the 6.12 debug kernel's plan moved on from key ${manifest.key.slice(0, 16)} (linux-source-6.12 6.12.107-1) to eeeeeeeeeeeeeeee: the config fragment, the source package or the build recipe changed`,
    ]);
    expect(lockProblems(lock, withDebug, catalogue, sha('c'))).toEqual([`cell debug-6.12: today's plan key of the 6.12 debug kernel was not given, so its entry cannot be checked`]);
    // A stock entry under a debug cell (the cell was switched to kernel: debug) is stale, not checked against the archive.
    const stock = { ...lock, cells: { ...lock.cells, 'debug-6.12': { ...lock.cells['debian12-amd64']!, cell: debugCell } } };
    expect(lockProblems(stock, withDebug, catalogue, sha('c'), debugKeys)).toEqual(['cell debug-6.12: the lock has a stock kernel (6.1.0-50-amd64) for a debug cell']);
    const switched = { ...withDebug, cells: [...matrix.cells, { ...debugCell, kernel: undefined }] };
    expect(lockProblems(lock, switched, catalogue, sha('c'), debugKeys)[0]).toBe('cell debug-6.12 changed in ci/matrix.yaml');
  });

  it('is never turned into an archive lookup; sameKernel compares the built kernel by plan key', async () => {
    const lock = await computeLock(withDebug, catalogue, sha('c'), async (k, cell) => selection(k, picks[cell.name] ?? []), resolveDebug);
    const e = lock.cells['debug-6.12']!;
    expect(() => lockToKernelEntry(e)).toThrow(DebugLockEntryError);
    expect(sameKernel(e, debugKernel)).toBe(true);
    expect(sameKernel(e, { ...debugKernel, local: { ...debugKernel.local!, key: sha('e') } })).toBe(false);
    expect(sameKernel(e, catalogue[3]!)).toBe(false);
  });
});
