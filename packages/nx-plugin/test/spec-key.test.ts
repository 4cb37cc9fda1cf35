import { describe, expect, it } from 'vitest';
import type { KernelEntry } from '@cgpu/kernels';
import { specKeyLines } from '../src/spec-key.js';

// Entries shaped like `cgpu kernels list --json` (2026-11 snapshot: trixie-backports 7.2.13 and 7.3.4).
function k(release: string, version: string, suite: string, sha = 'a'): KernelEntry {
  return {
    release, version, series: version.split('.').slice(0, 2).join('.'), packageVersion: `${version}-1`, suite, debian: 13, baseSuite: 'trixie',
    arch: 'amd64', flavour: 'amd64', gcc: 'gcc-14', gccMajor: 14,
    debs: [{ role: 'image', package: `linux-image-${release}`, version: `${version}-1`, arch: 'amd64', filename: 'f', url: 'u', size: 1, sha256: sha.repeat(64) }],
  };
}

describe('the ad-hoc spec key (runtime input of nx run cgpu-module:build --kernel=<spec>)', () => {
  const before = [k('7.2.13+deb13-amd64', '7.2.13', 'trixie-backports'), k('7.3.4+deb13-amd64', '7.3.4', 'trixie-backports')];
  it('says what latest, a series and a suite resolve to', () => {
    const lines = specKeyLines(before);
    expect(lines).toContain(`amd64 amd64 latest -> 7.3.4+deb13-amd64 7.3.4-1 ${'a'.repeat(16)}`);
    expect(lines).toContain(`amd64 amd64 7.2 -> 7.2.13+deb13-amd64 7.2.13-1 ${'a'.repeat(16)}`);
    expect(lines).toContain(`amd64 amd64 trixie-backports -> 7.3.4+deb13-amd64 7.3.4-1 ${'a'.repeat(16)}`);
  });
  it('changes when the archive gets a newer release, so --kernel=latest is not served from the older cache', () => {
    const after = [...before, k('7.3.5+deb13-amd64', '7.3.5', 'trixie-backports')];
    expect(specKeyLines(after)).not.toEqual(specKeyLines(before));
    expect(specKeyLines(after)).toContain(`amd64 amd64 latest -> 7.3.5+deb13-amd64 7.3.5-1 ${'a'.repeat(16)}`);
  });
  it('changes when a deb is re-uploaded with other content, and not when nothing changed', () => {
    expect(specKeyLines([before[0]!, k('7.3.4+deb13-amd64', '7.3.4', 'trixie-backports', 'b')])).not.toEqual(specKeyLines(before));
    expect(specKeyLines([...before].reverse())).toEqual(specKeyLines(before));
  });
});
