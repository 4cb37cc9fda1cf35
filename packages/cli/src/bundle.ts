/**
 * One bundle of the CLI and everything it imports (rolldown), with a manifest of the sources it was made of.
 *
 * A warm `cgpu smoke` spent ~470 ms of its ~600 ms outside QEMU resolving, reading and compiling some 300
 * ES modules (cpu profile, 2026-11-29); the same code as a few bundled chunks loads in ~290 ms. The bundle
 * is only ever a faster copy of dist/: `bin/cgpu.js` hashes every file the manifest lists and loads
 * `dist/main.js` instead when one differs or is gone, so an edit rebuilt by `tsc -b` alone, or an
 * `npm install`, is never served stale. `ci/setup.sh` (and `npm run build`) remake it after `tsc -b`.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { rolldown } from 'rolldown';

/** Where the bundle goes: as deep in the tree as packages/<pkg>/dist, so `import.meta.url`-relative paths hold. */
export const BUNDLE_DIR = 'packages/cli/bundle';
export const MANIFEST = 'manifest.json';

export interface BundleManifest {
  /** The chunk to import, relative to the bundle directory. */
  entry: string;
  /** Every source module in the bundle, relative to the repository root, with its SHA256. */
  inputs: Record<string, string>;
}

/**
 * Bundle `packages/cli/dist/main.js` of `root` into `dir`. It is written beside `dir` and moved into place,
 * so a CLI starting meanwhile finds the old bundle, none (and loads dist/), or the new one, never half of one.
 */
export async function writeBundle(root: string, dir = join(root, BUNDLE_DIR)): Promise<{ dir: string; inputs: number }> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  const build = await rolldown({ input: { main: join(root, 'packages/cli/dist/main.js') }, platform: 'node', logLevel: 'silent' });
  try {
    const out = await build.write({ dir: tmp, format: 'esm', entryFileNames: '[name].js' });
    const inputs: Record<string, string> = {};
    for (const chunk of out.output) {
      if (chunk.type !== 'chunk') continue;
      for (const id of chunk.moduleIds) {
        if (id.startsWith('\0') || !id.startsWith('/')) continue; // rolldown's own runtime helpers
        inputs[relative(root, id)] = createHash('sha256').update(await readFile(id)).digest('hex');
      }
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
