// dkms.conf and its regex, checked with the real bash that dkms uses; the module version rules.
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dkmsConf, kernelAtLeastRegex, moduleVersionFrom } from '@cgpu/dkms';

const conf = dkmsConf({ name: 'cgpu', version: '1.0.0', minKernel: '5.10', selectScript: 'cgpu-select-patches' });
const dir = mkdtempSync(join(tmpdir(), 'cgpu-conf-'));
writeFileSync(join(dir, 'dkms.conf'), conf);

async function source(pre: string): Promise<string> {
  const r = await execa('bash', ['-euc', `${pre}; . ${dir}/dkms.conf; printf '%s\\n' "$PACKAGE_NAME" "$PACKAGE_VERSION" "\${BUILT_MODULE_NAME[0]}" "\${DEST_MODULE_LOCATION[0]}" "$AUTOINSTALL" "$PRE_BUILD" "\${MAKE[0]}"`]);
  return r.stdout;
}

describe('dkms.conf', () => {
  it('sources cleanly with no kernel set (dkms add, common.postinst), even under set -u', async () => {
    const out = (await source('true')).split('\n');
    expect(out.slice(0, 5)).toEqual(['cgpu', '1.0.0', 'cgpu', '/updates/dkms', 'yes']);
  });
  it('with a kernel set: MAKE and PRE_BUILD name that kernel and its headers, never uname -r', async () => {
    const out = (await source('kernelver=6.1.0-50-amd64; kernel_source_dir=/lib/modules/6.1.0-50-amd64/build')).split('\n');
    expect(out[5]).toBe('cgpu-select-patches 6.1.0-50-amd64 /lib/modules/6.1.0-50-amd64/build');
    expect(out[6]).toBe('make -f Makefile.dkms KERNELRELEASE=6.1.0-50-amd64 KDIR=/lib/modules/6.1.0-50-amd64/build');
    const code = conf.split('\n').filter((l) => !l.startsWith('#')).join('\n');
    expect(code).not.toMatch(/uname|PATCH\[/);
  });
});

describe('BUILD_EXCLUSIVE_KERNEL for >= 5.10, matched by bash =~ as dkms does', () => {
  const re = kernelAtLeastRegex('5.10');
  const cases: Array<[string, boolean]> = [
    ['5.10.0-32-amd64', true], ['5.15.0-91-generic', true], ['5.100.1', true], ['6.1.0-50-amd64', true], ['6.12.117+deb13-amd64', true],
    ['7.3.4+deb13-amd64', true], ['10.0.0', true], ['5.9.0-1-amd64', false], ['5.4.0-150-generic', false], ['4.19.0-27-amd64', false],
    ['3.10.0-1160.el7.x86_64', false], ['5.1.0', false], ['5.10', true],
  ];
  it.each(cases)('%s -> %s', async (rel, want) => {
    const r = await execa('bash', ['-c', `[[ "$1" =~ $2 ]]`, 'x', rel, re], { reject: false });
    expect(r.exitCode === 0).toBe(want);
  });
  it('other bounds', () => {
    expect(kernelAtLeastRegex('6.1')).toBe('^(6\\.([1-9]|[1-9][0-9]+)|([7-9]|[1-9][0-9]+)\\.[0-9]+)([.+~-]|$)');
    expect(() => kernelAtLeastRegex('6')).toThrow();
  });
});

describe('module version', () => {
  it('follows MODULE_VERSION(MACRO) to its #define (as kernel-src does)', () => {
    const files = new Map([['a.c', 'MODULE_VERSION(CGPU_VERSION_STR);'], ['p.h', '#define CGPU_VERSION_STR\t"1.2.3"']]);
    expect(moduleVersionFrom(files)).toBe('1.2.3');
  });
  it('takes a literal', () => expect(moduleVersionFrom(new Map([['a.c', 'MODULE_VERSION("2.0.0-rc.1");']]))).toBe('2.0.0-rc.1'));
  it('refuses a version that is not semver, or none', () => {
    expect(() => moduleVersionFrom(new Map([['a.c', 'MODULE_VERSION("1.0");']]))).toThrow(/not a semantic version/);
    expect(() => moduleVersionFrom(new Map([['a.c', 'int x;']]))).toThrow(/no MODULE_VERSION/);
    expect(() => moduleVersionFrom(new Map([['a.c', 'MODULE_VERSION(NOPE);']]))).toThrow(/cannot find/);
  });
});
