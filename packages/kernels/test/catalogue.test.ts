import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildEntries, gccFromDepends } from '../src/catalogue.js';
import { parseDepends, parseStanzas, upstreamVersion } from '../src/deb822.js';
import { editDistance, resolveSpec } from '../src/resolve.js';
import { suiteByName } from '../src/suites.js';

const fixture = (n: string): string => readFileSync(new URL(`./fixtures/${n}`, import.meta.url), 'utf8');
const bookworm = buildEntries(suiteByName('bookworm')!, 'amd64', parseStanzas(fixture('bookworm-amd64.Packages')));
const tbpo = buildEntries(suiteByName('trixie-backports')!, 'amd64', parseStanzas(fixture('trixie-backports-amd64.Packages')));
const all = [...bookworm, ...tbpo];

describe('deb822', () => {
  it('parses stanzas with continuation lines', () => {
    const [s] = parseStanzas('Package: a\nDescription: one\n two\n\nPackage: b\n');
    expect(s).toEqual({ Package: 'a', Description: 'one\ntwo' });
  });
  it('parses Depends with versions and alternatives', () => {
    expect(parseDepends('a (>= 1.2), b | c:any, d')).toEqual([[{ name: 'a', op: '>=', version: '1.2' }], [{ name: 'b' }, { name: 'c' }], [{ name: 'd' }]]);
  });
  it('takes the upstream part of Debian versions', () => {
    expect(upstreamVersion('6.1.176-1')).toBe('6.1.176');
    expect(upstreamVersion('7.3.4-1~bpo13+1')).toBe('7.3.4');
    expect(upstreamVersion('1:2.3-4')).toBe('2.3');
  });
  it('finds the compiler in each Depends shape Debian used', () => {
    expect(gccFromDepends('linux-headers-5.10.0-32-common (= 5.10.223-1), linux-kbuild-5.10 (>= 5.10.223-1), linux-compiler-gcc-10-x86')).toBe(10);
    expect(gccFromDepends('linux-headers-6.1.0-50-common (= 6.1.176-1), linux-kbuild-6.1 (>= 6.1.176-1), gcc-12')).toBe(12);
    expect(gccFromDepends('gcc-14-for-host, linux-base (>= 4.12~)')).toBe(14);
    expect(gccFromDepends('linux-kbuild-6.1')).toBeUndefined();
  });
});

describe('buildEntries', () => {
  it('finds 6.1.0-50 in the monolithic -unsigned layout with every deb the build and boot need', () => {
    const e = bookworm.find((x) => x.release === '6.1.0-50-amd64')!;
    expect(e).toMatchObject({ version: '6.1.176', packageVersion: '6.1.176-1', suite: 'bookworm', gcc: 'gcc-12', arch: 'amd64', flavour: 'amd64' });
    expect(e.debs.map((d) => `${d.role}:${d.package}`)).toEqual([
      'image:linux-image-6.1.0-50-amd64-unsigned',
      'headers:linux-headers-6.1.0-50-amd64',
      'headers-common:linux-headers-6.1.0-50-common',
      'kbuild:linux-kbuild-6.1',
    ]);
    for (const d of e.debs) {
      expect(d.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(d.size).toBeGreaterThan(0);
      expect(d.url).toMatch(/\/pool\/main\/l\/linux\//);
    }
  });
  it('uses the rt headers-common for the rt flavour', () => {
    const e = bookworm.find((x) => x.release === '6.1.0-50-rt-amd64')!;
    expect(e.debs.find((d) => d.role === 'headers-common')!.package).toBe('linux-headers-6.1.0-50-common-rt');
  });
  it('handles the 7.x split layout: linux-binary for vmlinuz plus linux-base for config', () => {
    const e = tbpo.find((x) => x.release === '7.3.4+deb13-amd64')!;
    expect(e.gcc).toBe('gcc-14');
    expect(e.debs.map((d) => d.role)).toEqual(['image', 'base', 'headers', 'headers-common', 'kbuild']);
    expect(e.debs[0]!.package).toBe('linux-binary-7.3.4+deb13-amd64');
  });
  it('does not list a kernel whose headers lack an image (the -dbg package is no image)', () => {
    expect(all.every((e) => !e.release.includes('dbg'))).toBe(true);
    expect(tbpo.map((e) => e.release).sort()).toEqual(['7.3.4+deb13-amd64', '7.3.4+deb13-cloud-amd64']);
  });
});

describe('resolveSpec', () => {
  it('resolves a full release, a series, a suite and latest', () => {
    expect(resolveSpec('6.1.0-50-rt-amd64', all).flavour).toBe('rt-amd64');
    expect(resolveSpec('6.1', all).release).toBe('6.1.0-50-amd64');
    expect(resolveSpec('bookworm', all).release).toBe('6.1.0-50-amd64');
    expect(resolveSpec('debian-12', all).release).toBe('6.1.0-50-amd64');
    expect(resolveSpec('latest', all).release).toBe('7.3.4+deb13-amd64');
    expect(resolveSpec('7.3', all, { flavour: 'cloud-amd64' }).release).toBe('7.3.4+deb13-cloud-amd64');
    expect(resolveSpec('host', all, { hostRelease: '6.1.0-50-amd64' }).release).toBe('6.1.0-50-amd64');
  });
  it('names the nearest specs for an unknown one, exit code 2', () => {
    try {
      resolveSpec('6.2', all);
      expect.unreachable();
    } catch (e) {
      const err = e as { exitCode: number; details: { nearest: string[] }; hint: string };
      expect(err.exitCode).toBe(2);
      expect(err.details.nearest).toContain('6.1');
      expect(err.hint).toMatch(/did you mean/);
    }
  });
  it('says so when the host kernel is not a Debian archive kernel', () => {
    expect(() => resolveSpec('host', all, { hostRelease: '6.18.44-fc-v782' })).toThrowError(/not in the Debian archive/);
  });
  it('has a working edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('6.2', '6.1')).toBe(1);
  });
});
