// The parse cache of series.yaml: a hit serves the same document without parsing; any change of the text is a
// miss; what JSON cannot hold exactly is never kept; an unwritable cache still gives the document.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SERIES_DOC_CACHE, seriesDoc } from '../src/series-doc.js';

const root = new URL('../../..', import.meta.url).pathname;
let dir = '';
let saved: string | undefined;

/** The real parser, counting its calls. */
function counting(): { calls: number; parse: (t: string) => unknown } {
  const c = { calls: 0, parse: (t: string): unknown => (c.calls++, parse(t)) };
  return c;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cgpu-series-doc-'));
  saved = process.env['CGPU_CACHE_DIR'];
  process.env['CGPU_CACHE_DIR'] = dir;
});
afterEach(() => {
  if (saved === undefined) delete process.env['CGPU_CACHE_DIR'];
  else process.env['CGPU_CACHE_DIR'] = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe('seriesDoc', () => {
  it('parses the real series once; the next call is served the same document from the cache', async () => {
    const text = readFileSync(join(root, 'patches/series.yaml'), 'utf8');
    const p = counting();
    const first = await seriesDoc(text, p.parse);
    const second = await seriesDoc(text, p.parse);
    expect(p.calls).toBe(1);
    expect(second).toEqual(parse(text));
    expect(second).toEqual(first);
  });

  it('one changed character is a miss, and the entry is replaced, not added to', async () => {
    const p = counting();
    await seriesDoc('patches:\n  - name: a\n', p.parse);
    const doc = await seriesDoc('patches:\n  - name: b\n', p.parse);
    expect(p.calls).toBe(2);
    expect(doc).toEqual({ patches: [{ name: 'b' }] });
    expect(JSON.parse(readFileSync(join(dir, SERIES_DOC_CACHE), 'utf8')).doc).toEqual(doc);
  });

  it('a document JSON would change (.inf) is returned as parsed and never kept', async () => {
    const p = counting();
    expect(await seriesDoc('since: .inf\n', p.parse)).toEqual({ since: Infinity });
    expect(await seriesDoc('since: .inf\n', p.parse)).toEqual({ since: Infinity });
    expect(p.calls).toBe(2);
  });

  it('a YAML error is the parser\'s and is not cached; an unwritable cache still gives the document', async () => {
    await expect(seriesDoc('patches: [')).rejects.toThrow();
    // Under a regular file: no directory can be made there, even by root.
    writeFileSync(join(dir, 'file'), '');
    process.env['CGPU_CACHE_DIR'] = join(dir, 'file', 'cache');
    const p = counting();
    expect(await seriesDoc('a: 1\n', p.parse)).toEqual({ a: 1 });
    expect(await seriesDoc('a: 1\n', p.parse)).toEqual({ a: 1 });
    expect(p.calls).toBe(2);
  });
});
