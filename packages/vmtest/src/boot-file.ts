/** Which file QEMU boots: the PVH vmlinux when there is one (amd64), else the bzImage; arm64 its Image.gz. */
import type { Arch } from '@cgpu/kernels';
import { pvhVmlinux, type PvhOutcome } from './vmlinux.js';

export type BootKind = 'pvh' | 'bzimage' | 'image';
/** `auto`: PVH when the kernel has the entry; `bzimage`: always the compressed image (for comparisons). */
export type BootPreference = 'auto' | 'bzimage';

export interface BootChoice {
  kind: BootKind;
  file: string;
  why: string;
  /** Time spent extracting the vmlinux in this run (0 when cached). */
  extractMs?: number;
}

/** The decision alone, from what the extraction found (undefined: not attempted). */
export function decideBootFile(arch: Arch, want: BootPreference, vmlinuz: string, pvh?: PvhOutcome): BootChoice {
  if (arch !== 'amd64') return { kind: 'image', file: vmlinuz, why: `${arch}: QEMU unpacks the compressed image on the host` };
  if (want === 'bzimage') return { kind: 'bzimage', file: vmlinuz, why: 'the bzImage was asked for' };
  if (!pvh) return { kind: 'bzimage', file: vmlinuz, why: 'no PVH extraction was attempted' };
  if (!pvh.ok) return { kind: 'bzimage', file: vmlinuz, why: `no PVH boot: ${pvh.why}` };
  return {
    kind: 'pvh',
    file: pvh.file,
    why: `uncompressed ${pvh.compression} payload with a PVH entry at 0x${pvh.entry.toString(16)}: the guest skips decompressing itself`,
    extractMs: pvh.extractMs,
  };
}

export async function chooseBootFile(arch: Arch, vmlinuz: string, want: BootPreference = 'auto', log?: (m: string) => void): Promise<BootChoice> {
  const pvh = arch === 'amd64' && want === 'auto' ? await pvhVmlinux(vmlinuz, log) : undefined;
  return decideBootFile(arch, want, vmlinuz, pvh);
}
