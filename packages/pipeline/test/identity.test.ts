// The build key: every input that made dist/<release>/ is in it, and only an equal key is reused.
// The kernel entry comes from the real bookworm Packages stanzas in packages/kernels/test/fixtures.
import { chmod, cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '@cgpu/common';
import { buildEntries, parseStanzas, suiteByName } from '@cgpu/kernels';
import { buildIdentity, changedInputs, hashTree } from '../src/identity.js';
import { reusable, type BuildResult } from '../src/build.js';

const stanzas = readFileSync(new URL('../../kernels/test/fixtures/bookworm-amd64.Packages', import.meta.url), 'utf8');
const k = buildEntries(suiteByName('bookworm')!, 'amd64', parseStanzas(stanzas)).find((e) => e.release === '6.1.0-50-amd64')!;

let src: string;
let series: string;
beforeEach(async () => {
  const base = await mkdtemp(join(tmpdir(), 'cgpu-id-'));
  src = join(base, 'src');
  series = join(base, 'patches');
  await mkdir(join(src, 'tools'), { recursive: true });
  await writeFile(join(src, 'a.c'), 'int a;\n');
  await writeFile(join(src, 'tools/t.c'), 'int t;\n');
  await mkdir(series);
  await writeFile(join(series, 'series.yaml'), 'patches: []\n');
  await writeFile(join(series, '0001-x.patch'), '--- a/a.c\n');
});

const applied = [{ name: 'x', file: '0001-x.patch', reason: 'test' }];

describe('hashTree', () => {
  it('changes with a file\'s content, name or exec bit, not with build products', async () => {
    const h0 = await hashTree(src);
    await writeFile(join(src, 'a.o'), 'object');
    await writeFile(join(src, '.a.o.cmd'), 'cmd');
    await writeFile(join(src, 'cgpu.ko'), 'module');
    expect(await hashTree(src)).toBe(h0);
    await writeFile(join(src, 'a.c'), 'int a; /* edited */\n');
    const h1 = await hashTree(src);
    expect(h1).not.toBe(h0);
    await chmod(join(src, 'a.c'), 0o755);
    expect(await hashTree(src)).not.toBe(h1);
  });

  it('is the same for a copy of the tree', async () => {
    const copy = `${src}-copy`;
    await cp(src, copy, { recursive: true });
    expect(await hashTree(copy)).toBe(await hashTree(src));
  });
});

describe('buildIdentity', () => {
  it('a source edit changes the key and says "source"', async () => {
    const a = await buildIdentity(k, src, series, applied, false);
    expect((await buildIdentity(k, src, series, applied, false)).key).toBe(a.key);
    await writeFile(join(src, 'tools/t.c'), 'int t2;\n');
    const b = await buildIdentity(k, src, series, applied, false);
    expect(b.key).not.toBe(a.key);
    expect(changedInputs(a.inputs, b.inputs)).toEqual(['source']);
  });

  it('a changed patch file, another patch set, -Werror or another deb change the key', async () => {
    const a = await buildIdentity(k, src, series, applied, false);
    await writeFile(join(series, '0001-x.patch'), '--- a/a.c\n+++ b/a.c\n');
    expect(changedInputs(a.inputs, (await buildIdentity(k, src, series, applied, false)).inputs)).toEqual(['series']);
    const b = await buildIdentity(k, src, series, applied, false);
    expect(changedInputs(b.inputs, (await buildIdentity(k, src, series, [], false)).inputs)).toEqual(['series']);
    expect(changedInputs(b.inputs, (await buildIdentity(k, src, series, applied, true)).inputs)).toEqual(['build']);
    const newDeb = { ...k, debs: k.debs.map((d) => (d.role === 'headers' ? { ...d, sha256: sha256('other') } : d)) };
    expect(changedInputs(b.inputs, (await buildIdentity(newDeb, src, series, applied, false)).inputs)).toEqual(['kernel', 'image']);
  });
});

describe('reusable', () => {
  it('serves a build only for an equal key with its files intact', async () => {
    const id = await buildIdentity(k, src, series, applied, false);
    const dist = await mkdtemp(join(tmpdir(), 'cgpu-dist-'));
    await writeFile(join(dist, 'cgpu.ko'), 'module');
    const manifest = {
      kernel: k.release, modules: [{ file: 'cgpu.ko', sha256: sha256('module'), elf: 'x86-64', vermagic: `${k.release} SMP` }], tools: [],
      patches: applied, key: id.key, keyInputs: id.inputs,
    } as unknown as BuildResult;
    await writeFile(join(dist, 'build.json'), JSON.stringify(manifest));
    expect((await reusable(dist, id)).result?.key).toBe(id.key);

    await writeFile(join(src, 'a.c'), 'int a; /* edited */\n');
    const edited = await buildIdentity(k, src, series, applied, false);
    const r = await reusable(dist, edited);
    expect(r.result).toBeUndefined();
    expect(r.why).toBe('inputs changed: source');

    await writeFile(join(dist, 'cgpu.ko'), 'tampered');
    expect((await reusable(dist, id)).why).toBe('cgpu.ko is not the file that was built');
    expect((await reusable(join(dist, 'nothing'), id)).why).toBe('no earlier build');
  });
});
