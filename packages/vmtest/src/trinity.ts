/** trinity, the system-call fuzzer, from bookworm for the guest's arch, with the C library it links against. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, exists, onCleanup, run, writeFileAtomic } from '@cgpu/common';
import { ensureDeb, resolvePackage, type Arch } from '@cgpu/kernels';

/** Where the dynamic loader and libc.so.6 live in Debian's multiarch layout (libc6 of bookworm). */
const LAYOUT: Record<Arch, { loader: string; triplet: string }> = {
  amd64: { loader: 'lib64/ld-linux-x86-64.so.2', triplet: 'x86_64-linux-gnu' },
  arm64: { loader: 'lib/ld-linux-aarch64.so.1', triplet: 'aarch64-linux-gnu' },
};

export interface TrinityFiles {
  version: string;
  /** Directories the initramfs needs for them. */
  dirs: string[];
  /** [path in the initramfs, path of the cached copy, mode] */
  files: Array<[string, string, number]>;
}

/** bookworm's trinity needs only libc.so.6 (`readelf -d`: NEEDED libc.so.6) and the loader. */
export async function trinityFiles(arch: Arch): Promise<TrinityFiles> {
  const trinity = await resolvePackage('bookworm', arch, 'trinity');
  const libc = await resolvePackage('bookworm', arch, 'libc6');
  const { loader, triplet } = LAYOUT[arch];
  const wanted: Array<[string, string, number]> = [
    ['bin/trinity', 'usr/bin/trinity', 0o755],
    [loader, `lib/${triplet}/${loader.split('/').pop()!}`, 0o755],
    [`lib/${triplet}/libc.so.6`, `lib/${triplet}/libc.so.6`, 0o755],
  ];
  const dir = cacheDir('trinity', `${trinity.version}-libc${libc.version}-${arch}`);
  if (!(await exists(join(dir, 'bin/trinity')))) {
    const tmp = await mkdtemp(join(tmpdir(), 'cgpu-trinity-'));
    const unregister = onCleanup(() => rm(tmp, { recursive: true, force: true }));
    try {
      for (const deb of [libc, trinity]) {
        const { path } = await ensureDeb(deb);
        await run('dpkg-deb', ['-x', path, tmp], { timeoutMs: 120_000, purpose: `unpacking ${deb.package}` });
      }
      // trinity itself goes last: its presence marks a complete copy
      for (const [dest, src] of [...wanted].reverse()) await writeFileAtomic(join(dir, dest), await readFile(join(tmp, src)));
    } finally {
      unregister();
      await rm(tmp, { recursive: true, force: true });
    }
  }
  const files: TrinityFiles['files'] = wanted.map(([dest, , mode]) => [dest, join(dir, dest), mode]);
  const dirs = arch === 'amd64' ? ['lib', 'lib64', `lib/${triplet}`] : ['lib', `lib/${triplet}`];
  return { version: trinity.version, dirs, files };
}
