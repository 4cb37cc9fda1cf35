/**
 * Compile probes: each a tiny C snippet built as part of a module against the target's own headers.
 * A failure is read: a missing API (undeclared, implicit declaration, incompatible pointer, no member, ...)
 * is an answer; anything else (a typo, a missing header) means the probe itself is broken.
 */
import { CgpuError } from '@cgpu/common';
import type { SeriesPatch } from './series.js';

export interface ProbeOutcome {
  /** The probe compiled. */
  compiles: boolean;
  /** The compiler's error lines for this probe (empty when it compiled). */
  errors: string[];
}

/** Compiles every probe and returns the outcome by name. The real one runs kbuild in the builder container. */
export type ProbeCompiler = (probes: ReadonlyArray<{ name: string; source: string }>) => Promise<Map<string, ProbeOutcome>>;

export class ProbeBrokenError extends CgpuError {
  constructor(name: string, kernel: string, errors: string[]) {
    super({
      code: 'PROBE_BROKEN',
      message: `the probe of "${name}" does not compile against ${kernel} for a reason other than a missing API:\n${errors.slice(0, 8).join('\n')}`,
      hint: 'fix the probe in patches/series.yaml; a probe must fail only because the API it tests is missing',
      details: { patch: name, kernel, errors },
    });
    this.name = 'ProbeBrokenError';
  }
}

/** Error kinds that mean "the API is missing"; exported for the DKMS selection script, which greps the same. */
export const MISSING_API: readonly RegExp[] = [
  /implicit declaration of function/,
  /undeclared/,
  /has no member named/,
  /incompatible pointer type/,
  /too (few|many) arguments/,
  /unknown type name/,
  /storage size of .* isn.t known/,
  /has initializer but incomplete type/,
  /invalid use of undefined type/,
  /requires \d+ arguments, but only \d+ given/,
  /passed \d+ arguments, but takes just \d+/,
  /unknown field .* specified in initializer/,
  /conflicting types for/,
  /excess elements in struct initializer/,
  // consequences of an implicit declaration (the undeclared function is taken to return int)
  /makes (pointer from integer|integer from pointer) without a cast/,
  /returning 'int' from a function with return type/,
];

/** The C file a probe becomes. The wrapper keeps every probe a complete module object. */
export function probeSource(p: Pick<SeriesPatch, 'name' | 'probe'>): string {
  return `// probe for ${p.name}\n#include <linux/module.h>\n${p.probe}\nMODULE_LICENSE("GPL");\n`;
}

export function probeFileName(name: string): string {
  return `probe_${name.replace(/-/g, '_')}`;
}

/** Does this failure say "the API is missing"? Only if every error line is of a missing-API kind. */
export function isMissingApi(errors: readonly string[]): boolean {
  const errorLines = errors.filter((l) => /\berror\b/.test(l));
  return errorLines.length > 0 && errorLines.every((l) => MISSING_API.some((re) => re.test(l)));
}

/** From a compiler's whole output, the error lines that belong to one probe file. */
export function errorsFor(output: string, file: string): string[] {
  return output
    .split('\n')
    .filter((l) => l.includes(`${file}.c:`) && /\b(error|fatal error)\b/.test(l))
    .map((l) => l.replace(/^.*\//, ''));
}
