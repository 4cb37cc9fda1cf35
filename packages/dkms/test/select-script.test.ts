// The selection script on the host: POSIX syntax (dash), the error classification equal to the TypeScript
// one, and the early refusals a user meets (old kernel, no headers, no compiler, broken toolchain), each
// with what to install. The probe decisions themselves are compared per kernel in the live equivalence test.
import { execa } from 'execa';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MISSING_API, isMissingApi, loadSeries } from '@cgpu/patches';
import { EreError, MIN_KERNEL, selectScript, toEre } from '@cgpu/dkms';

const root = new URL('../../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'cgpu-sel-'));
const script = join(dir, 'cgpu-select-patches');
const series = await loadSeries(join(root, 'patches'));
writeFileSync(script, selectScript({ series, name: 'cgpu', version: '1.0.0', minKernel: MIN_KERNEL, patchDir: 'patches' }));
chmodSync(script, 0o755);

const runIt = (args: string[], env: Record<string, string> = {}) => execa('dash', [script, ...args], { reject: false, cwd: dir, env: { PATH: process.env['PATH']!, ...env } });

/** A fake header tree: a Makefile (what `make -C` runs) and a .config naming a compiler. */
function fakeKdir(name: string, cc: string, makefile = 'modules:\n\t@exit 0\n'): string {
  const k = join(dir, name);
  mkdirSync(k, { recursive: true });
  writeFileSync(join(k, 'Makefile'), makefile);
  writeFileSync(join(k, '.config'), `CONFIG_CC_VERSION_TEXT="${cc}"\nCONFIG_MODULES=y\n`);
  return k;
}

describe('generated script', () => {
  it('is POSIX sh (dash -n) and embeds every probe', async () => {
    expect((await execa('dash', ['-n', script], { reject: false })).exitCode).toBe(0);
    const text = selectScript({ series, name: 'cgpu', version: '1.0.0', minKernel: MIN_KERNEL, patchDir: 'patches' });
    for (const p of series.patches) expect(text).toContain(`decide ${p.name} `);
    expect(text).not.toMatch(/uname/);
  });

  it('refuses a kernel older than 5.10 with the reason', async () => {
    const r = await runIt(['4.19.0-27-amd64']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/kernel 4\.19\.0-27-amd64 is older than 5\.10, the oldest kernel cgpu supports/);
  });

  it('missing headers: names the package to install', async () => {
    const r = await runIt(['6.1.0-99-amd64', join(dir, 'nothing-here')]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/headers of kernel 6\.1\.0-99-amd64 are not installed/);
    expect(r.stderr).toMatch(/apt-get install linux-headers-6\.1\.0-99-amd64/);
  });

  it('missing compiler: names the kernel\'s compiler and its package, no wall of errors', async () => {
    const k = fakeKdir('k-nocc', 'x86_64-linux-gnu-gcc-99 (Debian 99.1.0-1) 99.1.0');
    const r = await runIt(['6.12.0-1-amd64', k]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/built with "x86_64-linux-gnu-gcc-99 \(Debian 99\.1\.0-1\) 99\.1\.0", and x86_64-linux-gnu-gcc-99 is not installed/);
    expect(r.stderr).toMatch(/apt-get install gcc-99/);
    expect(r.stderr.split('\n').length).toBeLessThan(5);
  });

  it('a toolchain that cannot build a trivial module fails the sanity probe, not as "old API"', async () => {
    const k = fakeKdir('k-broken', 'sh (fake) 1', 'modules:\n\t@echo "scripts/Makefile.build:41: *** missing separator.  Stop." >&2; exit 2\n');
    const r = await runIt(['6.1.0-1-amd64', k]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/a trivial module does not build against .*k-broken: the toolchain or the headers are broken/);
    expect(r.stderr).toMatch(/missing separator/);
    expect(r.stdout).not.toMatch(/^(apply|skip) /m);
  });
});

describe('missing-API classification: grep -E of the translated patterns == the TypeScript regexes', () => {
  // Real gcc 10..14 messages seen in the probe logs of the catalogued kernels, plus lines that must not match.
  const lines = [
    "probe_x.c:2:42: error: implicit declaration of function 'vm_flags_set' [-Werror=implicit-function-declaration]",
    "probe_x.c:3:16: error: macro \"class_create\" requires 2 arguments, but only 1 given",
    "probe_x.c:2:10: error: 'no_llseek' undeclared here (not in a function)",
    "probe_x.c:3:50: error: storage size of 'cgpu_probe_ops' isn't known",
    "probe_x.c:3:58: error: unknown field 'proc_open' specified in initializer",
    "probe_x.c:3:15: error: returning 'int' from a function with return type 'struct cgpu_probe_s *' makes pointer from integer without a cast [-Werror=int-conversion]",
    "probe_x.c:2:1: error: expected ';' before 'int'",
    "probe_x.c:1:10: fatal error: linux/nope.h: No such file or directory",
    "probe_x.c:4:7: error: 'x' redeclared as different kind of symbol",
  ];
  it('every pattern translates', () => {
    for (const re of MISSING_API) expect(() => toEre(re)).not.toThrow();
  });
  it('constructs without an exact ERE meaning are refused', () => {
    expect(() => toEre(/\bfoo/)).toThrow(EreError);
    expect(() => toEre(/a(?=b)/)).toThrow(EreError);
    expect(() => toEre(/a+?/)).toThrow(EreError);
    expect(() => toEre(/a/i)).toThrow(EreError);
  });
  it.each(lines)('%s', async (line) => {
    const pat = join(dir, 'p.ere');
    writeFileSync(pat, `${MISSING_API.map(toEre).join('\n')}\n`);
    const g = await execa('grep', ['-E', '-f', pat], { input: line, reject: false, env: { LC_ALL: 'C' } });
    expect(g.exitCode === 0).toBe(isMissingApi([line]));
  });
});
