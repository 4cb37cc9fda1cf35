/** Debian control-file (deb822) parsing: Packages stanzas, InRelease fields, Depends lists. */

export type Stanza = Record<string, string>;

/** Parse a whole deb822 text into stanzas; continuation lines are joined with '\n'. */
export function parseStanzas(text: string): Stanza[] {
  const out: Stanza[] = [];
  const p = new StanzaParser((s) => out.push(s));
  for (const line of text.split('\n')) p.line(line);
  p.end();
  return out;
}

/** Streaming parser: feed it lines, it calls `emit` for each finished stanza. */
export class StanzaParser {
  private cur: Stanza = {};
  private last: string | undefined;
  constructor(private readonly emit: (s: Stanza) => void) {}

  line(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') {
      this.flush();
      return;
    }
    if ((line.startsWith(' ') || line.startsWith('\t')) && this.last !== undefined) {
      this.cur[this.last] += `\n${line.slice(1)}`;
      return;
    }
    const i = line.indexOf(':');
    if (i <= 0) return;
    this.last = line.slice(0, i);
    this.cur[this.last] = line.slice(i + 1).trim();
  }

  end(): void {
    this.flush();
  }

  private flush(): void {
    if (Object.keys(this.cur).length > 0) this.emit(this.cur);
    this.cur = {};
    this.last = undefined;
  }
}

export interface Relation {
  name: string;
  op?: string;
  version?: string;
}

/** `a (>= 1), b | c` -> [[a], [b, c]]; arch qualifiers (`:any`) and `[arch]` restrictions dropped. */
export function parseDepends(field: string | undefined): Relation[][] {
  if (!field) return [];
  return field.split(',').map((alt) =>
    alt.split('|').map((one) => {
      const m = one.trim().match(/^([a-z0-9][a-z0-9+.-]*)(?::\w+)?\s*(?:\(\s*([<>=]+)\s*([^)\s]+)\s*\))?/);
      if (!m) return { name: one.trim() };
      const r: Relation = { name: m[1]! };
      if (m[2]) r.op = m[2];
      if (m[3]) r.version = m[3];
      return r;
    }),
  );
}

export interface IndexFileHash {
  path: string;
  size: number;
  sha256: string;
}

/** The SHA256 table of a Release/InRelease file. */
export function releaseHashes(release: Stanza): Map<string, IndexFileHash> {
  const map = new Map<string, IndexFileHash>();
  for (const line of (release['SHA256'] ?? '').split('\n')) {
    const m = line.trim().match(/^([0-9a-f]{64})\s+(\d+)\s+(\S+)$/);
    if (m) map.set(m[3]!, { path: m[3]!, size: Number(m[2]), sha256: m[1]! });
  }
  return map;
}

/** Upstream part of a Debian version: `6.1.176-1` -> `6.1.176`, `7.3.4-1~bpo13+1` -> `7.3.4`, `1:2.3-4` -> `2.3`. */
export function upstreamVersion(debVersion: string): string {
  const noEpoch = debVersion.replace(/^\d+:/, '');
  const i = noEpoch.lastIndexOf('-');
  return i > 0 ? noEpoch.slice(0, i) : noEpoch;
}
