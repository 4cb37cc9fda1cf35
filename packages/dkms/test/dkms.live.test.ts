// Live: the real dkms of each Debian release builds our package, in a container of that release:
// `apt-get install ./cgpu-dkms_*.deb` with the kernel's headers from the archive, `dkms status` says
// installed, and that very .ko (from /lib/modules/<release>/updates/dkms/) passes the QEMU smoke run of the
// same kernel, as `cgpu build` output does. Debian 12 also: the kernel-upgrade hook (a second kernel's headers
// installed afterwards), a missing compiler, a kernel older than supported, dkms's own MOK signature, and
// purge. Debian 12 without headers: a clear message and no "installed". lintian on the .deb.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inScope } from '@cgpu/common';
import { execa } from 'execa';
import { fetchKernel, loadCatalogue, resolveSpec, type KernelEntry } from '@cgpu/kernels';
import { smoke } from '@cgpu/vmtest';
import { packageDkms } from '@cgpu/dkms';
import { dkmsImage, headersImage, startBox, type Box } from './containers.js';

const root = new URL('../../..', import.meta.url).pathname;
const cli = join(root, 'cgpu');
const tmp = mkdtempSync(join(tmpdir(), 'cgpu-dkms-live-'));
const pkg = await packageDkms({ src: join(root, 'kernel-src'), seriesDir: join(root, 'patches'), out: join(tmp, 'pkg') });
const deb = basename(pkg.deb);
const all = await loadCatalogue();
const entry = (spec: string): KernelEntry => resolveSpec(spec, all, { arch: 'amd64' });
const boxes: Box[] = [];
afterAll(async () => {
  for (const b of boxes) await b.remove();
  rmSync(tmp, { recursive: true, force: true });
});

const secs = (t0: number): string => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
const installedRe = (k: KernelEntry): RegExp => new RegExp(`^cgpu[/,] ?${pkg.version.replace(/\./g, '\\.')}, ${k.release.replace(/[.+]/g, '\\$&')}, x86_64: installed`, 'm');

/** The .ko dkms installed for `k`, booted with the smoke tools of a normal `cgpu build` of the same kernel. */
async function smokeDkmsModule(box: Box, k: KernelEntry): Promise<void> {
  const t0 = Date.now();
  const b = await execa(cli, ['build', '--kernel', k.release, '--json', '--out', join(tmp, 'dist')], { reject: false, timeout: 30 * 60_000, env: { ...process.env, NO_COLOR: '1' } });
  expect(b.exitCode, b.stderr).toBe(0);
  const built = JSON.parse(b.stdout) as { dir: string; durationMs: number };
  const dir = join(tmp, `smoke-${k.release}`);
  cpSync(join(built.dir, 'tools'), join(dir, 'tools'), { recursive: true });
  const ko = join(dir, 'cgpu-dkms.ko');
  // dkms compresses the installed module as the kernel does (Debian 13: CONFIG_MODULE_COMPRESS_XZ -> .ko.xz)
  const installed = await installedKo(box, k);
  await box.cpOut(installed, `${ko}${installed.slice(installed.indexOf('.ko') + 3)}`);
  if (installed.endsWith('.xz')) await execa('xz', ['-d', `${ko}.xz`]);
  else if (installed.endsWith('.zst')) await execa('zstd', ['-d', '--rm', `${ko}.zst`]);
  else if (installed.endsWith('.gz')) await execa('gzip', ['-d', `${ko}.gz`]);
  const mi = await execa('modinfo', ['-F', 'vermagic', ko]);
  expect(mi.stdout).toMatch(new RegExp(`^${k.release.replace(/[.+]/g, '\\$&')} `));
  const s = await smoke({ kernel: await fetchKernel(k), buildDir: dir, moduleFile: ko, accel: 'auto' });
  expect(s.ok, `${s.reasons.join('; ')}\n${s.files.console}`).toBe(true);
  console.log(`${k.release}: cgpu build ${(built.durationMs / 1000).toFixed(0)} s; smoke of the dkms .ko ${(s.timings.wallMs / 1000).toFixed(0)} s (${s.accel}); ${secs(t0)} in all`);
}

/** /lib/modules/<release>/updates/dkms/cgpu.ko, or .ko.xz/.ko.zst/.ko.gz where dkms compressed it. */
async function installedKo(box: Box, k: KernelEntry): Promise<string> {
  const r = await box.sh(`ls /lib/modules/${k.release}/updates/dkms/cgpu.ko*`);
  const f = r.out.trim().split('\n')[0] ?? '';
  expect(f, r.out).toMatch(/\/cgpu\.ko(\.xz|\.zst|\.gz)?$/);
  return f;
}

