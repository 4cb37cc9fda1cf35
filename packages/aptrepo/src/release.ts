/** The Release file of one suite: SHA256 of each index, UTC date, no MD5 or SHA1. Pure. */

export interface IndexFile {
  /** Relative to dists/<suite>/. */
  path: string;
  size: number;
  sha256: string;
}

export interface ReleaseInput {
  origin: string;
  label: string;
  suite: string;
  codename: string;
  architectures: readonly string[];
  components: readonly string[];
  description: string;
  date: Date;
  files: readonly IndexFile[];
}

/** RFC 2822 in UTC, as apt expects: "Sat, 28 Nov 2026 23:59:00 UTC". */
export function releaseDate(d: Date): string {
  return d.toUTCString().replace('GMT', 'UTC');
}

export function releaseText(r: ReleaseInput): string {
  const width = Math.max(...r.files.map((f) => String(f.size).length), 1);
  return [
    `Origin: ${r.origin}`,
    `Label: ${r.label}`,
    `Suite: ${r.suite}`,
    `Codename: ${r.codename}`,
    `Date: ${releaseDate(r.date)}`,
    `Architectures: ${r.architectures.join(' ')}`,
    `Components: ${r.components.join(' ')}`,
    `Description: ${r.description}`,
    'SHA256:',
    ...[...r.files].sort((a, b) => a.path.localeCompare(b.path)).map((f) => ` ${f.sha256} ${String(f.size).padStart(width)} ${f.path}`),
    '',
  ].join('\n');
}
