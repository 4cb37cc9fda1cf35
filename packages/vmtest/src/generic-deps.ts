/**
 * In-tree modules a foreign module needs (its modinfo `depends:`), taken from the kernel's own image .deb,
 * as modprobe would load them on the target: dependencies first. The .deb has no modules.dep (depmod makes
 * it at install), so the closure is followed through each module's own `depends:`. Files are cached per
 * kernel, decompressed (.ko.xz/.ko.zst) so busybox insmod can load them.
 */
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CgpuError, cacheDir, exists, readJson, run, writeFileAtomic } from '@cgpu/common';
import { moduleInfo } from '@cgpu/builder';
import type { FetchedKernel } from '@cgpu/kernels';
import type { GenericModule } from './generic.js';

/** The kernel's notion of a module name: dashes and underscores are the same. */
export const normName = (n: string): string => n.replace(/-/g, '_');

/** `a,b` from modinfo `depends=` -> names (empty entries dropped). */
export function parseDepends(s: string | undefined): string[] {
  return (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
}

/** Dependencies-first order of `wanted` and everything they need; `deps(name)` gives direct dependencies. */
export function loadOrder(wanted: readonly string[], deps: (name: string) => readonly string[]): string[] {
  const out: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string, path: string[]): void => {
    const s = state.get(n);
    if (s === 'done') return;
    if (s === 'visiting') throw new CgpuError({ code: 'MODULE_DEP_CYCLE', message: `module dependency cycle: ${[...path, n].join(' -> ')}` });
    state.set(n, 'visiting');
    for (const d of deps(n)) visit(normName(d), [...path, n]);
    state.set(n, 'done');
    out.push(n);
  };
  for (const w of wanted) visit(normName(w), []);
  return out;
}

const imageDebs = (k: FetchedKernel): string[] =>
  k.entry.debs.filter((d) => d.role === 'image' || d.role === 'base').map((d) => k.debs[d.package]).filter((p): p is string => p !== undefined);

/** name -> path inside the image .deb(s) of every module the kernel ships (cached per kernel). */
async function moduleIndex(k: FetchedKernel): Promise<Record<string, { deb: string; path: string }>> {
  const file = cacheDir('modules', k.entry.arch, k.entry.release, 'index.json');
  const cached = await readJson<Record<string, { deb: string; path: string }>>(file);
  if (cached) return cached;
  const index: Record<string, { deb: string; path: string }> = {};
  for (const deb of imageDebs(k)) {
    const r = await run('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -t', 'sh', deb], { timeoutMs: 300_000, purpose: `listing the modules of ${basename(deb)}` });
    for (const p of r.stdout.split('\n')) {
      const m = p.match(/\/([^/]+)\.ko(\.xz|\.zst|\.gz)?$/);
      if (m) index[normName(m[1]!)] = { deb, path: p };
    }
  }
  await writeFileAtomic(file, JSON.stringify(index));
  return index;
}

/** Unpack (and decompress) these in-tree modules into the cache; returns name -> .ko path. */
async function extract(k: FetchedKernel, index: Record<string, { deb: string; path: string }>, names: readonly string[]): Promise<Record<string, string>> {
  const dir = cacheDir('modules', k.entry.arch, k.entry.release);
  const raw = join(dir, 'raw');
  await mkdir(raw, { recursive: true });
  const out: Record<string, string> = {};
  const missing: Array<{ name: string; deb: string; path: string }> = [];
  for (const n of names) {
    out[n] = join(dir, `${n}.ko`);
    if (!(await exists(out[n]!))) missing.push({ name: n, ...index[n]! });
  }
  for (const deb of new Set(missing.map((m) => m.deb))) {
    const paths = missing.filter((m) => m.deb === deb).map((m) => m.path);
    await run('sh', ['-c', 'd=$1; r=$2; shift 2; dpkg-deb --fsys-tarfile "$d" | tar -x -C "$r" "$@"', 'sh', deb, raw, ...paths], { timeoutMs: 300_000, purpose: `unpacking ${paths.length} modules of ${basename(deb)}` });
  }
  for (const m of missing) {
    const src = join(raw, m.path);
    const tool = m.path.endsWith('.xz') ? 'xz -dc' : m.path.endsWith('.zst') ? 'zstd -dc' : m.path.endsWith('.gz') ? 'gzip -dc' : 'cat';
    await run('sh', ['-c', `${tool} "$1" > "$2.tmp" && mv "$2.tmp" "$2"`, 'sh', src, out[m.name]!], { timeoutMs: 60_000, purpose: `decompressing ${basename(src)}` });
  }
  return out;
}

/**
 * The in-tree modules `mods` need, dependencies first, excluding `mods` themselves (a tree may ship several
 * modules that need each other). A dependency the kernel does not ship is an error that names it.
 */
export async function inTreeDependencies(k: FetchedKernel, mods: ReadonlyArray<GenericModule & { depends: string[] }>): Promise<GenericModule[]> {
  const own = new Set(mods.map((m) => normName(m.name)));
  const depsOf = new Map<string, string[]>(mods.map((m) => [normName(m.name), m.depends.map(normName)]));
  let todo = [...new Set(mods.flatMap((m) => m.depends.map(normName)))].filter((n) => !own.has(n));
  if (todo.length === 0) return [];
  const index = await moduleIndex(k);
  const files: Record<string, string> = {};
  while (todo.length) {
    const unknown = todo.filter((n) => !index[n]);
    if (unknown.length) {
      throw new CgpuError({ code: 'MODULE_DEP_MISSING', message: `the module needs ${unknown.join(', ')}, which ${k.entry.release} does not ship`, hint: 'is it built for another kernel flavour?' });
    }
    Object.assign(files, await extract(k, index, todo));
    const next: string[] = [];
    for (const n of todo) {
      const d = parseDepends((await moduleInfo(files[n]!))['depends']).map(normName);
      depsOf.set(n, d);
      next.push(...d.filter((x) => !own.has(x) && !depsOf.has(x)));
    }
    todo = [...new Set(next)];
  }
  return loadOrder([...own], (n) => depsOf.get(n) ?? [])
    .filter((n) => !own.has(n))
    .map((n) => ({ name: n, file: files[n]! }));
}
