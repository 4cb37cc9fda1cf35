/**
 * How much of the live suite runs. `ci` (what ci/test.sh runs by default, and so CI): every live test, but
 * the per-distro DKMS and apt checks on the newest distros only, so the suite stays well inside CI's time.
 * `full` (`CGPU_LIVE_SCOPE=full`, or any direct vitest run): every distro.
 */
export type LiveScope = 'ci' | 'full';

export function liveScope(): LiveScope {
  return process.env['CGPU_LIVE_SCOPE'] === 'ci' ? 'ci' : 'full';
}

/** The entries a live test runs in this scope: all in `full`, those marked `ci` in `ci`. */
export function inScope<T extends { ci?: boolean }>(all: readonly T[]): T[] {
  return liveScope() === 'full' ? [...all] : all.filter((x) => x.ci === true);
}
