// Live: real QEMU (TCG unless a bounded KVM probe passes), real Debian kernels, the real module.
// The good module must pass on 6.1, a warm run within 12 s outside its trinity stage; each broken variant must
// fail for its own reason, within its time limit.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { fetchKernel, loadCatalogue, resolveSpec } from '@cgpu/kernels';
import { smoke } from '@cgpu/vmtest';

const root = new URL('../../..', import.meta.url).pathname;
const cli = join(root, 'cgpu');
const variants = join(root, 'packages/vmtest/test/fixtures/variants');

async function cgpu(args: string[]) {
  return execa(cli, args, { reject: false, env: { ...process.env, NO_COLOR: '1' }, timeout: 30 * 60_000 });
}

interface SmokeJson {
  ok: boolean;
  reasons: string[];
  summaries: Array<{ abi: string; passed: number; failed: number }>;
  timings: { wallMs: number; bootMs: number };
  taintAfter?: number;
  timedOut: boolean;
  firmware: { name: string; file?: string };
  build: { reused: boolean; why?: string };
  fuzz: Array<{ tool: string; targets?: unknown[] }>;
  boot: { kind: string };
  stages: Record<string, number>;
  initrd: string;
  files: { console: string; junit: string };
}

describe('cgpu smoke --kernel 6.1 (good module)', () => {
  it('passes: 64- and 32-bit scenarios, unload, no splat, taint O|E only, and JUnit written', async () => {
    const r = await cgpu(['smoke', '--kernel', '6.1', '--rebuild', '--json']);
    expect(r.exitCode, r.stderr + r.stdout.slice(0, 3000)).toBe(0);
    const s = JSON.parse(r.stdout) as SmokeJson;
    expect(s.ok).toBe(true);
    expect(s.summaries.map((x) => x.abi)).toEqual(['64', '32']);
    for (const x of s.summaries) expect(x.failed).toBe(0);
    expect((s.taintAfter ?? 0) & ~(4096 | 8192)).toBe(0);
    expect(readFileSync(s.files.junit, 'utf8')).toMatch(/<testsuite name="cgpu\.6\.1\.0-\d+-amd64" tests="\d+" failures="0"/);
  });

  it('a warm run reuses the build, boots the fast path, and outside its trinity stage takes under 12 s', async () => {
    const t = Date.now();
    const r = await cgpu(['smoke', '--kernel', '6.1', '--json']);
    const ms = Date.now() - t;
    expect(r.exitCode, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as SmokeJson;
    // What makes a warm run warm, asserted as facts rather than inferred from a clock: the module of the
    // previous test is reused, and the guest boots the uncompressed vmlinux through PVH (issue 13).
    expect(s.build.reused, s.build.why).toBe(true);
    expect(s.boot.kind).toBe('pvh');
    // The clock, less the trinity stage, and that stage on its own. trinity ends by count or at its own limit
    // (5 s per victim, 2 victims: init-script.ts; one that needs the SIGKILL after it fails the verdict), so the
    // stage is ~11 s at most; it took 2.9-5.7 s here in runs of the same build, 9-10 s with both cores busy
    // elsewhere. The old check, 15 s on the whole run, failed a CI run at 15.7 s, split unknown. It allowed at
    // most 12.1 s outside trinity (which never took under 2.9 s); 12 s keeps that ceiling for every run, not
    // only for runs whose trinity was quick. Given up: a bound on the sum. Outside trinity, node's start-up
    // included, a run took 5.5-6.3 s here quiet, 7.1-8.3 s beside one busy-looping process and 11.4-14.3 s
    // beside two, so this needs a runner not saturated by others (ci/test.sh runs live files one at a time).
    // `ms` is the host's clock, the stage the guest's uptime: a guest clock lagging under TCG only makes the
    // check stricter.
    if (process.env['CGPU_TRINITY'] !== '0') expect(s.fuzz.find((f) => f.tool === 'trinity')?.targets?.length).toBe(2);
    const fuzzMs = (s.stages['scenario-done']! - s.stages['fuzz']!) * 1000;
    const split = `wall ${ms} ms, trinity stage ${fuzzMs} ms; timings ${JSON.stringify(s.timings)}; stages ${JSON.stringify(s.stages)}`;
    expect(fuzzMs, split).toBeGreaterThanOrEqual(0);
    expect(fuzzMs, split).toBeLessThan(12_000);
    expect(ms - fuzzMs, split).toBeLessThan(12_000);
    // Issue 13: qboot (Debian's qemu-system-data ships it, ci/setup.sh installs it) and a zstd initramfs
    // (Debian 12's 6.1 has CONFIG_RD_ZSTD). qboot writes no terminal escapes, unlike SeaBIOS.
    expect(s.firmware.name).toBe('qboot');
    expect(s.firmware.file).toMatch(/\/qboot\.rom$/);
    expect(s.initrd).toMatch(/\.cpio\.zst$/);
    expect(readFileSync(s.files.console, 'utf8')).not.toContain('\u001b');
  });

  it("passes with QEMU's own firmware too (CGPU_FIRMWARE=default)", async () => {
    const r = await execa(cli, ['smoke', '--kernel', '6.1', '--json'], { reject: false, env: { ...process.env, NO_COLOR: '1', CGPU_FIRMWARE: 'default' }, timeout: 5 * 60_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as SmokeJson;
    expect(s.firmware.name).toBe('default');
    expect(readFileSync(s.files.console, 'utf8')).toContain('SeaBIOS');
  });

  it('refuses an unknown CGPU_FIRMWARE with exit 2 before any build', async () => {
    // An empty output root: a build would have to start from nothing and would leave its directory there.
    const out = mkdtempSync(join(tmpdir(), 'cgpu-fw-out-'));
    try {
      const r = await execa(cli, ['smoke', '--kernel', '6.1', '--out', out], { reject: false, env: { ...process.env, NO_COLOR: '1', CGPU_FIRMWARE: 'seabios' }, timeout: 60_000 });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('CGPU_FIRMWARE=seabios is not a firmware cgpu knows');
      expect(readdirSync(out)).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('Ctrl-C during a boot', () => {
  it('kills QEMU and exits 130', async () => {
    const child = spawn(cli, ['smoke', '--kernel', '6.1', '--accel', 'tcg'], { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
    const qemuPid = async (): Promise<number | undefined> => {
      const r = await execa('pgrep', ['-P', String(child.pid), '-f', 'qemu-system'], { reject: false });
      return r.stdout.trim() ? Number(r.stdout.trim().split('\n')[0]) : undefined;
    };
    let pid: number | undefined;
    const t0 = Date.now();
    while (!(pid = await qemuPid()) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 200));
    expect(pid).toBeGreaterThan(0);
    const code = await new Promise<number | null>((res) => {
      child.on('exit', (c) => res(c));
      child.kill('SIGINT');
    });
    expect(code).toBe(130);
    // gone, not a zombie waiting to be reaped: /proc/<pid> is absent or says Z
    const state = await execa('sh', ['-c', `awk '/^State:/ {print $2}' /proc/${pid}/status 2>/dev/null`], { reject: false });
    expect(['', 'Z']).toContain(state.stdout.trim());
  });
});

describe('module parameters', () => {
  it('num_gpus=2 slice_us=2000 gives a second GPU directory and still passes', async () => {
    const r = await cgpu(['smoke', '--kernel', '6.1', '--params', 'num_gpus=2 slice_us=2000', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as SmokeJson;
    const console = readFileSync(s.files.console, 'utf8');
    expect(console).toMatch(/@@cgpu proc \/proc\/cgpu_km\/1\/free_weight/);
    expect(console).toMatch(/PASS 64 weight 1 got/);
  });

  it('num_gpus=9 is refused at load: insmod fails and the run says so', async () => {
    const r = await cgpu(['smoke', '--kernel', '6.1', '--params', 'num_gpus=9', '--json']);
    expect(r.exitCode).toBe(1);
    const s = JSON.parse(r.stdout) as SmokeJson;
    expect(s.reasons[0]).toMatch(/^insmod failed/);
    expect(readFileSync(s.files.console, 'utf8')).toMatch(/num_gpus=9 is out of range 1\.\.8/);
  });
});

describe.each([
  ['null-deref-open', /kernel splat: (BUG|Oops)/, 120],
  // The scenario's own unload/reload cycles (issue 12) reload the module over the /proc tree the broken exit
  // left behind, whose handlers point into the freed module: the run now fails there, on the page fault.
  // The final leftover check itself stays covered by the golden console 6.1-amd64-leak-unload.log.
  ['leak-unload', /kernel splat: BUG: .*unable to handle page fault/, 120],
  ['warn-ioctl', /kernel splat: WARNING/, 120],
  ['hang-release', /timed out after 40 s in stage "scenario"|hung task/, 40],
  ['unload-refused', /unload failed/, 120],
])('broken variant %s', (name, reason, timeout) => {
  it(`fails with ${reason} within ${timeout} s`, async () => {
    const tree = mkdtempSync(join(tmpdir(), `cgpu-variant-${name}-`));
    const out = mkdtempSync(join(tmpdir(), `cgpu-variant-out-`));
    try {
      cpSync(join(root, 'kernel-src'), tree, { recursive: true });
      await execa('patch', ['-p1', '--fuzz=0', '-d', tree, '-i', join(variants, `${name}.patch`)]);
      const t = Date.now();
      const r = await cgpu(['smoke', '--kernel', '6.1', '--src', tree, '--series', join(root, 'patches'), '--out', out, '--timeout', String(timeout), '--json']);
      const wall = Date.now() - t;
      expect(r.exitCode, r.stderr).toBe(1);
      const s = JSON.parse(r.stdout) as SmokeJson;
      expect(s.ok).toBe(false);
      expect(s.reasons.join('\n')).toMatch(reason);
      expect(s.timings.wallMs).toBeLessThanOrEqual(timeout * 1000 + 5000);
      expect(wall).toBeLessThan(timeout * 1000 + 90_000); // the limit plus the build
    } finally {
      rmSync(tree, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('kernels that do not boot', () => {
  // Uses the build of the good run above, copied so its reports are not overwritten.
  async function builtCopy(): Promise<string> {
    const built = JSON.parse((await cgpu(['build', '--kernel', '6.1', '--json'])).stdout) as { dir: string };
    const dir = mkdtempSync(join(tmpdir(), 'cgpu-badboot-'));
    cpSync(built.dir, dir, { recursive: true });
    return dir;
  }

  it('a corrupt image fails at the boot stage, well within the limit', async () => {
    const dir = await builtCopy();
    const f = await fetchKernel(resolveSpec('6.1', await loadCatalogue(), { arch: 'amd64' }));
    const bad = join(dir, 'vmlinuz.bad');
    writeFileSync(bad, randomBytes(64 * 1024));
    const r = await smoke({ kernel: { ...f, vmlinuz: bad }, buildDir: dir, accel: 'tcg', timeoutMs: 30_000 });
    rmSync(dir, { recursive: true, force: true });
    expect(r.ok).toBe(false);
    expect(r.reasons[0]).toBe('the kernel never reached /init');
    expect(r.timings.wallMs).toBeLessThan(35_000);
  });

  it('an arm64 kernel under qemu-system-x86_64 (wrong arch) fails at the boot stage within its limit', async () => {
    const dir = await builtCopy();
    const arm = await fetchKernel(resolveSpec('6.1', await loadCatalogue(), { arch: 'arm64' }));
    const r = await smoke({ kernel: { ...arm, entry: { ...arm.entry, arch: 'amd64' } }, buildDir: dir, accel: 'tcg', timeoutMs: 20_000 });
    rmSync(dir, { recursive: true, force: true });
    expect(r.ok).toBe(false);
    expect(r.reasons[0]).toBe('the kernel never reached /init');
    expect(r.timings.wallMs).toBeLessThan(25_000);
  });
});
