/** Debian control paragraphs: parse one, and write a Packages stanza. Pure. */

export type Paragraph = Map<string, string>;

/** Parse one control paragraph (continuation lines kept, with their newline and leading space). */
export function parseParagraph(text: string): Paragraph {
  const p: Paragraph = new Map();
  let last: string | undefined;
  for (const line of text.replace(/\n+$/, '').split('\n')) {
    if (/^[ \t]/.test(line) && last) p.set(last, `${p.get(last)}\n${line}`);
    else {
      const m = line.match(/^([A-Za-z0-9][A-Za-z0-9-]*):[ \t]*(.*)$/);
      if (!m) throw new Error(`not a control line: ${JSON.stringify(line)}`);
      last = m[1]!;
      p.set(last, m[2]!);
    }
  }
  return p;
}

/** The order dpkg-scanpackages writes; other fields follow in their own order. */
const ORDER = ['Package', 'Source', 'Version', 'Installed-Size', 'Maintainer', 'Architecture', 'Replaces', 'Provides', 'Depends', 'Pre-Depends', 'Recommends', 'Suggests', 'Conflicts', 'Breaks', 'Filename', 'Size', 'SHA256', 'Section', 'Priority', 'Homepage', 'Description'];

export function stanza(control: Paragraph, extra: { filename: string; size: number; sha256: string }): string {
  const fields = new Map(control);
  fields.set('Filename', extra.filename);
  fields.set('Size', String(extra.size));
  fields.set('SHA256', extra.sha256);
  for (const k of ['MD5sum', 'SHA1', 'SHA512', 'Status']) fields.delete(k);
  const keys = [...ORDER.filter((k) => fields.has(k)), ...[...fields.keys()].filter((k) => !ORDER.includes(k))];
  return `${keys.map((k) => `${k}: ${fields.get(k)}`).join('\n')}\n`;
}

/** Where a package's file goes: pool/<component>/<prefix>/<source>/, prefix "libx" for lib* sources. */
export function poolDir(component: string, source: string): string {
  const prefix = source.startsWith('lib') && source.length > 3 ? source.slice(0, 4) : source[0]!;
  return `pool/${component}/${prefix}/${source}`;
}
