/** Build the test initramfs (busybox-static and trinity from Debian, the module, the smoke tools, /init), cached by content. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, exists, onCleanup, run, sha256, sha256FileStamped, writeFileAtomic } from '@cgpu/common';
import { ensureDeb, resolvePackage, type Arch } from '@cgpu/kernels';
import { S_IFREG, writeCpio, type CpioEntry } from './cpio.js';
import { CPIO_LAYOUT, skeleton } from './initramfs-tree.js';
import { initScript } from './init-script.js';
import { cachedInitramfs, type InitramfsCompression } from './initramfs-cache.js';
import { trinityFiles } from './trinity.js';

export interface InitramfsInput {
  arch: Arch;
  module: string;
  smoke: string;
  smoke32?: string;
  /** insmod parameters, e.g. `num_gpus=2`. */
  params: string;
  /** How the archive is compressed (`initramfsCompression` of the kernel's config); gzip by default. */
  compression?: InitramfsCompression;
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

/** A file of the initramfs: its contents, or a file to read them from (`stamped`: a cache file, see hash-stamp). */
interface Source {
  dest: string;
  mode: number;
  data?: Uint8Array;
  file?: string;
  stamped?: boolean;
}

/**
 * Returns the path of a compressed newc initramfs; the same inputs give the same cached file. The key is the
 * contents' SHA256; the large cached inputs (busybox, trinity and its libc: ~15 MB) are hashed once per
 * file identity, and nothing is read when the initramfs is already cached (a warm run's boot preparation).
 */
export async function buildInitramfs(input: InitramfsInput): Promise<string> {
  const trinity = trinityEnabled() ? await trinityFiles(input.arch) : { dirs: [], files: [] };
  const sources: Source[] = [
    { dest: 'bin/busybox', file: await busybox(input.arch), mode: 0o755, stamped: true },
    { dest: 'init', data: Buffer.from(initScript()), mode: 0o755 },
    { dest: 'cgpu.ko', file: input.module, mode: 0o644 },
    { dest: 'cgpu.params', data: Buffer.from(`${input.params}\n`), mode: 0o644 },
    { dest: 'cgpu-smoke', file: input.smoke, mode: 0o755 },
    ...(input.smoke32 ? [{ dest: 'cgpu-smoke32', file: input.smoke32, mode: 0o755 }] : []),
    ...trinity.files.map(([dest, file, mode]) => ({ dest, file, mode, stamped: true })),
  ];
  const hashOf = async (x: Source): Promise<string> =>
    x.data ? sha256(x.data) : x.stamped ? sha256FileStamped(x.file!) : sha256(await readFile(x.file!));
  const base = skeleton(['proc', 'sys', 'tmp', ...trinity.dirs]);
  const key = sha256(JSON.stringify([CPIO_LAYOUT, base, await Promise.all(sources.map(async (x) => [x.dest, await hashOf(x), x.mode]))]));
  return cachedInitramfs(key.slice(0, 24), async () => {
    const entries: CpioEntry[] = [...base];
    for (const x of sources) entries.push({ path: x.dest, mode: S_IFREG | x.mode, data: x.data ?? (await readFile(x.file!)) });
    return writeCpio(entries);
  }, input.compression);
}
