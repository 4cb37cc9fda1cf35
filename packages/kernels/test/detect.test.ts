import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectKernels } from '../src/detect.js';

// A fake /lib/modules and /usr/src laid out as Debian installs them (headers with a Makefile, build symlinks).
const root = mkdtempSync(join(tmpdir(), 'cgpu-detect-'));
const src = join(root, 'usr/src');
const modules = join(root, 'lib/modules');
for (const d of ['linux-headers-6.1.0-50-amd64', 'linux-headers-6.1.0-50-common', 'linux-headers-7.3.4+deb13-amd64']) {
  mkdirSync(join(src, d), { recursive: true });
  writeFileSync(join(src, d, 'Makefile'), 'all:\n');
}
mkdirSync(join(modules, '6.1.0-50-amd64'), { recursive: true });
symlinkSync(join(src, 'linux-headers-6.1.0-50-amd64'), join(modules, '6.1.0-50-amd64/build'));
mkdirSync(join(modules, '5.10.0-32-amd64'), { recursive: true }); // modules but no headers

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('detectKernels', () => {
  it('finds the running kernel and every kernel with headers, not the -common trees', async () => {
    const found = await detectKernels({ modules, src, running: '6.18.44-fc-v782' });
    const by = Object.fromEntries(found.map((k) => [k.release, k]));
    expect(Object.keys(by).sort()).toEqual(['6.1.0-50-amd64', '6.18.44-fc-v782', '7.3.4+deb13-amd64']);
    expect(by['6.18.44-fc-v782']).toMatchObject({ running: true });
    expect(by['6.18.44-fc-v782']!.headers).toBeUndefined();
    expect(by['6.1.0-50-amd64']!.headers).toBe(join(modules, '6.1.0-50-amd64/build'));
    expect(by['7.3.4+deb13-amd64']!.parsed).toMatchObject({ version: '7.3.4', distro: 'debian', distroRelease: '13' });
  });
});
