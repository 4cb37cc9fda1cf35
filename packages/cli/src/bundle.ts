/**
 * One bundle of the CLI and everything it imports (rolldown), with a manifest of the sources it was made of.
 *
 * A warm `cgpu smoke` spent ~470 ms of its ~600 ms outside QEMU resolving, reading and compiling some 400
 * ES modules (cpu profile, 2026-11-29); the same code as a few bundled chunks loads in ~290 ms. The bundle
 * is only ever a faster copy of dist/: `bin/entry.js` checks every file the manifest lists (by its stat,
 * else by its SHA256; see BundleInput) and loads `dist/main.js` instead when one differs or is gone, so an
 * edit rebuilt by `tsc -b` alone, or an `npm install`, is never served stale. `ci/setup.sh` (and
 * `npm run build`) remake it after `tsc -b`.
 */
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { exists, sha256File } from '@cgpu/common';
import { rolldown } from 'rolldown';

/** Where the bundle goes: as deep in the tree as packages/<pkg>/dist, so `import.meta.url`-relative paths hold. */
export const BUNDLE_DIR = 'packages/cli/bundle';
export const MANIFEST = 'manifest.json';

export interface BundleManifest {
  /** The chunk to import, relative to the bundle directory. */
  entry: string;
  /** Every file the bundle was made from (modules, their package.json, npm's node_modules record), by its path from the root. */
  inputs: Record<string, BundleInput>;
}

/**
 * A file's SHA256 and its stat as the bundle saw it (decimal strings, nanoseconds). A file whose size, inode,
 * mtime and ctime all still match is taken as unchanged without reading it, as git's index does: no tool can
 * set ctime (short of the clock), so an edit, a copy or an extraction with preserved mtimes still changes it. Otherwise the
 * file is hashed, and only a different SHA256 makes the bundle stale.
 */
export interface BundleInput {
  sha256: string;
  size: string;
  ino: string;
  mtimeNs: string;
  ctimeNs: string;
}

/** The package.json that governs how a module file is resolved and typed: the nearest one above it. */
async function owningPackageJson(file: string, root: string): Promise<string | undefined> {
  for (let d = dirname(file); d.startsWith(root) && d !== dirname(d); d = dirname(d)) {
    if (await exists(join(d, 'package.json'))) return join(d, 'package.json');
  }
  return undefined;
}

/**
 * Bundle `packages/cli/dist/main.js` of `root` into `dir`. It is written beside `dir` and moved into place,
 * so a CLI starting meanwhile finds the old bundle, none (and loads dist/), or the new one, never half of one.
 *
 * The manifest holds what decides the bundle's content besides the code it kept: every module the build
 * read, tree-shaken ones too (a plugin collects them when the build ends), the package.json that governs each
 * (`exports`, `type`, `main`), and npm's record of the node_modules layout (`node_modules/.package-lock.json`:
 * an install that nests another copy of a package changes it, even when the root copy stays the same).
 */
export async function writeBundle(rootDir: string, dir = join(rootDir, BUNDLE_DIR)): Promise<{ dir: string; inputs: number }> {
  const root = resolve(rootDir);
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  const read: string[] = [];
  const build = await rolldown({
    input: { main: join(root, 'packages/cli/dist/main.js') },
    platform: 'node',
    logLevel: 'silent',
    plugins: [{ name: 'cgpu-inputs', buildEnd() { read.push(...this.getModuleIds()); } }],
  });
  try {
    await build.write({ dir: tmp, format: 'esm', entryFileNames: '[name].js' });
    const files = new Set<string>([join(root, 'node_modules/.package-lock.json')]);
    for (const id of read) {
      if (id.startsWith('\0') || !id.startsWith('/')) continue; // rolldown's own runtime helpers
      files.add(id);
      const pkg = await owningPackageJson(id, root);
      if (pkg) files.add(pkg);
    }
    const inputs: Record<string, BundleInput> = {};
    for (const f of [...files].sort()) {
      // stat first: an edit between the two leaves a stat that no longer matches, so the file is hashed again
      const st = await stat(f, { bigint: true });
      const sha256 = await sha256File(f);
      inputs[relative(root, f)] = { sha256, size: `${st.size}`, ino: `${st.ino}`, mtimeNs: `${st.mtimeNs}`, ctimeNs: `${st.ctimeNs}` };
    }
    const manifest: BundleManifest = { entry: 'main.js', inputs };
    await writeFile(join(tmp, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    return { dir, inputs: Object.keys(inputs).length };
  } finally {
    await build.close();
    await rm(tmp, { recursive: true, force: true });
  }
}
