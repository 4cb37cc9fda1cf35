/** Just enough ELF reading to tell a module's machine and its vermagic without running foreign tools. */
import { readFile } from 'node:fs/promises';

export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

export interface ElfFacts {
  machine: number;
  machineName: string;
  class: 32 | 64;
}

export async function elfFacts(path: string): Promise<ElfFacts> {
  const b = await readFile(path);
  if (b.length < 20 || b.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF file`);
  const cls = b[4] === 2 ? 64 : 32;
  const little = b[5] === 1;
  const machine = little ? b.readUInt16LE(18) : b.readUInt16BE(18);
  const names: Record<number, string> = { [EM_X86_64]: 'x86-64', [EM_AARCH64]: 'aarch64', 3: 'i386', 40: 'arm' };
  return { machine, machineName: names[machine] ?? `machine ${machine}`, class: cls };
}

/** `vermagic=`, `version=`, `description=` ... from the module's .modinfo strings (a NUL-separated key=value list). */
export async function moduleInfo(path: string): Promise<Record<string, string>> {
  const b = await readFile(path);
  const out: Record<string, string> = {};
  for (const key of ['vermagic', 'name', 'license', 'version', 'description', 'srcversion', 'depends']) {
    const i = b.indexOf(Buffer.from(`\0${key}=`));
    if (i < 0) continue;
    const start = i + key.length + 2;
    out[key] = b.subarray(start, b.indexOf(0, start)).toString('utf8');
  }
  return out;
}
