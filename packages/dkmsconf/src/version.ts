/** dkms's kernel version comparison (its `VER`): every number padded to three digits, then compared as strings. */

export function dkmsVer(v: string): string {
  return v.replace(/\d+/g, (n) => n.padStart(3, '0'));
}

/** -1, 0, 1 as dkms's `[[ "$(VER a)" < "$(VER b)" ]]` decides (byte order, C locale). */
export function compareVer(a: string, b: string): number {
  const x = dkmsVer(a);
  const y = dkmsVer(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
