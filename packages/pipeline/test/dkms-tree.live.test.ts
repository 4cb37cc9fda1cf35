// A DKMS tree of another project, from Debian's archive (bookworm's acpi-call-dkms), built the dkms way for
// 6.1 and booted in the generic smoke mode. Its Makefile finds the kernel by `uname -r` when dkms.conf's MAKE
// is a bare `make` (as many trees have): the container must answer with the target release. A
// BUILD_EXCLUSIVE_KERNEL that rules the kernel out is a skip, not a failure. Real archive, dockerd, QEMU (TCG).
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '@cgpu/common';
import { moduleInfo } from '@cgpu/builder';
import { ensureDeb, resolvePackage, type KernelEntry } from '@cgpu/kernels';
import { dkmsBuildSteps, genericSmokeSteps, resolveKernel, runSteps, type DkmsBuildContext, type GenericSmokeContext } from '../src/index.js';

let base: string;
let tree: string;
let kernel: KernelEntry;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'cgpu-dkmstree-'));
  const deb = await resolvePackage('bookworm', 'amd64', 'acpi-call-dkms');
  await run('dpkg-deb', ['-x', (await ensureDeb(deb)).path, join(base, 'deb')], { timeoutMs: 60_000 });
  const [dir] = await readdir(join(base, 'deb/usr/src'));
  tree = join(base, 'tree');
  await cp(join(base, 'deb/usr/src', dir!), tree, { recursive: true });
  kernel = await resolveKernel('6.1', { arch: 'amd64' });
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const setConf = async (dir: string, edit: (s: string) => string): Promise<void> => {
  await writeFile(join(dir, 'dkms.conf'), edit(await readFile(join(dir, 'dkms.conf'), 'utf8')));
};

describe('a foreign DKMS tree', () => {
  it('builds with MAKE[0]="make" (the Makefile asks uname -r) and passes the generic smoke', async () => {
    await setConf(tree, (s) => s.replace(/^MAKE\[0\]=.*$/m, 'MAKE[0]="make"'));
    const t0 = Date.now();
    const ctx: GenericSmokeContext = { kernel, opts: { src: tree, out: join(base, 'dist'), accel: 'tcg' } };
    await runSteps(genericSmokeSteps(true), ctx);
    expect(ctx.dkms?.plan.makeCommand).toBe(`make -j\${JOBS} KERNELRELEASE=${kernel.release}`);
    expect(ctx.result?.modules.map((m) => m.file)).toEqual(['acpi_call.ko']);
    const ko = join(ctx.result!.dir, 'acpi_call.ko');
    expect((await moduleInfo(ko))['vermagic']).toMatch(new RegExp(`^${kernel.release.replace(/[.+]/g, '\\$&')} `));
    expect(ctx.result!.dir).toBe(join(base, 'dist', 'acpi-call', kernel.release));
    expect(ctx.smoke?.reasons).toEqual([]);
    expect(ctx.smoke?.ok).toBe(true);
    const marks = (await readFile(ctx.smoke!.files.console, 'utf8')).split('\n').filter((l) => /@@cgpu (insmod|rmmod) /.test(l));
    expect(marks).toEqual(['@@cgpu insmod ok acpi_call', '@@cgpu rmmod ok acpi_call']);
    console.log(`build + generic smoke: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it('a BUILD_EXCLUSIVE_KERNEL that does not match is skipped with its reason', async () => {
    const skip = join(base, 'skip');
    await cp(tree, skip, { recursive: true });
    await setConf(skip, (s) => `${s}\nBUILD_EXCLUSIVE_KERNEL="^4\\."\n`);
    const ctx: DkmsBuildContext = { kernel, opts: { src: skip, out: join(base, 'dist') } };
    await runSteps(dkmsBuildSteps(), ctx);
    expect(ctx.skipped).toBe(`BUILD_EXCLUSIVE_KERNEL "^4\\." does not match ${kernel.release}`);
    expect(ctx.result).toBeUndefined();
  });
});
