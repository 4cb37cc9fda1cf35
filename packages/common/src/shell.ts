/** Quoting for sh: what our container and reproduce scripts build from strings. */

/** `s` as one sh word, in single quotes (a `'` inside becomes `'\''`). */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
