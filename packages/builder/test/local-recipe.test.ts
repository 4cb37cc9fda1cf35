// The layer of a kernel built here (the debug kernel): its tag follows the local build's key, not debs, and
// its script copies the headers tree to where Debian's headers packages put theirs. Kernel entry: the real
// bookworm Packages stanzas in packages/kernels/test/fixtures (see its README), given a local build.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildEntries, parseStanzas, suiteByName, type KernelEntry } from '@cgpu/kernels';
import { headersDir, kernelImagePlan, localLayerScript } from '../src/recipes.js';

const stanzas = readFileSync(new URL('../../kernels/test/fixtures/bookworm-amd64.Packages', import.meta.url), 'utf8');
const k61 = buildEntries(suiteByName('bookworm')!, 'amd64', parseStanzas(stanzas)).find((e) => e.release === '6.1.0-50-amd64')!;
const mirror = 'http://deb.debian.org/debian';
const local = (key: string): KernelEntry => ({
  ...k61,
  release: '6.1.176-cgpu-debug',
  debs: [],
  local: { dir: '/c', vmlinuz: '/c/bzImage', config: '/c/config', systemMap: '/c/System.map', headers: '/c/build', key },
});

describe('local kernel layer', () => {
  it('its tag names the release and changes with the build key, on the same builder', () => {
    const a = kernelImagePlan(local('a'.repeat(64)), mirror);
    const b = kernelImagePlan(local('b'.repeat(64)), mirror);
    expect(a.tag).toMatch(/^cgpu-kernel:6\.1\.176-cgpu-debug-[0-9a-f]{12}$/);
    expect(a.tag).not.toBe(b.tag);
    expect(a.builder).toBe(b.builder);
    expect(a.builder).toBe(kernelImagePlan(k61, mirror).builder);
  });

  it('copies the tree to the headers path and checks Module.symvers is there', () => {
    const s = localLayerScript('6.12.107-cgpu-debug');
    expect(s).toContain(`cp -a /in/headers ${headersDir('6.12.107-cgpu-debug')}`);
    expect(s).toContain('test -f /usr/src/linux-headers-6.12.107-cgpu-debug/Module.symvers');
  });
});
