// Live: the generated sh selection script, run in each kernel's own builder image against its headers, picks
// exactly the patches the TypeScript engine picks (selectPatches with containerCompiler) for every series we
// build: Debian 11 (5.10), 12 (6.1), 12/13 (6.12), 13-backports (7.2, 7.3) and sid (7.2, gcc-16), amd64.
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureKernelImage, headersDir, runContainer } from '@cgpu/builder';
import { loadCatalogue, resolveSpec, type KernelEntry } from '@cgpu/kernels';
import { loadSeries, selectPatches } from '@cgpu/patches';
import { containerCompiler } from '@cgpu/pipeline';
import { MIN_KERNEL, selectScript } from '@cgpu/dkms';

const root = new URL('../../..', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'cgpu-sel-eq-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const specs = ['5.10', '6.1', '6.12.95', '6.12.117', '7.2.12', '7.2.13', '7.3'];

describe('sh selection script == TypeScript engine', async () => {
  const all = await loadCatalogue();
  const series = await loadSeries(join(root, 'patches'));
  const script = join(tmp, 'cgpu-select-patches');
  writeFileSync(script, selectScript({ series, name: 'cgpu', version: '1.0.0', minKernel: MIN_KERNEL, patchDir: 'patches' }));
  chmodSync(script, 0o755);
  chmodSync(tmp, 0o755);
  const kernels: KernelEntry[] = specs.map((s) => resolveSpec(s, all, { arch: 'amd64' }));

  it.each(kernels.map((k) => [k.release, k] as const))('%s', async (_r, k) => {
    const t0 = Date.now();
    const ts = await selectPatches(series, k, containerCompiler(k));
    const { tag } = await ensureKernelImage(k);
    const r = await runContainer(tag, ['--network', 'none', '-u', '1000:1000', '-e', 'HOME=/tmp', '-v', `${tmp}:/s:ro`], `cd /tmp && /s/cgpu-select-patches --dry-run ${k.release} ${headersDir(k.release)}`, {
      timeoutMs: 15 * 60_000,
      purpose: `the sh selection for ${k.release}`,
      allowFailure: true,
    });
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    const sh = r.stdout.trim().split('\n').filter((l) => /^(apply|skip) /.test(l));
    expect(sh).toEqual(ts.decisions.map((d) => `${d.apply ? 'apply' : 'skip'} ${d.name}`));
    console.log(`${k.release}: ${ts.applied.map((d) => d.name).join(' ') || '(none)'}; sh ${((Date.now() - t0) / 1000).toFixed(1)} s incl. TS`);
  });
});
