/** Single Debian packages other than kernels (busybox-static for the test initramfs), resolved and cached. */
import { join } from 'node:path';
import { CgpuError, cacheDir, readJson, writeFileAtomic } from '@cgpu/common';
import { loadInRelease, loadStanzas, type ArchiveOptions } from './archive.js';
import type { DebRef } from './catalogue.js';
import type { Arch } from './release.js';
import { mirrorUrl } from './suites.js';

/** The DebRef of `name` in `suite` for `arch`, from the signed, hash-checked index (cached per InRelease). */
export async function resolvePackage(suite: string, arch: Arch, name: string, opts: ArchiveOptions = {}): Promise<DebRef> {
  const rel = await loadInRelease(suite, opts);
  const file = join(cacheDir('archive', suite), `pkg-${arch}-${name}.json`);
  const cached = await readJson<{ inRelease: string; deb: DebRef }>(file);
  if (cached?.inRelease === rel.sha256) return cached.deb;
  const [s] = await loadStanzas(rel, arch, (n) => n === name);
  if (!s) throw new CgpuError({ code: 'PACKAGE_MISSING', message: `${name} is not in ${suite} for ${arch}` });
  const deb: DebRef = {
    role: 'tool',
    package: name,
    version: s['Version']!,
    arch: s['Architecture'] ?? arch,
    filename: s['Filename']!,
    url: `${mirrorUrl()}/${s['Filename']}`,
    size: Number(s['Size']),
    sha256: s['SHA256']!,
  };
  await writeFileAtomic(file, JSON.stringify({ inRelease: rel.sha256, deb }));
  return deb;
}
