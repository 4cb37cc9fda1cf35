// cgpu package dkms on the host: what dpkg-deb, rpm and tar see in the three files, reproducibility, and
// the warm (nothing changed) path. lintian runs in the live file (it takes ~15 s).
import { execa } from 'execa';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageDkms } from '@cgpu/dkms';

const root = new URL('../../..', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'cgpu-pkg-'));
const r = await packageDkms({ src: join(root, 'kernel-src'), seriesDir: join(root, 'patches'), out, epoch: 1_790_000_000 });
const sh = async (cmd: string, args: string[]) => (await execa(cmd, args)).stdout;

describe('the .deb', () => {
  it('is named from MODULE_VERSION and looks like dh --with dkms output', async () => {
    expect(r.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.deb).toBe(join(out, `cgpu-dkms_${r.version}_all.deb`));
    const f = (field: string) => sh('dpkg-deb', ['-f', r.deb, field]);
    expect(await f('Package')).toBe('cgpu-dkms');
    expect(await f('Architecture')).toBe('all');
    expect(await f('Depends')).toMatch(/^dkms\b/);
    const files = await sh('dpkg-deb', ['-c', r.deb]);
    const src = `./usr/src/cgpu-${r.version}/`;
    for (const p of ['dkms.conf', 'Kbuild', 'Makefile', 'cgpu-km.c', 'include/uapi/cgpu.h', 'patches/series.yaml', 'patches/0001-procfs-proc-ops.patch']) {
      expect(files).toMatch(new RegExp(`-rw-r--r-- root/root .* ${(src + p).replace(/[.+]/g, '\\$&')}$`, 'm'));
    }
    expect(files).toMatch(new RegExp(`-rwxr-xr-x root/root .* ${src.replace(/\./g, '\\.')}cgpu-select-patches$`, 'm'));
    expect(files).not.toMatch(/tools\/|\.ko$|\.o$/m);
  });

  it('postinst hands over to common.postinst; prerm removes every kernel\'s build', async () => {
    const d = mkdtempSync(join(tmpdir(), 'cgpu-ctrl-'));
    await execa('dpkg-deb', ['-e', r.deb, d]);
    expect(readFileSync(join(d, 'postinst'), 'utf8')).toContain(`/usr/lib/dkms/common.postinst cgpu ${r.version} /usr/share/cgpu-dkms "" "$2"`);
    expect(readFileSync(join(d, 'prerm'), 'utf8')).toContain(`dkms remove -m cgpu -v ${r.version} --all`);
    for (const s of ['postinst', 'prerm', 'postrm']) expect((await execa('dash', ['-n', join(d, s)], { reject: false })).exitCode).toBe(0);
  });

  it('the same inputs give the same bytes, and a warm run keeps the files', async () => {
    const out2 = mkdtempSync(join(tmpdir(), 'cgpu-pkg2-'));
    const r2 = await packageDkms({ src: join(root, 'kernel-src'), seriesDir: join(root, 'patches'), out: out2, epoch: 1_790_000_000 });
    expect(readFileSync(r2.deb).equals(readFileSync(r.deb))).toBe(true);
    expect(readFileSync(r2.tarball).equals(readFileSync(r.tarball))).toBe(true);
    const t = Date.now();
    const warm = await packageDkms({ src: join(root, 'kernel-src'), seriesDir: join(root, 'patches'), out: out2, epoch: 1_790_000_000 });
    expect(warm.cached).toBe(true);
    expect(Date.now() - t).toBeLessThan(3000);
  });

  it('--sign-key/--sign-cert ship a dkms framework conffile with those paths (never a key)', async () => {
    const o = mkdtempSync(join(tmpdir(), 'cgpu-pkg3-'));
    const s = await packageDkms({ src: join(root, 'kernel-src'), seriesDir: join(root, 'patches'), out: o, epoch: 1_790_000_000, signKey: '/etc/cgpu/signing.key', signCert: '/etc/cgpu/signing.der' });
    const d = mkdtempSync(join(tmpdir(), 'cgpu-x-'));
    await execa('dpkg-deb', ['-x', s.deb, d]);
    const conf = readFileSync(join(d, 'etc/dkms/framework.conf.d/cgpu-signing.conf'), 'utf8');
    expect(conf).toContain('mok_signing_key="/etc/cgpu/signing.key"');
    expect(conf).toContain('mok_certificate="/etc/cgpu/signing.der"');
    expect(await sh('dpkg-deb', ['-I', s.deb, 'conffiles'])).toBe('/etc/dkms/framework.conf.d/cgpu-signing.conf');
    await expect(packageDkms({ src: join(root, 'kernel-src'), seriesDir: join(root, 'patches'), out: o, signKey: 'relative.key', signCert: '/x.der' })).rejects.toThrow(/absolute paths/);
  });
});

describe('the ldtarball and the RPM', () => {
  it('the tarball holds dkms_source_tree/ with dkms.conf, as dkms ldtarball expects', async () => {
    expect(r.tarball).toBe(join(out, `cgpu-${r.version}.dkms.tar.gz`));
    const list = (await sh('tar', ['tzf', r.tarball])).split('\n');
    expect(list).toContain('dkms_source_tree/dkms.conf');
    expect(list).toContain('dkms_source_tree/cgpu-select-patches');
    expect(list).toContain('dkms_source_tree/patches/series.yaml');
  });

  it('rpm -qlp lists the tree; rpm -qp --scripts shows %post and %preun calling dkms', async () => {
    expect(await sh('rpm', ['-qp', '--qf', '%{NAME} %{VERSION} %{ARCH}', r.rpm])).toBe(`cgpu-dkms ${r.version} noarch`);
    const files = (await sh('rpm', ['-qlp', r.rpm])).split('\n');
    expect(files).toContain(`/usr/src/cgpu-${r.version}/dkms.conf`);
    expect(files).toContain(`/usr/src/cgpu-${r.version}/cgpu-select-patches`);
    expect(files).toContain(`/usr/src/cgpu-${r.version}/patches/0010-ida-alloc.patch`);
    const scripts = await sh('rpm', ['-qp', '--scripts', r.rpm]);
    expect(scripts).toMatch(/postinstall scriptlet[^\n]*\n[\s\S]*dkms add -m cgpu -v /);
    expect(scripts).toMatch(/dkms build -m cgpu -v [^\n]* && dkms install -m cgpu/);
    expect(scripts).toMatch(/preuninstall scriptlet[^\n]*\n[\s\S]*dkms remove -m cgpu -v [^\n]* --all/);
    expect(await sh('rpm', ['-qp', '--requires', r.rpm])).toMatch(/^dkms$/m);
    const perms = await sh('rpm', ['-qp', '--qf', '[%{FILEMODES:perms} %{FILENAMES}\n]', r.rpm]);
    expect(perms).toMatch(/-rwxr-xr-x \/usr\/src\/cgpu-[^/]+\/cgpu-select-patches/);
  });
});
