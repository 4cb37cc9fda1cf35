/** Validation of option values that commander passes as strings. */
import { UsageError } from '@cgpu/common';
import type { Arch } from '@cgpu/kernels';

export function parseArch(v: string | undefined): Arch | undefined {
  if (v === undefined) return undefined;
  if (v === 'amd64' || v === 'arm64') return v;
  if (v === 'x86_64') return 'amd64';
  if (v === 'aarch64') return 'arm64';
  throw new UsageError({ code: 'BAD_ARCH', message: `unknown arch "${v}"`, hint: 'use --arch amd64 or --arch arm64' });
}

export function parsePositiveInt(name: string, v: string | undefined, max = 1e9): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > max) {
    throw new UsageError({ code: 'BAD_NUMBER', message: `${name} must be a whole number from 1 to ${max}, not "${v}"` });
  }
  return n;
}
