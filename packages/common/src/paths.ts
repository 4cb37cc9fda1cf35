/** Where cgpu keeps downloads and derived files: the user cache dir, per XDG. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** `$CGPU_CACHE_DIR`, else `$XDG_CACHE_HOME/cgpu`, else `~/.cache/cgpu`. */
export function cacheDir(...parts: string[]): string {
  const base =
    process.env['CGPU_CACHE_DIR'] ??
    join(process.env['XDG_CACHE_HOME'] && process.env['XDG_CACHE_HOME'] !== '' ? process.env['XDG_CACHE_HOME'] : join(homedir(), '.cache'), 'cgpu');
  return resolve(base, ...parts);
}

/**
 * The repository root: `$CGPU_ROOT`, else found from this file, three levels down: packages/common/dist/, or
 * packages/cli/bundle/ when the CLI runs bundled (bundle.ts puts it at that depth for this).
 */
export function repoRoot(): string {
  if (process.env['CGPU_ROOT']) return resolve(process.env['CGPU_ROOT']);
  return resolve(new URL('../../..', import.meta.url).pathname);
}
