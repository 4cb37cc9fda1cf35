// Live: the PVH vmlinux and the bzImage of 6.1 amd64 give the same verdict, under TCG, on the good module and on
// a broken one (fixtures/variants/null-deref-open.patch: open() oopses; the shortest broken run, since
// oops=panic ends the boot). Real Debian kernel, real QEMU, the real module built in its container.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { fetchKernel, loadCatalogue, resolveSpec, type FetchedKernel } from '@cgpu/kernels';
import { smoke, type SmokeResult } from '@cgpu/vmtest';

const root = new URL('../../..', import.meta.url).pathname;
const cli = join(root, 'cgpu');
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function temp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

async function build(extra: string[]): Promise<string> {
  const r = await execa(cli, ['build', '--kernel', '6.1', '--json', ...extra], { reject: false, timeout: 30 * 60_000, env: { ...process.env, NO_COLOR: '1' } });
  expect(r.exitCode, r.stderr.slice(-2000)).toBe(0);
  // A copy, so the reports of these runs do not overwrite dist/.
  const dir = temp('cgpu-pvh-build-');
  cpSync((JSON.parse(r.stdout) as { dir: string }).dir, dir, { recursive: true });
  return dir;
}

/** The verdict without what legitimately differs between two boots: console timestamps and whatever user-space
 * output the kernel's message cut into on that line, and addresses (KASLR is applied by the bzImage's
 * decompressor only). */
function verdictOf(r: SmokeResult): unknown {
  return {
    ok: r.ok,
    timedOut: r.timedOut,
    reasons: r.reasons.map((x) => x.replace(/^(kernel splat: [^:]+: ).*?\[\s*\d+\.\d+\] /, '$1').replace(/\[\s*\d+\.\d+\]/g, '[T]').replace(/\b(0x)?[0-9a-f]{8,16}\b/g, 'ADDR').replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+/g, '+OFF')),
    summaries: r.summaries.map((s) => ({ abi: s.abi, passed: s.passed, failed: s.failed })),
  };
}

async function bothPaths(kernel: FetchedKernel, buildDir: string, timeoutMs: number): Promise<[SmokeResult, SmokeResult]> {
  const pvh = await smoke({ kernel, buildDir, accel: 'tcg', timeoutMs, bootFile: 'auto' });
  const bz = await smoke({ kernel, buildDir, accel: 'tcg', timeoutMs, bootFile: 'bzimage' });
  return [pvh, bz];
}

describe('PVH and bzImage boots of 6.1 amd64 agree', () => {
  let kernel: FetchedKernel;

  it('good module: both pass, with the same checks', async () => {
    kernel = await fetchKernel(resolveSpec('6.1', await loadCatalogue(), { arch: 'amd64' }));
    const [pvh, bz] = await bothPaths(kernel, await build([]), 120_000);
    expect(pvh.boot.kind).toBe('pvh');
    expect(pvh.boot.why).toMatch(/xz payload with a PVH entry/);
    expect(bz.boot).toMatchObject({ kind: 'bzimage', file: kernel.vmlinuz });
    expect(pvh.ok, pvh.reasons.join('; ')).toBe(true);
    expect(verdictOf(pvh)).toEqual(verdictOf(bz));
    expect(pvh.summaries.map((s) => s.abi)).toEqual(['64', '32']);
  });

  it('broken module (null-deref-open): both fail on the Oops', async () => {
    const tree = temp('cgpu-pvh-variant-');
    cpSync(join(root, 'kernel-src'), tree, { recursive: true });
    await execa('patch', ['-p1', '--fuzz=0', '-d', tree, '-i', join(root, 'packages/vmtest/test/fixtures/variants/null-deref-open.patch')]);
    const dir = await build(['--src', tree, '--series', join(root, 'patches'), '--out', temp('cgpu-pvh-out-')]);
    const [pvh, bz] = await bothPaths(kernel, dir, 120_000);
    expect(pvh.boot.kind).toBe('pvh');
    expect(pvh.ok).toBe(false);
    expect(pvh.reasons.join('\n')).toMatch(/kernel splat: (BUG|Oops)/);
    expect(verdictOf(pvh)).toEqual(verdictOf(bz));
  });
});