async function installDeb(box: Box, k: KernelEntry): Promise<string> {
  await box.cpIn(pkg.deb, `/tmp/${deb}`);
  const t0 = Date.now();
  const r = await box.sh(`cd /tmp && DEBIAN_FRONTEND=noninteractive apt-get install -y ./${deb} 2>&1; echo "@@rc $?"; dkms status`);
  expect(r.out, r.out).toMatch(/@@rc 0/);
  expect(r.out, r.out).toMatch(installedRe(k));
  console.log(`${k.release}: apt-get install ./${deb} (dkms add + build + install) ${secs(t0)}`);
  return r.out;
}

// Debian 12 has its own group below (install, upgrade hook, failure paths, purge). In the `ci` live scope
// Debian 11 (dkms 2.8) runs only with CGPU_LIVE_SCOPE=full.
const distros: Array<{ label: string; spec: string; ci?: boolean }> = inScope([
  { label: 'Debian 11', spec: '5.10' },
  { label: 'Debian 13', spec: '6.12.117', ci: true },
  { label: 'Debian 13 + backports 7.x', spec: '7.3', ci: true },
]);

describe.each(distros)('$label: real dkms builds cgpu and the .ko passes the smoke run', ({ label, spec }) => {
  const k = entry(spec);
  let box: Box;
  beforeAll(async () => {
    const t0 = Date.now();
    box = await startBox(await headersImage(k), label);
    boxes.push(box);
    console.log(`${label}: container with dkms and linux-headers-${k.release} ready in ${secs(t0)}`);
  });

  it(`apt-get install ./${deb} -> dkms status installed for ${k.release}; smoke passes`, async () => {
    await installDeb(box, k);
    // "dkms:2.8" (Debian 11), "dkms-3.0.10" (12), "dkms-3.2.x" (13)
    const v = await box.sh('dkms --version');
    const major = Number(v.out.match(/dkms[-: ]*(\d+)\./)?.[1]);
    expect(major, v.out).toBeGreaterThanOrEqual(2);
    if (major >= 3) {
      // dkms >= 3 signs with its own MOK key when the kernel config has CONFIG_MODULE_SIG_HASH (Debian's has).
      const m = await box.sh(`modinfo -F signer ${await installedKo(box, k)}`);
      expect(m.out.trim()).toBe('DKMS module signing key');
    }
    await smokeDkmsModule(box, k);
  });
});

