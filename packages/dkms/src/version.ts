/** The module's own version: the string MODULE_VERSION() names in the source, checked to be semver. */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import validSemver from 'semver/functions/valid.js';
import { UsageError } from '@cgpu/common';

/** From the source files' text: MODULE_VERSION("x") or MODULE_VERSION(MACRO) with `#define MACRO "x"`. Pure. */
export function moduleVersionFrom(files: ReadonlyMap<string, string>): string {
  let arg: string | undefined;
  for (const text of files.values()) {
    const m = text.match(/^\s*MODULE_VERSION\(\s*([^)]+?)\s*\);/m);
    if (m) arg = m[1];
  }
  if (arg === undefined) throw new UsageError({ code: 'MODULE_VERSION_MISSING', message: 'no MODULE_VERSION(...) in the module source', hint: 'add MODULE_VERSION("1.2.3") to the module' });
  let value: string | undefined;
  const literal = arg.match(/^"([^"]*)"$/);
  if (literal) value = literal[1];
  else if (/^[A-Za-z_]\w*$/.test(arg)) {
    const def = new RegExp(`^\\s*#\\s*define\\s+${arg}\\s+"([^"]*)"`, 'm');
    for (const text of files.values()) value ??= text.match(def)?.[1];
  }
  if (value === undefined) throw new UsageError({ code: 'MODULE_VERSION_UNRESOLVED', message: `MODULE_VERSION(${arg}): cannot find its string value`, hint: 'define it as a string literal in a header of the module' });
  const clean = validSemver(value);
  if (!clean || clean !== value) {
    throw new UsageError({ code: 'MODULE_VERSION_INVALID', message: `the module version "${value}" is not a semantic version`, hint: 'use MAJOR.MINOR.PATCH, e.g. 1.0.0' });
  }
  return value;
}

/** Read every .c and .h file at the top of `src` and find the version. */
export async function moduleVersion(src: string): Promise<string> {
  const files = new Map<string, string>();
  for (const name of (await readdir(src)).filter((n) => /\.[ch]$/.test(n)).sort()) files.set(name, await readFile(join(src, name), 'utf8'));
  return moduleVersionFrom(files);
}
