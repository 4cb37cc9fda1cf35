import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KernelEntry } from '@cgpu/kernels';
import type { Decision, Selection } from '@cgpu/patches';
import { parseMatrix } from '../src/model.js';
import { auditPatches, cellsUsingPatch } from '../src/audit.js';
import { CellUnavailableError, computeLock, lockProblems, lockToKernelEntry, parseLock, resolveCell, sameKernel, serializeLock } from '../src/lock.js';

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
