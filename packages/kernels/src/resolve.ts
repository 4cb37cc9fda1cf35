/** Turn a user's kernel spec (release, series, suite, `latest`, `host`) into one exact catalogue entry. */
import { release as osRelease } from 'node:os';
import { UsageError } from '@cgpu/common';
import type { KernelEntry } from './catalogue.js';
import type { Arch } from './release.js';
import { SUITES, suiteByName } from './suites.js';
import { compareVersions } from './version.js';

export interface ResolveOptions {
  arch?: Arch;
  /** `amd64` (default), `cloud-amd64`, `rt-amd64`, ... defaults to the plain flavour of `arch`. */
  flavour?: string;
  hostRelease?: string;
}

export class UnknownSpecError extends UsageError {
  constructor(spec: string, arch: Arch, nearest: string[]) {
    super({
      code: 'KERNEL_SPEC_UNKNOWN',
      message: `no ${arch} kernel matches "${spec}"`,
      hint: nearest.length ? `did you mean: ${nearest.join(', ')}? (\`cgpu kernels list\` shows all)` : 'run `cgpu kernels list` to see what exists',
      details: { spec, arch, nearest },
    });
    this.name = 'UnknownSpecError';
  }
}

const suiteOrder = (s: string): number => SUITES.find((x) => x.name === s)?.order ?? 99;

/** Newest first; for the same version, the older (more stable) suite first. */
export function newestFirst(a: KernelEntry, b: KernelEntry): number {
  return compareVersions(b.version, a.version) || suiteOrder(a.suite) - suiteOrder(b.suite);
}

export function resolveSpec(spec: string, all: readonly KernelEntry[], opts: ResolveOptions = {}): KernelEntry {
  const s = spec.trim();
  const hostRel = s === 'host' ? (opts.hostRelease ?? osRelease()) : undefined;
  // A full release names its own arch and flavour.
  const exact = all.filter((e) => e.release === (hostRel ?? s));
  if (exact.length > 0) return [...exact].sort(newestFirst)[0]!;
  const arch: Arch = opts.arch ?? 'amd64';
  if (hostRel !== undefined) {
    throw new UsageError({
      code: 'KERNEL_HOST_UNKNOWN',
      message: `the running kernel ${hostRel} is not in the Debian archive catalogue`,
      hint: 'name a Debian kernel instead (`cgpu kernels list`); only Debian 11-sid kernels can be fetched here',
    });
  }
  const flavour = opts.flavour ?? arch;
  const pool = all.filter((e) => e.arch === arch && e.flavour === flavour).sort(newestFirst);
  let hit: KernelEntry | undefined;
  if (s === 'latest') hit = pool[0];
  else if (/^\d+\.\d+$/.test(s)) hit = pool.find((e) => e.series === s);
  else if (/^\d+\.\d+\.\d+$/.test(s)) hit = pool.find((e) => e.version === s);
  else if (suiteByName(s)) hit = pool.find((e) => e.suite === suiteByName(s)!.name);
  if (hit) return hit;
  throw new UnknownSpecError(s, arch, nearestSpecs(s, all, arch));
}

/** The specs closest to `spec` by edit distance, among releases, series and suites that exist. */
export function nearestSpecs(spec: string, all: readonly KernelEntry[], arch: Arch, count = 3): string[] {
  const names = new Set<string>(['latest']);
  for (const e of all) {
    if (e.arch !== arch) continue;
    names.add(e.release);
    names.add(e.series);
    names.add(e.suite);
  }
  return [...names]
    .map((n) => ({ n, d: editDistance(spec, n) }))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, count)
    .map((x) => x.n);
}

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
