/** bash's `[[ s =~ re ]]` (POSIX ERE, unanchored) in JavaScript: POSIX classes translated, the rest is shared syntax. */

const CLASSES: Record<string, string> = {
  alpha: 'A-Za-z', digit: '0-9', alnum: '0-9A-Za-z', upper: 'A-Z', lower: 'a-z', space: ' \\t\\n\\r\\f\\v',
  xdigit: '0-9A-Fa-f', punct: '!-\\/:-@\\[-`{-~', blank: ' \\t', word: '0-9A-Za-z_',
};

/** Throws a SyntaxError for a pattern neither ERE nor JS accepts (bash's =~ then fails the test). */
export function ereToRegExp(re: string): RegExp {
  return new RegExp(re.replace(/\[:([a-z]+):\]/g, (all, c: string) => CLASSES[c] ?? all));
}

export function ereMatch(s: string, re: string): boolean {
  return ereToRegExp(re).test(s);
}
