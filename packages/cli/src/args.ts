/** Validation of option values that commander passes as strings. */
import { UsageError } from '@cgpu/common';
import type { Accel } from '@cgpu/vmtest';
export { parseArch } from '@cgpu/pipeline';

export function parsePositiveInt(name: string, v: string | undefined, max = 1e9): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > max) {
    throw new UsageError({ code: 'BAD_NUMBER', message: `${name} must be a whole number from 1 to ${max}, not "${v}"` });
  }
  return n;
}

export function parseAccel(v: string | undefined): Accel | 'auto' {
  const accel = v ?? 'auto';
  if (accel !== 'auto' && accel !== 'kvm' && accel !== 'tcg') {
    throw new UsageError({ code: 'BAD_ACCEL', message: `--accel must be auto, kvm or tcg, not ${accel}` });
  }
  return accel;
}
