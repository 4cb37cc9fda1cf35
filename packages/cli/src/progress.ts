/** listr2 renderer choice: the live one on a terminal, plain lines on stderr otherwise, nothing with --json. */
export function renderer(json: boolean): 'default' | 'simple' | 'silent' {
  if (json) return 'silent';
  return process.stderr.isTTY && !process.env['CI'] ? 'default' : 'simple';
}
