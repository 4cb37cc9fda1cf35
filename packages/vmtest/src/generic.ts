/**
 * The generic smoke mode, for any module that is not cgpu (e.g. one a DKMS tree built): the initramfs holds
 * only busybox and the modules; /init loads them in order, lets them settle, unloads them in reverse and
 * reports leftovers in /sys/module and the taint, with the same marks (and END_MARK) the verdict reads.
 */
import { readFile } from 'node:fs/promises';
import type { Arch } from '@cgpu/kernels';
import { S_IFREG, writeCpio } from './cpio.js';
import { skeleton, treeKey } from './initramfs-tree.js';
import { cachedInitramfs, type InitramfsCompression } from './initramfs-cache.js';
import { INIT_EPILOGUE, INIT_LOAD_MARK, INIT_PREAMBLE } from './init-script.js';
import { busybox } from './initramfs.js';

export interface GenericModule {
  /** The module's name as the kernel knows it (modinfo name; /sys/module/<name>). */
  name: string;
  file: string;
}

/** A module name is safe in the init script: the kernel's own rule (no '/', no spaces) and no shell syntax. */
const SAFE = /^[A-Za-z0-9_-]+$/;

/** `names` in load order; insmod parameters apply to the first module only. */
export function genericInitScript(names: readonly string[], settleSeconds = 1): string {
  for (const n of names) if (!SAFE.test(n)) throw new Error(`module name ${JSON.stringify(n)} is not a kernel module name`);
  const sys = (n: string): string => `/sys/module/${n.replace(/-/g, '_')}`;
  const load = names.map((n, i) => `if insmod /m/${i}.ko ${i === 0 ? '$(cat /m/params)' : ''}; then mark insmod ok ${n}; else mark insmod failed $? ${n}; fi`);
  // Only what is loaded is unloaded: a module that failed insmod has no rmmod line.
  const unload = [...names].reverse().map((n) => `if [ -e ${sys(n)} ]; then if rmmod ${n}; then mark rmmod ok ${n}; else mark rmmod failed $? ${n}; fi; fi`);
  return `#!/bin/busybox sh
${INIT_PREAMBLE}mark mode generic
taint before
${INIT_LOAD_MARK}${load.join('\n')}
stage loaded
stage scenario
sleep ${settleSeconds}
stage scenario-done
stage unload
${unload.join('\n')}
stage unloaded
for p in ${names.map(sys).join(' ')}; do [ -e $p ] && mark leftover $p; done
taint after
${INIT_EPILOGUE}`;
}

/** A compressed newc initramfs with busybox, the modules and the generic /init; cached by content. */
export async function buildGenericInitramfs(arch: Arch, modules: readonly GenericModule[], params: string, compression: InitramfsCompression = 'gzip'): Promise<string> {
  const files: Array<[string, Uint8Array, number]> = [
    ['bin/busybox', await readFile(await busybox(arch)), 0o755],
    ['init', Buffer.from(genericInitScript(modules.map((m) => m.name))), 0o755],
    ['m/params', Buffer.from(`${params}\n`), 0o644],
  ];
  for (const [i, m] of modules.entries()) files.push([`m/${i}.ko`, await readFile(m.file), 0o644]);
  const entries = [...skeleton(['m', 'proc', 'sys', 'tmp']), ...files.map(([path, data, mode]) => ({ path, mode: S_IFREG | mode, data }))];
  return cachedInitramfs(`generic-${treeKey(entries).slice(0, 24)}`, () => writeCpio(entries), compression);
}
