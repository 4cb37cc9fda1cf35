// Image tags are content hashes of everything that made the image, install scripts included (a changed
// install step must give a new tag, never a stale image). Kernel entries come from the real bookworm
// Packages stanzas in packages/kernels/test/fixtures (see its README).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildEntries, parseStanzas, suiteByName, type KernelEntry } from '@cgpu/kernels';
import { baseTag, builderRecipe, builderScript, builderTag, kernelImagePlan, kernelLayerScript, kernelTag } from '../src/recipes.js';
import { buildScript } from '../src/build.js';

const stanzas = readFileSync(new URL('../../kernels/test/fixtures/bookworm-amd64.Packages', import.meta.url), 'utf8');
const k61 = buildEntries(suiteByName('bookworm')!, 'amd64', parseStanzas(stanzas)).find((e) => e.release === '6.1.0-50-amd64')!;
const mirror = 'http://deb.debian.org/debian';

describe('image tags', () => {
  it('are stable for the same inputs', () => {
    expect(kernelImagePlan(k61, mirror)).toEqual(kernelImagePlan(k61, mirror));
    expect(kernelImagePlan(k61, mirror).tag).toMatch(/^cgpu-kernel:6\.1\.0-50-amd64-[0-9a-f]{12}$/);
  });

  it('the builder script installs exactly the recipe and its tag covers that script', () => {
    const r = builderRecipe(k61, mirror);
    const script = builderScript(r);
    for (const p of r.packages) expect(script).toContain(p);
    for (const s of r.setup) expect(script).toContain(s);
    const withStep = { ...r, setup: [...r.setup, 'echo one more step'] };
    expect(builderScript(withStep)).not.toBe(script);
    expect(builderTag(withStep)).not.toBe(builderTag(r));
  });

  it('a changed headers-layer install script gives a new kernel tag', () => {
    const builder = builderTag(builderRecipe(k61, mirror));
    const bpo: KernelEntry = { ...k61, suite: 'bookworm-backports' }; // same debs, another install script (-t suite)
    expect(kernelLayerScript(bpo, mirror)).not.toBe(kernelLayerScript(k61, mirror));
    expect(kernelLayerScript(bpo, mirror)).toContain('-t bookworm-backports');
    expect(kernelTag(builder, bpo, mirror)).not.toBe(kernelTag(builder, k61, mirror));
  });

  it('the headers layer mounts and installs every headers deb, never the image', () => {
    const script = kernelLayerScript(k61, mirror);
    for (const d of k61.debs.filter((x) => x.role !== 'image')) expect(script).toContain(d.filename.split('/').pop()!);
    expect(script).not.toContain(k61.debs.find((x) => x.role === 'image')!.filename.split('/').pop()!);
  });

  it('a new headers deb, mirror or base gives new tags down the chain', () => {
    const changed: KernelEntry = { ...k61, debs: k61.debs.map((d) => (d.role === 'headers' ? { ...d, sha256: '0'.repeat(64) } : d)) };
    expect(kernelImagePlan(changed, mirror).tag).not.toBe(kernelImagePlan(k61, mirror).tag);
    expect(kernelImagePlan(changed, mirror).builder).toBe(kernelImagePlan(k61, mirror).builder);
    expect(baseTag('bookworm', 'http://other.example/debian')).not.toBe(baseTag('bookworm', mirror));
    expect(builderTag(builderRecipe(k61, 'http://other.example/debian'))).not.toBe(builderTag(builderRecipe(k61, mirror)));
  });

  it('the module build script depends on -Werror and the cross toolchain, not on the machine', () => {
    expect(buildScript(k61, true)).toContain('KCFLAGS=-Werror');
    expect(buildScript(k61, false)).not.toContain('KCFLAGS=-Werror');
    expect(buildScript({ ...k61, arch: 'arm64' }, false)).toContain('CROSS_COMPILE=aarch64-linux-gnu-');
    expect(buildScript(k61, false)).toContain('-j$(nproc)');
  });
});
