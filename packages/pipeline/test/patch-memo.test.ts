// The patch step learns the patched tree's hash without patching when it has patched the same source with
// the same patches before; any change to either patches again. Probes run against the fake 5.10 header tree
// of packages/patches/test/fixtures (class_create backported), so the selection is real and offline.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KernelEntry } from '@cgpu/kernels';
import { headerTreeCompiler } from '@cgpu/patches';
import { hashTree } from '../src/identity.js';
import { preparePatchedSource } from '../src/patch-step.js';

const root = new URL('../../..', import.meta.url).pathname;
const compiler = headerTreeCompiler(join(root, 'packages/patches/test/fixtures/fake-5.10-backport/include'));
const kernel = { release: '5.10.0-fake', version: '5.10.0' } as KernelEntry;
let work = '';
let src = '';
let series = '';

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cgpu-memo-'));
  process.env['CGPU_CACHE_DIR'] = join(work, 'cache');
  src = join(work, 'src');
  series = join(work, 'patches');
  cpSync(join(root, 'kernel-src'), src, { recursive: true });
  cpSync(join(root, 'patches'), series, { recursive: true });
});
afterAll(() => {
  delete process.env['CGPU_CACHE_DIR'];
  rmSync(work, { recursive: true, force: true });
});

const prepare = () => preparePatchedSource(kernel, src, { usePatches: true, seriesDir: series, compiler });

describe('the patch step memo', () => {
  it('patches the first time, and the second time knows the hash without patching', async () => {
    const first = await prepare();
    expect(first.applied.map((p) => p.name)).toEqual(['procfs-proc-ops', 'class-create-no-owner']);
    expect(first.madeDir).toBeDefined();
    expect(first.sourceHash).toBe(await hashTree(first.madeDir!));
    await first.cleanup();

    const second = await prepare();
    expect(second.madeDir).toBeUndefined();
    expect(second.sourceHash).toBe(first.sourceHash);
    // Asked for the tree (a build that cannot be reused), it patches then, to the same content.
    expect(await hashTree(await second.tree())).toBe(second.sourceHash);
    await second.cleanup();
  }, 60_000); // each prepare compiles the probes with the host's gcc

  it('patches again after a source edit or a patch edit', async () => {
    const before = (await prepare()).sourceHash;
    writeFileSync(join(src, 'cgpu-km.c'), `${readFileSync(join(src, 'cgpu-km.c'), 'utf8')}/* edited */\n`);
    const edited = await prepare();
    expect(edited.madeDir).toBeDefined();
    expect(edited.sourceHash).not.toBe(before);
    await edited.cleanup();

    const patch = join(series, '0001-procfs-proc-ops.patch');
    writeFileSync(patch, `Text before the first diff line.\n${readFileSync(patch, 'utf8')}`);
    const repatched = await prepare();
    expect(repatched.madeDir).toBeDefined();
    expect(repatched.sourceHash).toBe(edited.sourceHash); // the diff itself did not change
    await repatched.cleanup();
  }, 60_000);
});
