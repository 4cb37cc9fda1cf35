/**
 * series.yaml's YAML document, parsed once per content and kept as JSON in the user cache. Importing the yaml
 * library and parsing the series cost every warm `cgpu smoke` ~60 ms (issue 13: overhead < 1 s); a hit costs a
 * hash and a small JSON read, and yaml is not even imported.
 */
import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';
import { cacheDir, readJson, sha256, writeFileAtomic } from '@cgpu/common';

/** One entry, replaced on a miss: the cache stays one small file, and a checkout with another series re-parses. */
export const SERIES_DOC_CACHE = 'series-doc.json';

interface Entry {
  key: string;
  doc: unknown;
}

export type YamlParse = (text: string) => unknown;

let parserId: string | undefined;

/** The parser is an input of its result: the yaml package's version is in the key. */
function parser(): string {
  parserId ??= `yaml ${(createRequire(import.meta.url)('yaml/package.json') as { version: string }).version}`;
  return parserId;
}

async function yamlParse(text: string): Promise<unknown> {
  const { parse } = await import('yaml');
  return parse(text);
}

/**
 * The parsed document of `text`. A YAML error is thrown as the parser's, never cached. A document that JSON
 * cannot hold exactly (`.inf`, `.nan`) is returned but not kept. A cache that cannot be written only costs
 * the next run a parse.
 */
export async function seriesDoc(text: string, parse?: YamlParse): Promise<unknown> {
  const key = sha256(`${parser()}\n${text}`);
  const file = cacheDir(SERIES_DOC_CACHE);
  const hit = await readJson<Entry>(file);
  if (hit?.key === key) return hit.doc;
  const doc = parse ? parse(text) : await yamlParse(text);
  const json = JSON.stringify({ key, doc } satisfies Entry);
  if (isDeepStrictEqual((JSON.parse(json) as Entry).doc, doc)) await writeFileAtomic(file, json).catch(() => undefined);
  return doc;
}
