/** Build the test initramfs (busybox-static and trinity from Debian, the module, the smoke tools, /init), cached by content. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cacheDir, exists, onCleanup, run, sha256, writeFileAtomic } from '@cgpu/common';
import { ensureDeb, resolvePackage, type Arch } from '@cgpu/kernels';
import { S_IFCHR, S_IFDIR, S_IFREG, writeCpio, type CpioEntry } from './cpio.js';
import { initScript } from './init-script.js';
import { trinityFiles } from './trinity.js';

export interface InitramfsInput {
  arch: Arch;
  module: string;
  smoke: string;
  smoke32?: string;
  /** insmod parameters, e.g. `num_gpus=2`. */
  params: string;
}

/** busybox-static of bookworm for the guest's arch, from the signed archive, unpacked once. */
export async function busybox(arch: Arch): Promise<string> {
  const deb = await resolvePackage('bookworm', arch, 'busybox-static');
  const dest = cacheDir('busybox', `${deb.version}-${arch}`, 'busybox');
  if (await exists(dest)) return dest;
  const { path } = await ensureDeb(deb);
  const tmp = await mkdtemp(join(tmpdir(), 'cgpu-bb-'));
  const unregister = onCleanup(() => rm(tmp, { recursive: true, force: true }));
  try {
    await run('dpkg-deb', ['-x', path, tmp], { timeoutMs: 60_000, purpose: 'unpacking busybox-static' });
    await writeFileAtomic(dest, await readFile(join(tmp, 'bin/busybox')));
    return dest;
  } finally {
    unregister();
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * trinity runs in every smoke run (its 2 x 500 calls take ~3 s of a TCG run); `CGPU_TRINITY=0` leaves it out
 * for a quicker local run, and the verdict then does not ask for it.
 */
export function trinityEnabled(): boolean {
  return process.env['CGPU_TRINITY'] !== '0';
}

/** Returns the path of a gzip'd newc initramfs; the same inputs give the same cached file. */
export async function buildInitramfs(input: InitramfsInput): Promise<string> {
  const files: Array<[string, Uint8Array, number]> = [
    ['bin/busybox', await readFile(await busybox(input.arch)), 0o755],
    ['init', Buffer.from(initScript()), 0o755],
    ['cgpu.ko', await readFile(input.module), 0o644],
    ['cgpu.params', Buffer.from(`${input.params}\n`), 0o644],
    ['cgpu-smoke', await readFile(input.smoke), 0o755],
  ];
  if (input.smoke32) files.push(['cgpu-smoke32', await readFile(input.smoke32), 0o755]);
  const trinity = trinityEnabled() ? await trinityFiles(input.arch) : { dirs: [], files: [] };
  files.push(...trinity.files);
  const key = sha256(JSON.stringify(files.map(([p, d, m]) => [p, sha256(d), m])));
  const out = cacheDir('initramfs', `${key.slice(0, 24)}.cpio.gz`);
  if (await exists(out)) return out;
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'proc', 'sys', ...trinity.dirs].map((d) => ({ path: d, mode: S_IFDIR | 0o755 })),
    { path: 'tmp', mode: S_IFDIR | 0o1777 },
    { path: 'dev/console', mode: S_IFCHR | 0o600, rdevMajor: 5, rdevMinor: 1 },
    ...files.map(([path, data, mode]) => ({ path, mode: S_IFREG | mode, data })),
  ];
  await writeFileAtomic(out, gzipSync(writeCpio(entries), { level: 6 }));
  return out;
}