describe('Debian 12: install, kernel upgrade hook, failure paths, signing, purge (one container)', () => {
  const k47 = entry('6.1.0-47-amd64');
  const k50 = entry('6.1.0-50-amd64');
  let box: Box;
  beforeAll(async () => {
    box = await startBox(await headersImage(k47), 'debian-12');
    boxes.push(box);
  });

  it('installs for 6.1.0-47; dkms signs it with its MOK key (modinfo shows the signer)', async () => {
    await installDeb(box, k47);
    const m = await box.sh(`modinfo -F signer ${await installedKo(box, k47)}; ls /var/lib/dkms/mok.pub`);
    expect(m.out).toMatch(/^DKMS module signing key\n\/var\/lib\/dkms\/mok\.pub/);
  });

  it('kernel upgrade: installing 6.1.0-50 headers afterwards builds cgpu through dkms\'s own hook; that .ko passes', async () => {
    const t0 = Date.now();
    const r = await box.sh(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-headers-${k50.release} 2>&1; echo "@@rc $?"; dkms status`);
    expect(r.out, r.out).toMatch(/@@rc 0/);
    expect(r.out).toMatch(installedRe(k50));
    expect(r.out).toMatch(installedRe(k47));
    console.log(`upgrade hook: apt-get install linux-headers-${k50.release} incl. the dkms build ${secs(t0)}`);
    await smokeDkmsModule(box, k50);
  });

  it('compiler missing: the build stops naming the compiler and the package, not with compile errors', async () => {
    const r = await box.sh(`dkms remove -m cgpu -v ${pkg.version} -k ${k47.release} >/dev/null; mv /usr/bin/gcc-12 /usr/bin/gcc-12.away; dkms build -m cgpu -v ${pkg.version} -k ${k47.release} 2>&1; echo "@@rc $?"; mv /usr/bin/gcc-12.away /usr/bin/gcc-12; dkms status -m cgpu -k ${k47.release}`);
    expect(r.out).toMatch(/gcc-12 \(Debian [^"]*\) 12[^"]*", and gcc-12 is not installed/);
    expect(r.out).toMatch(/install it: apt-get install gcc-12/);
    expect(r.out).not.toMatch(/@@rc 0/);
    expect(r.out).not.toMatch(installedRe(k47));
    const again = await box.sh(`dkms install -m cgpu -v ${pkg.version} -k ${k47.release} 2>&1; echo "@@rc $?"; dkms status`);
    expect(again.out, again.out).toMatch(/@@rc 0/);
    expect(again.out).toMatch(installedRe(k47));
  });

  it('a kernel older than 5.10 is refused with a readable reason (BUILD_EXCLUSIVE_KERNEL, dkms exit 77)', async () => {
    const r = await box.sh(`mkdir -p /lib/modules/4.19.0-27-amd64; dkms build -m cgpu -v ${pkg.version} -k 4.19.0-27-amd64 2>&1; echo "@@rc $?"`);
    expect(r.out).toMatch(/BUILD_EXCLUSIVE directive which does not match this kernel/);
    expect(r.out).toMatch(/@@rc 77/);
    const s = await box.sh(`cd /usr/src/cgpu-${pkg.version} && ./cgpu-select-patches --dry-run 4.19.0-27-amd64 2>&1; echo "@@rc $?"`);
    expect(s.out).toMatch(/kernel 4\.19\.0-27-amd64 is older than 5\.10, the oldest kernel cgpu supports/);
    expect(s.out).toMatch(/@@rc 1/);
  });

  it('purge removes every file of the package, the dkms tree and the installed modules', async () => {
    const r = await box.sh(`DEBIAN_FRONTEND=noninteractive apt-get purge -y cgpu-dkms 2>&1; echo "@@rc $?"; ls -d /usr/src/cgpu-* /var/lib/dkms/cgpu /usr/share/doc/cgpu-dkms 2>&1; find /lib/modules -name 'cgpu.ko*' | sed 's/^/@@left /'; dpkg -s cgpu-dkms 2>&1 | head -2; dkms status`);
    expect(r.out, r.out).toMatch(/@@rc 0/);
    expect(r.out).toMatch(/ls: cannot access '\/usr\/src\/cgpu-\*'/);
    expect(r.out).toMatch(/ls: cannot access '\/var\/lib\/dkms\/cgpu'/);
    expect(r.out).toMatch(/ls: cannot access '\/usr\/share\/doc\/cgpu-dkms'/);
    expect(r.out).not.toMatch(/@@left /); // dkms's own output names cgpu.ko while removing it
    expect(r.out).toMatch(/package 'cgpu-dkms' is not installed/);
  });
});

describe('Debian 12 without headers', () => {
  it('the install says the headers are missing, nothing is "installed", and dkms build exits non-zero naming the package', async () => {
    const box = await startBox(await dkmsImage('bookworm'), 'debian-12-noheaders');
    boxes.push(box);
    const k = entry('6.1.0-50-amd64');
    await box.cpIn(pkg.deb, `/tmp/${deb}`);
    // A kernel (its modules dir) without headers: what a user has after installing only linux-image.
    const r = await box.sh(`mkdir -p /lib/modules/${k.release}; cd /tmp && DEBIAN_FRONTEND=noninteractive apt-get install -y ./${deb} 2>&1; echo "@@rc $?"; dkms status`);
    expect(r.out).toMatch(/@@rc 0/); // as every dh-dkms package: the kernel without headers is skipped, not an error
    expect(r.out).not.toMatch(/: installed/);
    const b = await box.sh(`dkms build -m cgpu -v ${pkg.version} -k ${k.release} 2>&1; echo "@@rc $?"`);
    expect(b.out).toMatch(new RegExp(`install the linux-headers-${k.release.replace(/\./g, '\\.')} package`));
    expect(b.out).not.toMatch(/@@rc 0/);
    const s = await box.sh(`cd /usr/src/cgpu-${pkg.version} && ./cgpu-select-patches ${k.release} 2>&1; echo "@@rc $?"`);
    expect(s.out).toMatch(new RegExp(`install them: apt-get install linux-headers-${k.release.replace(/\./g, '\\.')}`));
    expect(s.out).toMatch(/@@rc 1/);
  });
});

describe('lintian', () => {
  it('shows no errors on the .deb (warnings are listed in packages/dkms/README.md)', async () => {
    const r = await execa('lintian', ['--no-cfg', '--tag-display-limit', '0', pkg.deb], { reject: false, timeout: 5 * 60_000 });
    const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^[EWI]: /.test(l));
    console.log(`lintian: ${lines.join(' | ') || 'clean'}`);
    expect(lines.filter((l) => l.startsWith('E: '))).toEqual([]);
  });
});
