// The build key of a DKMS tree covers the tree (dkms.conf included), the make command dkms would choose and
// the dkms-style build script. The kernel entry comes from the real bookworm Packages stanzas in
// packages/kernels/test/fixtures; the plan is built by hand with the fields interpret() fills.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildEntries, parseStanzas, suiteByName } from '@cgpu/kernels';
import { dkmsBuildScript } from '@cgpu/builder';
import type { DkmsPlan } from '@cgpu/dkmsconf';
import { buildIdentity, changedInputs } from '../src/identity.js';
import { isDkmsTree } from '../src/dkms-steps.js';
import { defaultSourceDir } from '../src/patch-step.js';

const stanzas = readFileSync(new URL('../../kernels/test/fixtures/bookworm-amd64.Packages', import.meta.url), 'utf8');
const k = buildEntries(suiteByName('bookworm')!, 'amd64', parseStanzas(stanzas)).find((e) => e.release === '6.1.0-50-amd64')!;

const plan = (make: string): DkmsPlan => ({
  packageName: 'acpi-call',
  packageVersion: '1.2.2',
  modules: [{ index: 0, builtName: 'acpi_call', builtLocation: '', destName: 'acpi_call', destLocation: '/extra', strip: true }],
  make,
  makeFrom: 'MAKE[0]',
  makeCommand: make.replace(/^make/, 'make -j${JOBS} KERNELRELEASE=6.1.0-50-amd64'),
  patches: [],
  errors: [],
  warnings: [],
  buildDir: '/var/lib/dkms/acpi-call/1.2.2/build',
});

let src: string;
beforeEach(async () => {
  src = join(await mkdtemp(join(tmpdir(), 'cgpu-dkid-')), 'tree');
  await mkdir(src);
  await writeFile(join(src, 'acpi_call.c'), 'int a;\n');
  await writeFile(join(src, 'dkms.conf'), 'PACKAGE_NAME="acpi-call"\n');
});

const key = async (p: DkmsPlan) => buildIdentity(k, src, undefined, [], false, { script: dkmsBuildScript(k, p), make: p.make, makeFrom: p.makeFrom });

describe('DKMS build key', () => {
  it('changes with dkms.conf, with the make command, and names what changed', async () => {
    const a = await key(plan('make -C /lib/modules/6.1.0-50-amd64/build M=/var/lib/dkms/acpi-call/1.2.2/build'));
    expect(a.inputs.dkms?.make).toContain('M=/var/lib/dkms/acpi-call/1.2.2/build');
    expect((await key(plan('make -C /lib/modules/6.1.0-50-amd64/build M=/var/lib/dkms/acpi-call/1.2.2/build'))).key).toBe(a.key);
    const b = await key(plan('make KERNEL_DIR=/lib/modules/6.1.0-50-amd64/build all'));
    expect(changedInputs(a.inputs, b.inputs)).toEqual(['build', 'dkms']);
    await writeFile(join(src, 'dkms.conf'), 'PACKAGE_NAME="acpi-call"\nBUILD_EXCLUSIVE_ARCH=x86_64\n');
    const c = await key(plan('make KERNEL_DIR=/lib/modules/6.1.0-50-amd64/build all'));
    expect(changedInputs(b.inputs, c.inputs)).toEqual(['source', 'dkms']);
  });

  it('the script answers uname -r with the target, links /lib/modules/<release>/build, and checks each module', () => {
    const s = dkmsBuildScript(k, plan('make all'));
    expect(s).toContain("echo 6.1.0-50-amd64; exit 0");
    expect(s).toContain('ln -s /usr/src/linux-headers-6.1.0-50-amd64 /lib/modules/6.1.0-50-amd64/build');
    expect(s).toContain(`eval 'make -j$JOBS KERNELRELEASE=6.1.0-50-amd64 all'`);
    expect(s).toContain(`[ -f 'acpi_call.ko' ] || { echo "@@module-missing acpi_call.ko"; exit 7; }`);
    expect(s).toContain(`strip -g 'acpi_call.ko'`);
  });

  it('kernel-src/ is never a DKMS tree; a tree with dkms.conf is', async () => {
    expect(isDkmsTree(undefined)).toBe(false);
    expect(isDkmsTree(defaultSourceDir())).toBe(false);
    expect(isDkmsTree(src)).toBe(true);
    expect(isDkmsTree(join(src, '..'))).toBe(false);
  });
});
