// A smoke run never boots a stale module: after a one-line source edit the build key changes, the module is
// rebuilt, and the booted .ko is the edited one. Real archive, real dockerd, real QEMU (6.1, TCG).
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, sha256File } from '@cgpu/common';
import { moduleInfo } from '@cgpu/builder';
import type { KernelEntry } from '@cgpu/kernels';
import { buildSteps, resolveKernel, runSmoke, runSteps, disposeBuild, type BuildContext, type SmokeOpts } from '../src/index.js';

let base: string;
let opts: SmokeOpts;
let kernel: KernelEntry;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'cgpu-rebuild-'));
  await cp(join(repoRoot(), 'kernel-src'), join(base, 'src'), { recursive: true });
  opts = { src: join(base, 'src'), series: join(repoRoot(), 'patches'), out: join(base, 'dist'), accel: 'tcg' };
  kernel = await resolveKernel('6.1', { arch: 'amd64' });
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function keyOnly(): Promise<BuildContext> {
  const ctx: BuildContext = { kernel, opts: { ...opts, reuse: true } };
  await runSteps(buildSteps().slice(0, 2), ctx); // patches and identity: no build
  await disposeBuild(ctx);
  return ctx;
}

describe('build identity, live', () => {
  it('reuses an equal key, rebuilds after a source edit and boots the edited module', async () => {
    const first = await runSmoke(kernel, opts);
    expect(first.smoke.ok).toBe(true);
    const again = await keyOnly();
    expect(again.reuse).toMatchObject({ reused: true });
    expect(again.identity!.key).toBe(first.build.key);

    const file = join(opts.src!, 'cgpu-km.c');
    const nonce = `edit-${process.pid}-${Date.now()}`;
    const text = await readFile(file, 'utf8');
    const edited = text.replace(/MODULE_DESCRIPTION\("([^"]*)"\)/, `MODULE_DESCRIPTION("$1 [${nonce}]")`);
    expect(edited).not.toBe(text);
    await writeFile(file, edited);

    const stale = await keyOnly();
    expect(stale.reuse).toEqual({ reused: false, why: 'inputs changed: source' });

    const second = await runSmoke(kernel, opts);
    expect(second.reused).toBe(false);
    expect(second.build.key).not.toBe(first.build.key);
    expect(second.smoke.ok).toBe(true);
    const ko = join(second.build.dir, 'cgpu.ko');
    expect((await moduleInfo(ko))['description']).toContain(nonce);
    expect(await sha256File(ko)).toBe(second.build.modules[0]!.sha256);
    expect(second.build.modules[0]!.sha256).not.toBe(first.build.modules[0]!.sha256);
  });
});
