/** The DKMS source tree in memory: module source, patch series, generated script and dkms.conf. */
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Series } from '@cgpu/patches';
import { dkmsConf } from './conf.js';
import { dkmsMakefile, selectScript } from './select-script.js';

export interface TreeFile {
  /** Relative to /usr/src/<name>-<version>/. */
  path: string;
  content: Buffer;
  mode: number;
}

export const SELECT_SCRIPT = 'cgpu-select-patches';
/** The oldest kernel the module is built and booted for (README, "Kernels this covers": Debian 11's 5.10). */
export const MIN_KERNEL = '5.10';

/** Module source files: Kbuild, Makefile, *.c, *.h (include/ too); not tools/ or build products. */
async function moduleFiles(src: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      const rel = relative(src, p);
      if (e.isDirectory()) {
        if (rel === 'tools' || e.name.startsWith('.')) continue;
        await walk(p);
      } else if (e.isFile() && (/\.[ch]$/.test(e.name) && !/\.mod\.c$/.test(e.name) || e.name === 'Kbuild' || e.name === 'Makefile')) {
        out.push(rel);
      }
    }
  };
  await walk(src);
  return out.sort();
}

export async function dkmsTree(o: { src: string; series: Series; name: string; version: string }): Promise<TreeFile[]> {
  const files: TreeFile[] = [];
  for (const rel of await moduleFiles(o.src)) files.push({ path: rel, content: await readFile(join(o.src, rel)), mode: 0o644 });
  files.push({ path: 'patches/series.yaml', content: await readFile(join(o.series.dir, 'series.yaml')), mode: 0o644 });
  for (const p of o.series.patches) files.push({ path: `patches/${p.file}`, content: await readFile(join(o.series.dir, p.file)), mode: 0o644 });
  const script = selectScript({ series: o.series, name: o.name, version: o.version, minKernel: MIN_KERNEL, patchDir: 'patches' });
  files.push({ path: SELECT_SCRIPT, content: Buffer.from(script), mode: 0o755 });
  files.push({ path: 'Makefile.dkms', content: Buffer.from(dkmsMakefile(o.name)), mode: 0o644 });
  files.push({ path: 'dkms.conf', content: Buffer.from(dkmsConf({ name: o.name, version: o.version, minKernel: MIN_KERNEL, selectScript: SELECT_SCRIPT })), mode: 0o644 });
  return files;
}
