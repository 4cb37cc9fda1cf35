// `cgpu package dkms` and `cgpu publish` as users run them: files, --json, exit codes, idempotence.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';

const cli = join(new URL('../../..', import.meta.url).pathname, 'cgpu');
const work = mkdtempSync(join(tmpdir(), 'cgpu-cli-pkg-'));
const run = (args: string[]) => execa(cli, args, { reject: false, env: { ...process.env, NO_COLOR: '1', CGPU_CONFIG_DIR: join(work, 'config') }, timeout: 120_000 });

describe('cgpu package dkms / cgpu publish', () => {
  it('package, publish, publish again: the second publish changes nothing', async () => {
    const p = await run(['package', 'dkms', '--out', join(work, 'dkms'), '--json']);
    expect(p.exitCode, p.stderr).toBe(0);
    const pkg = JSON.parse(p.stdout) as { deb: string; version: string };
    expect(pkg.deb).toBe(join(work, 'dkms', `cgpu-dkms_${pkg.version}_all.deb`));
    const a = await run(['publish', '--repo', join(work, 'apt'), '--deb', pkg.deb, '--json']);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ changed: true, added: [`pool/main/c/cgpu/cgpu-dkms_${pkg.version}_all.deb`] });
    const b = await run(['publish', '--repo', join(work, 'apt'), '--deb', pkg.deb, '--json']);
    expect(b.exitCode, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ changed: false, added: [] });
  }, 60_000);

  it('bad usage exits 2 with a hint', async () => {
    const r = await run(['publish', '--repo', join(work, 'x'), '--key-file', 'a', '--key-id', 'b']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--key-file and --key-id exclude each other/);
    const s = await run(['package', 'dkms', '--out', join(work, 'y'), '--sign-key', '/k']);
    expect(s.exitCode).toBe(2);
    expect(s.stderr).toMatch(/--sign-key and --sign-cert go together/);
    const m = await run(['publish', '--repo', join(work, 'z'), '--deb', join(work, 'missing.deb')]);
    expect(m.exitCode).toBe(2);
  }, 60_000);
});
