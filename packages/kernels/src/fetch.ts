/** Fetch a kernel's .debs into the cache (SHA256-checked) and unpack vmlinuz, config and System.map. */
import { mkdir, readFile, readdir, rename, rm, copyFile, mkdtemp, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CgpuError, cacheDir, exists, onCleanup, readJson, run, sha256FileStamped, sweepStaleTemps, withLock, writeFileAtomic } from '@cgpu/common';
import type { DebRef, KernelEntry } from './catalogue.js';
import { download } from './download.js';
import { mirrorUrl } from './suites.js';

export interface FetchedKernel {
  entry: KernelEntry;
  dir: string;
  vmlinuz: string;
  config: string;
  systemMap: string;
  /** Local path of each .deb, by package name. */
  debs: Record<string, string>;
  /** `CONFIG_CC_VERSION_TEXT` of the kernel's config, e.g. `gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0`. */
  compilerText?: string;
  /** Which debs came from the network this time (empty on a warm fetch). */
  downloaded: string[];
}

export function debPath(d: DebRef): string {
  return cacheDir('debs', basename(d.filename));
}

/** A cached .deb is used only when its SHA256 matches; else it is downloaded again. */
export async function ensureDeb(d: DebRef, log?: (m: string) => void): Promise<{ path: string; downloaded: boolean }> {
  const path = debPath(d);
  if ((await stat(path).catch(() => undefined))?.isDirectory()) await rm(path, { recursive: true, force: true });
  if (await exists(path)) {
    if ((await sha256FileStamped(path)) === d.sha256) return { path, downloaded: false };
    log?.(`cached ${basename(path)} is corrupt (SHA256 mismatch); downloading it again`);
    await rm(path, { force: true });
  }
  await download(`${mirrorUrl()}/${d.filename}`, path, { sha256: d.sha256, size: d.size });
  return { path, downloaded: true };
}

export function kernelDir(e: KernelEntry): string {
  return cacheDir('kernels', e.arch, e.release);
}

interface Manifest {
  packageVersion: string;
  debs: string[];
  compilerText?: string;
}

export async function fetchKernel(e: KernelEntry, log?: (m: string) => void): Promise<FetchedKernel> {
  // A kernel built here (the debug kernel) has nothing to download.
  if (e.local) return { entry: e, dir: e.local.dir, vmlinuz: e.local.vmlinuz, config: e.local.config, systemMap: e.local.systemMap, debs: {}, downloaded: [] };
  const dir = kernelDir(e);
  return withLock(`${dir}.lock`, 30 * 60_000, async () => {
    await sweepStaleTemps(cacheDir('debs'));
    const downloaded: string[] = [];
    const debs: Record<string, string> = {};
    for (const d of e.debs) {
      const r = await ensureDeb(d, log);
      debs[d.package] = r.path;
      if (r.downloaded) downloaded.push(d.package);
    }
    const manifestPath = join(dir, 'kernel.json');
    const manifest = await readJson<Manifest>(manifestPath);
    const want = e.debs.filter((d) => d.role === 'image' || d.role === 'base').map((d) => d.sha256);
    const fresh =
      manifest?.packageVersion === e.packageVersion &&
      want.every((s) => manifest.debs.includes(s)) &&
      (await exists(join(dir, 'vmlinuz'))) && (await exists(join(dir, 'config'))) && (await exists(join(dir, 'System.map')));
    if (!fresh) await unpack(e, debs, dir);
    const config = join(dir, 'config');
    const cc = fresh ? manifest.compilerText : (await readFile(config, 'utf8')).match(/^CONFIG_CC_VERSION_TEXT="([^"]*)"/m)?.[1];
    if (!fresh) await writeFileAtomic(manifestPath, JSON.stringify({ packageVersion: e.packageVersion, debs: want, compilerText: cc }, null, 2));
    const out: FetchedKernel = { entry: e, dir, vmlinuz: join(dir, 'vmlinuz'), config, systemMap: join(dir, 'System.map'), debs, downloaded };
    if (cc) out.compilerText = cc;
    return out;
  });
}

/** Unpack the image (and base) debs to a temp dir, pick the three files, move them into place. */
async function unpack(e: KernelEntry, debs: Record<string, string>, dir: string): Promise<void> {
  await mkdir(join(dir, '..'), { recursive: true });
  const tmp = await mkdtemp(join(dir, '..', `.${e.release}.unpack-`));
  const unregister = onCleanup(() => rm(tmp, { recursive: true, force: true }));
  try {
    for (const d of e.debs.filter((x) => x.role === 'image' || x.role === 'base')) {
      await run('dpkg-deb', ['-x', debs[d.package]!, join(tmp, 'root')], { timeoutMs: 300_000, purpose: `unpacking ${d.package}` });
    }
    const root = join(tmp, 'root');
    const found = {
      vmlinuz: await firstExisting([join(root, 'boot', `vmlinuz-${e.release}`), join(root, 'usr/lib/modules', e.release, 'vmlinuz'), join(root, 'lib/modules', e.release, 'vmlinuz')]),
      config: await firstExisting([join(root, 'boot', `config-${e.release}`), join(root, 'usr/lib/modules', e.release, 'config'), join(root, 'lib/modules', e.release, 'config')]),
      'System.map': await firstExisting([join(root, 'boot', `System.map-${e.release}`), join(root, 'usr/lib/modules', e.release, 'System.map'), join(root, 'lib/modules', e.release, 'System.map')]),
    };
    const out = join(tmp, 'out');
    await mkdir(out);
    for (const [name, src] of Object.entries(found)) {
      if (!src) {
        const listing = (await readdir(root, { recursive: true })).slice(0, 20).join(', ');
        throw new CgpuError({ code: 'KERNEL_UNPACK', message: `${name} not found in the debs of ${e.release} (saw ${listing})`, hint: 'the package layout changed; report it with the package names' });
      }
      await copyFile(src, join(out, name));
    }
    await rm(dir, { recursive: true, force: true });
    await rename(out, dir);
  } finally {
    unregister();
    await rm(tmp, { recursive: true, force: true });
  }
}

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const p of paths) if (await exists(p)) return p;
  return undefined;
}
