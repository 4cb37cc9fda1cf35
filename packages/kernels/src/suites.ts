/** The Debian suites whose kernels we can fetch here, and facts about each. */
import type { Arch } from './release.js';

export interface SuiteInfo {
  /** Archive suite name (`dists/<name>`). */
  name: string;
  /** Debian release number; sid is the next one. */
  debian: number;
  /** The suite a builder container is made of (backports use their base). */
  baseSuite: string;
  /** Older suites are tried first when two suites have the same kernel. */
  order: number;
}

export const SUITES: readonly SuiteInfo[] = [
  { name: 'bullseye', debian: 11, baseSuite: 'bullseye', order: 0 },
  { name: 'bookworm', debian: 12, baseSuite: 'bookworm', order: 1 },
  { name: 'bookworm-backports', debian: 12, baseSuite: 'bookworm', order: 2 },
  { name: 'trixie', debian: 13, baseSuite: 'trixie', order: 3 },
  { name: 'trixie-backports', debian: 13, baseSuite: 'trixie', order: 4 },
  { name: 'sid', debian: 14, baseSuite: 'sid', order: 5 },
];

export const ARCHES: readonly Arch[] = ['amd64', 'arm64'];

/** Names users may type for a suite. */
const ALIASES: Record<string, string> = {
  'debian-11': 'bullseye',
  'debian-12': 'bookworm',
  'debian-13': 'trixie',
  unstable: 'sid',
};

export function suiteByName(name: string): SuiteInfo | undefined {
  const n = ALIASES[name] ?? name;
  return SUITES.find((s) => s.name === n);
}

export function mirrorUrl(): string {
  return (process.env['CGPU_MIRROR'] ?? 'http://deb.debian.org/debian').replace(/\/+$/, '');
}

export function keyringPath(): string {
  return process.env['CGPU_KEYRING'] ?? '/usr/share/keyrings/debian-archive-keyring.gpg';
}
