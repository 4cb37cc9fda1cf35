import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareVer, dkmsVer, ereMatch, evalScript, interpret, packageOf, parseEvalOutput, targetEnv, type DkmsTarget } from '../src/index.js';

const fx = (f: string): string => join(import.meta.dirname, 'fixtures', f);
const script = join(mkdtempSync(join(tmpdir(), 'dkmsconf-test-')), 'eval.sh');
writeFileSync(script, evalScript());

/** Evaluate a fixture with bash as dkms would; with `config`, kernel_source_dir is a temp dir holding it as .config. */
function evaluate(conf: string, t: DkmsTarget, config?: string) {
  const env: Record<string, string> = { PATH: '/usr/bin:/bin', ...targetEnv(t) };
  if (config) {
    env['kernel_source_dir'] = mkdtempSync(join(tmpdir(), 'dkmsconf-ksrc-'));
    copyFileSync(fx(config), join(env['kernel_source_dir'], '.config'));
  }
  const out = execFileSync('bash', [script, fx(conf)], { env, encoding: 'latin1' });
  return parseEvalOutput(out);
}

/** dkms reads the file once without module/version to add the tree, then with them. */
function plan(conf: string, kernelver: string, arch = 'x86_64', config?: string, legacyExclusive = false) {
  const bare = { kernelver, arch, module: '', moduleVersion: '' };
  const pkg = packageOf(evaluate(conf, bare, config));
  const t = { ...bare, module: pkg.name, moduleVersion: pkg.version };
  return interpret(evaluate(conf, t, config), t, { legacyExclusive });
}

describe('dkms.conf evaluation (real Debian trees)', () => {
  it('xtrx: the dkms default make command, with KERNELRELEASE, in dkms build dir', () => {
    const p = plan('xtrx-trixie.dkms.conf', '6.1.0-50-amd64', 'x86_64', 'config-full');
    expect(p.makeFrom).toBe('dkms default');
    expect(p.make).toBe('make -C /lib/modules/6.1.0-50-amd64/build M=/var/lib/dkms/xtrx/0.0.1+git20190320.5ae3a3e/build');
    expect(p.makeCommand).toBe('make -j${JOBS} KERNELRELEASE=6.1.0-50-amd64 -C /lib/modules/6.1.0-50-amd64/build M=/var/lib/dkms/xtrx/0.0.1+git20190320.5ae3a3e/build');
    expect(p.modules).toEqual([{ index: 0, builtName: 'xtrx', builtLocation: '', destName: 'xtrx', destLocation: '/kernel/drivers/media/radio', strip: true }]);
    expect(p.skip).toBeUndefined();
    expect(p.errors).toEqual([]);
  });

  it('xtrx: BUILD_EXCLUSIVE_CONFIG and _KERNEL_MIN skip, with the reason', () => {
    expect(plan('xtrx-trixie.dkms.conf', '6.1.0-50-amd64', 'x86_64', 'config-nopci').skip).toBe('BUILD_EXCLUSIVE_CONFIG: the kernel lacks CONFIG_PCI');
    expect(plan('xtrx-trixie.dkms.conf', '3.16.0-11-amd64', 'x86_64', 'config-full').skip).toBe('kernel 3.16.0-11-amd64 is older than BUILD_EXCLUSIVE_KERNEL_MIN 3.18');
    // Debian 12's dkms 3.0.10 knows neither _CONFIG nor _KERNEL_MIN: it builds both.
    expect(plan('xtrx-trixie.dkms.conf', '6.1.0-50-amd64', 'x86_64', 'config-nopci', true).skip).toBeUndefined();
    expect(plan('xtrx-trixie.dkms.conf', '3.16.0-11-amd64', 'x86_64', 'config-full', true).skip).toBeUndefined();
    // Without a kernel config dkms does not check the symbols at all.
    expect(plan('xtrx-trixie.dkms.conf', '6.1.0-999-amd64').skip).toBeUndefined();
  });

  it('v4l2loopback: the .config sourced by dkms.conf decides BUILD_EXCLUSIVE_KERNEL', () => {
    const ok = plan('v4l2loopback-0.12.7.dkms.conf', '6.1.0-50-amd64', 'x86_64', 'config-full');
    expect(ok.skip).toBeUndefined();
    // kernel_source_dir is the test's temp dir here (dkms: /lib/modules/<kernelver>/build).
    expect(ok.makeCommand).toMatch(/^make -j\$\{JOBS\} KERNELRELEASE=6\.1\.0-50-amd64 KERNEL_DIR=\/tmp\/dkmsconf-ksrc-\w+ all$/);
    expect(ok.warnings).toContain('CLEAN is deprecated (dkms ignores it)');
    const no = plan('v4l2loopback-0.12.7.dkms.conf', '6.1.0-50-amd64', 'x86_64', 'config-nopci');
    expect(no.skip).toBe('BUILD_EXCLUSIVE_KERNEL "REQUIRES CONFIG_VIDEO_DEV" does not match 6.1.0-50-amd64');
  });

  it('tp_smapi: three modules share one index per record', () => {
    const p = plan('tp-smapi-0.44.dkms.conf', '6.12.117+deb13-amd64');
    expect(p.modules.map((m) => [m.builtName, m.destLocation])).toEqual([
      ['thinkpad_ec', '/extra'],
      ['tp_smapi', '/extra'],
      ['hdaps', '/kernel/drivers/platform/x86'],
    ]);
    expect(p.make.endsWith('HDAPS=1')).toBe(true);
  });
});

