// The CLI bundle and the choice bin/cgpu.js makes between it and dist/: the bundle is only ever used while
// every source it was made of is unchanged.
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { repoRoot, sha256 } from '@cgpu/common';
import { BUNDLE_DIR, writeBundle, type BundleInput, type BundleManifest } from '../src/bundle.js';
// @ts-expect-error plain JS without types, run before anything else is loaded
import { cliEntry, entryPlaces } from '../bin/entry.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
afterEach(() => {
  delete process.env['CGPU_NO_BUNDLE'];
});
const temp = async (): Promise<string> => {
  const d = await mkdtemp(join(tmpdir(), 'cgpu-bundle-'));
  dirs.push(d);
  return d;
};
const url = (p: string): URL => pathToFileURL(p);

/** What bundle.ts records of a file. */
async function recorded(path: string): Promise<BundleInput> {
  const st = await stat(path, { bigint: true });
  return { sha256: sha256(await readFile(path)), size: `${st.size}`, ino: `${st.ino}`, mtimeNs: `${st.mtimeNs}`, ctimeNs: `${st.ctimeNs}` };
}

/** A root with two sources and a bundle whose manifest lists them as they are. */
async function tree(): Promise<{ root: string; at: { dist: URL; bundle: URL; root: URL } }> {
  const root = await temp();
  await mkdir(join(root, 'src'), { recursive: true });
  await mkdir(join(root, 'bundle'), { recursive: true });
  await writeFile(join(root, 'src/a.js'), 'export const a = 1;\n');
  await writeFile(join(root, 'src/b.js'), 'export const b = 2;\n');
  const manifest: BundleManifest = { entry: 'main.js', inputs: { 'src/a.js': await recorded(join(root, 'src/a.js')), 'src/b.js': await recorded(join(root, 'src/b.js')) } };
  await writeFile(join(root, 'bundle/manifest.json'), JSON.stringify(manifest));
  return { root, at: { dist: url(join(root, 'dist/main.js')), bundle: new URL(`${url(join(root, 'bundle')).href}/`), root: new URL(`${url(root).href}/`) } };
}

describe('bin/entry.js: the bundle or dist/', () => {
  it('looks where bundle.ts writes, three levels under the root as repoRoot() expects', () => {
    const root = repoRoot();
    const at = entryPlaces(pathToFileURL(join(root, 'packages/cli/bin/cgpu.js'))) as { dist: URL; bundle: URL; root: URL };
    expect(at.dist.pathname).toBe(join(root, 'packages/cli/dist/main.js'));
    expect(at.bundle.pathname).toBe(`${join(root, BUNDLE_DIR)}/`);
    expect(at.root.pathname).toBe(`${root}/`);
    expect(BUNDLE_DIR.split('/')).toHaveLength(3);
  });

  it('takes the bundle while every source it lists is unchanged, by its stat or else by its content', async () => {
    const { root, at } = await tree();
    expect((cliEntry(at) as URL).pathname).toBe(join(root, 'bundle/main.js'));
    // rewritten with the same bytes: the stat differs, the SHA256 does not
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(join(root, 'src/a.js'), 'export const a = 1;\n');
    expect((cliEntry(at) as URL).pathname).toBe(join(root, 'bundle/main.js'));
  });

  it('takes dist/ when a source changed, is gone, or the manifest is missing or empty, or when asked to', async () => {
    const { root, at } = await tree();
    // same size, other bytes, mtime set back to the recorded one: ctime still moved, so it is read and differs
    const was = await stat(join(root, 'src/b.js'));
    await writeFile(join(root, 'src/b.js'), 'export const b = 3;\n');
    await utimes(join(root, 'src/b.js'), was.atime, was.mtime);
    expect((cliEntry(at) as URL).pathname).toBe(join(root, 'dist/main.js'));
    await rm(join(root, 'src/b.js'));
    expect((cliEntry(at) as URL).pathname).toBe(join(root, 'dist/main.js'));

    const fresh = await tree();
    process.env['CGPU_NO_BUNDLE'] = '1';
    expect((cliEntry(fresh.at) as URL).pathname).toBe(join(fresh.root, 'dist/main.js'));
    delete process.env['CGPU_NO_BUNDLE'];
    await writeFile(join(fresh.root, 'bundle/manifest.json'), JSON.stringify({ entry: 'main.js', inputs: {} }));
    expect((cliEntry(fresh.at) as URL).pathname).toBe(join(fresh.root, 'dist/main.js'));
    await writeFile(join(fresh.root, 'bundle/manifest.json'), '{"entry": "main.js", "inpu');
    expect((cliEntry(fresh.at) as URL).pathname).toBe(join(fresh.root, 'dist/main.js'));
    await rm(join(fresh.root, 'bundle/manifest.json'));
    expect((cliEntry(fresh.at) as URL).pathname).toBe(join(fresh.root, 'dist/main.js'));
  });
});

describe('writeBundle', () => {
  it('bundles the built CLI with a manifest of its sources, ours and node_modules', async () => {
    const root = repoRoot();
    const out = join(await temp(), 'bundle');
    const r = await writeBundle(root, out);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as BundleManifest;
    expect(Object.keys(manifest.inputs).length).toBe(r.inputs);
    expect(manifest.inputs['packages/cli/dist/main.js']).toEqual(await recorded(join(root, 'packages/cli/dist/main.js')));
    expect(Object.keys(manifest.inputs)).toContain('packages/vmtest/dist/verdict.js');
    expect(Object.keys(manifest.inputs).some((f) => f.startsWith('node_modules/execa/'))).toBe(true);
    // what decides resolution: each module's package.json and npm's record of the node_modules layout
    expect(Object.keys(manifest.inputs)).toEqual(expect.arrayContaining(['node_modules/.package-lock.json', 'packages/common/package.json', 'node_modules/execa/package.json']));
    // a module read through an `export *` barrel and then tree-shaken away is still an input
    expect(Object.keys(manifest.inputs)).toContain('packages/common/dist/live-scope.js');
    const { main } = (await import(pathToFileURL(join(out, manifest.entry)).href)) as { main: unknown };
    expect(typeof main).toBe('function');
  }, 60_000);
});
