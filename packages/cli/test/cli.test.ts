// The cgpu command line as users meet it: exit codes 0/1/2, --json on stdout, errors on stderr.
// Runs the built CLI (ci/setup.sh builds it) without network: only commands that need no archive.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';

const cli = join(new URL('../../..', import.meta.url).pathname, 'cgpu');
const run = (args: string[], env: Record<string, string> = {}) =>
  execa(cli, args, { reject: false, env: { ...process.env, NO_COLOR: '1', CGPU_MIRROR: 'http://127.0.0.1:9/debian', ...env }, timeout: 60_000 });

describe('cgpu CLI', () => {
  it('--version and --help exit 0', async () => {
    expect((await run(['--version'])).exitCode).toBe(0);
    const h = await run(['--help']);
    expect(h.exitCode).toBe(0);
    expect(h.stdout).toMatch(/kernels[\s\S]*patches[\s\S]*build[\s\S]*smoke/);
  });

  it('an unknown command or a missing required option is bad usage: exit 2', async () => {
    expect((await run(['frobnicate'])).exitCode).toBe(2);
    const r = await run(['build']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--kernel/);
  });

  it('kernels parse --json prints the parsed release', async () => {
    const r = await run(['kernels', 'parse', '6.12.95+deb12-amd64', '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ version: '6.12.95', distro: 'debian', distroRelease: '12', arch: 'amd64' });
  });

  it('bad input is exit 2, with a JSON error under --json and a hint on stderr', async () => {
    const r = await run(['kernels', 'parse', 'not-a-kernel', '--json']);
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'KERNEL_RELEASE_INVALID' } });
    expect(r.stderr).toMatch(/hint: /);
  });

  it('validates option values before any work', async () => {
    const a = await run(['smoke', '--kernel', '6.1', '--accel', 'warp']);
    expect(a.exitCode).toBe(2);
    expect(a.stderr).toMatch(/--accel must be auto, kvm or tcg/);
    const t = await run(['smoke', '--kernel', '6.1', '--timeout', '-3']);
    expect(t.exitCode).toBe(2);
    const b = await run(['build', '--kernel', '6.1', '--arch', 'sparc']);
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toMatch(/--arch amd64 or --arch arm64/);
  });

  it('colours a terminal, and honours NO_COLOR there', async () => {
    // Piped output is never coloured, so both runs go through a pseudo-terminal (util-linux `script`).
    const onTty = (env: Record<string, string | undefined>) =>
      execa('script', ['-q', '-e', '-c', `${cli} kernels parse x`, '/dev/null'], { reject: false, env: { ...process.env, TERM: 'xterm', CGPU_MIRROR: 'http://127.0.0.1:9/debian', ...env }, timeout: 60_000 });
    const coloured = await onTty({ NO_COLOR: undefined });
    expect(coloured.exitCode).toBe(2);
    expect(coloured.stdout).toMatch(/\u001b\[31merror:/);
    const plain = await onTty({ NO_COLOR: '1' });
    expect(plain.exitCode).toBe(2);
    expect(plain.stdout).toMatch(/error:/);
    expect(plain.stdout).not.toMatch(/\u001b\[/);
  });

  it('patches list reads the series without Docker', async () => {
    const r = await run(['patches', 'list', '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(10);
  });
});

describe('without a Docker engine', () => {
  it('a Docker command fails at once and says how to get an engine', async () => {
    const t = Date.now();
    const r = await run(['images', 'list'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/no Docker engine answers/);
    expect(r.stderr).toMatch(/cgpu engine start/);
    expect(Date.now() - t).toBeLessThan(20_000);
  });
});