describe('dkms.conf rules (synthetic fixtures)', () => {
  it('MAKE_MATCH picks MAKE[1] for 6.x and the second expansion fills $kernelver and $arch', () => {
    const p = plan('make-match.dkms.conf', '6.12.117+deb13-amd64');
    expect(p.make).toBe('make KVER=6.12.117+deb13-amd64 ARCH_SEEN=x86_64 new');
    expect(p.makeFrom).toBe('MAKE[1] (MAKE_MATCH[1] "^6\\." matched)');
    expect(p.patches).toEqual(['always.patch']);
    expect(p.preBuild).toBe('configure --kver=6.12.117+deb13-amd64');
    expect(p.modules[0]).toMatchObject({ builtLocation: 'src/', strip: false, destLocation: '/updates/dkms' });
  });

  it('no MAKE_MATCH[0]: MAKE[0] when no other matches; PATCH_MATCH picks the 5.x patch', () => {
    const p = plan('make-match.dkms.conf', '5.10.0-32-amd64');
    expect(p.makeFrom).toBe('MAKE[0]');
    expect(p.make).toBe('make -C /lib/modules/5.10.0-32-amd64/build M=/var/lib/dkms/mm/1.0/build');
    expect(p.patches).toEqual(['old-api.patch', 'always.patch']);
  });

  it('MAKE_MATCH[0] set and not matching: no MAKE at all, the dkms default', () => {
    const c = parseEvalOutput('V\0PACKAGE_NAME\x000\0m\0V\0PACKAGE_VERSION\x000\x001\0V\0MAKE\x000\0make a\0V\0MAKE_MATCH\x000\0^7\\.\0V\0DEST_MODULE_LOCATION\x000\0/extra\0');
    const p = interpret(c, { kernelver: '6.1.0-50-amd64', arch: 'x86_64', module: 'm', moduleVersion: '1' });
    expect(p.makeFrom).toBe('dkms default');
    expect(p.makeCommand).toBe('make -j${JOBS} KERNELRELEASE=6.1.0-50-amd64 -C /lib/modules/6.1.0-50-amd64/build M=/var/lib/dkms/m/1/build');
    expect(p.modules[0]?.builtName).toBe('m');
  });

  it('BUILD_EXCLUSIVE_ARCH is matched against uname -m (dkms arch)', () => {
    expect(plan('make-match.dkms.conf', '6.1.0-50-amd64', 'x86_64').skip).toBeUndefined();
    expect(plan('make-match.dkms.conf', '6.1.0-50-armmp', 'armv7l').skip).toBe('BUILD_EXCLUSIVE_ARCH "x86_64|aarch64" does not match armv7l');
    expect(plan('make-match.dkms.conf', '6.1.0-50-armmp', 'armv7l', undefined, true).skip).toBe('BUILD_EXCLUSIVE_ARCH "x86_64|aarch64" does not match armv7l');
  });

  it("refuses what dkms's read_conf refuses; stdout of dkms.conf is discarded", () => {
    const p = plan('bad.dkms.conf', '6.1.0-50-amd64');
    expect(p.errors).toEqual([
      "'BUILT_MODULE_NAME' directive ends in '.o' or '.ko' in record #0.",
      "'DEST_MODULE_NAME' directive ends in '.o' or '.ko' in record #0.",
      "Directive 'DEST_MODULE_LOCATION' does not begin with '/kernel', '/updates', or '/extra' in record #0.",
    ]);
  });

  it('sourced with no kernel set (as dh-dkms does) it still gives the package', () => {
    const c = evaluate('v4l2loopback-0.12.7.dkms.conf', { kernelver: '', arch: '', module: '', moduleVersion: '' });
    expect(packageOf(c)).toEqual({ name: 'v4l2loopback', version: '0.12.7' });
  });
});

describe('parseEvalOutput', () => {
  it('reads sparse arrays, facts and config symbols', () => {
    const c = parseEvalOutput('V\0MAKE\x003\0make x\0F\0config_present\0yes\0K\0CONFIG_PCI\0n\0');
    expect(c).toEqual({ vars: { MAKE: { 3: 'make x' } }, facts: { config_present: 'yes' }, kconfig: { CONFIG_PCI: false } });
  });
  it('rejects a truncated or foreign record', () => {
    expect(() => parseEvalOutput('V\0MAKE\0x\0')).toThrow(/truncated/);
    expect(() => parseEvalOutput('hello\0')).toThrow(/record kind/);
  });
});

describe('dkms VER and bash =~', () => {
  it('pads numbers to three digits and compares as strings', () => {
    expect(dkmsVer('2.6.9-1cvs200409091247')).toBe('002.006.009-001cvs200409091247');
    expect(compareVer('6.12.117+deb13-amd64', '6.2')).toBe(1);
    expect(compareVer('4.19.0', '4.4')).toBe(1);
    expect(compareVer('3.16.0', '3.18')).toBe(-1);
  });
  it('is unanchored ERE with POSIX classes', () => {
    expect(ereMatch('6.1.0-50-amd64', '^6\\.')).toBe(true);
    expect(ereMatch('6.1.0-50-amd64', 'amd64$')).toBe(true);
    expect(ereMatch('6.1.0-50-amd64', '^[[:digit:]]+\\.1\\.')).toBe(true);
    expect(ereMatch('5.10.0', '^6\\.')).toBe(false);
  });
});
