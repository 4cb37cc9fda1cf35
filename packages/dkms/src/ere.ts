/** JavaScript regexes turned into POSIX extended regexes (for grep -E), for the few constructs we use. */

export class EreError extends Error {}

/**
 * Translate a JS regex source to an ERE: `\d` -> `[0-9]`, `\s` -> `[[:space:]]`, escaped punctuation kept.
 * Anything without an exact ERE meaning (`\b`, `\w`, lookarounds, lazy quantifiers, flags) throws, so the
 * script can never silently classify differently from the TypeScript engine.
 */
export function toEre(re: RegExp): string {
  if (re.flags.replace(/[gu]/g, '') !== '') throw new EreError(`/${re.source}/${re.flags}: flags have no ERE equivalent`);
  const src = re.source;
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[++i];
      if (n === 'd') out += '[0-9]';
      else if (n === 's') out += '[[:space:]]';
      else if (n !== undefined && /[.*+?()[\]{}|^$\\/]/.test(n)) out += n === '/' ? '/' : `\\${n}`;
      else throw new EreError(`/${src}/: \\${n ?? ''} has no exact ERE equivalent`);
    } else if (c === '(' && src[i + 1] === '?') {
      throw new EreError(`/${src}/: groups with (? have no ERE equivalent`);
    } else if ((c === '*' || c === '+' || c === '?' || c === '}') && src[i + 1] === '?') {
      throw new EreError(`/${src}/: lazy quantifiers have no ERE equivalent`);
    } else {
      out += c;
    }
  }
  if (out.includes('\n')) throw new EreError(`/${src}/: a newline cannot be in a grep -f pattern`);
  return out;
}
