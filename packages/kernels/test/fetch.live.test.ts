// Live: the real Debian archive. Resolves and fetches 6.1 into the user cache (warm after the first run),
// then checks corruption recovery, offline use, a cold-cache failure, concurrent fetches and Ctrl-C.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, truncateSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';

const root = new URL('../../..', import.meta.url).pathname;
const cli = join(root, 'cgpu');

async function cgpu(args: string[], env: Record<string, string> = {}) {
  return execa(cli, args, { reject: false, env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 15 * 60_000 });
}

describe('kernels fetch (live archive)', () => {
  let resolved: { release: string; debs: Array<{ role: string; package: string; sha256: string; size: number }> };

  it('resolves 6.1 to exact packages with SHA256', async () => {
    const r = await cgpu(['kernels', 'resolve', '6.1', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    resolved = JSON.parse(r.stdout);
    expect(resolved.release).toMatch(/^6\.1\.0-\d+-amd64$/);
    expect(resolved.debs.map((d) => d.role)).toEqual(['image', 'headers', 'headers-common', 'kbuild']);
    for (const d of resolved.debs) expect(d.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fetches it, and a second fetch is served from cache in under 2 s', async () => {
    const first = await cgpu(['kernels', 'fetch', '6.1', '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    const f = JSON.parse(first.stdout);
    for (const p of [f.vmlinuz, f.config, f.systemMap]) expect(existsSync(p)).toBe(true);
    expect(f.compiler).toMatch(/gcc-12/);
    const t = Date.now();
    const second = await cgpu(['kernels', 'fetch', '6.1', '--json']);
    const ms = Date.now() - t;
    expect(second.exitCode, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).downloaded).toEqual([]);
    expect(ms).toBeLessThan(2000);
  });

  it('re-downloads a corrupted cached .deb instead of using it', async () => {
    const first = JSON.parse((await cgpu(['kernels', 'fetch', '6.1', '--json'])).stdout);
    const headers = resolved.debs.find((d) => d.role === 'headers')!;
    truncateSync(first.debs[headers.package], 1000);
    const r = await cgpu(['kernels', 'fetch', '6.1', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).downloaded).toEqual([headers.package]);
  });

  it('works offline with a warm cache (mirror unreachable)', async () => {
    const r = await cgpu(['kernels', 'fetch', '6.1', '--refresh', '--json'], { CGPU_MIRROR: 'http://127.0.0.1:9/debian' });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/127\.0\.0\.1:9.*using the cached InRelease/);
  });

  it('fails cold with the address that failed and what to do', async () => {
    const cold = mkdtempSync(join(tmpdir(), 'cgpu-cold-'));
    const r = await cgpu(['kernels', 'resolve', '6.1'], { CGPU_CACHE_DIR: cold, CGPU_MIRROR: 'http://127.0.0.1:9/debian' });
    rmSync(cold, { recursive: true, force: true });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/http:\/\/127\.0\.0\.1:9\/debian\/dists\/\S+\/InRelease/);
    expect(r.stderr).toMatch(/hint:.*CGPU_MIRROR/);
  });

  it('two fetches of the same kernel at once both succeed and leave a sound cache', async () => {
    const f = JSON.parse((await cgpu(['kernels', 'fetch', '6.1', '--json'])).stdout);
    rmSync(f.dir, { recursive: true, force: true });
    const headers = resolved.debs.find((d) => d.role === 'headers')!;
    rmSync(f.debs[headers.package], { force: true });
    const [a, b] = await Promise.all([cgpu(['kernels', 'fetch', '6.1', '--json']), cgpu(['kernels', 'fetch', '6.1', '--json'])]);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(b.exitCode, b.stderr).toBe(0);
    const again = await cgpu(['kernels', 'fetch', '6.1', '--json']);
    expect(JSON.parse(again.stdout).downloaded).toEqual([]);
  });

  it('Ctrl-C in the middle of a download leaves no half file in the cache', async () => {
    const f = JSON.parse((await cgpu(['kernels', 'fetch', '6.1', '--json'])).stdout);
    const image = resolved.debs.find((d) => d.role === 'image')!;
    const debDir = join(f.debs[image.package], '..');
    rmSync(f.debs[image.package], { force: true });
    const child = spawn(cli, ['kernels', 'fetch', '6.1'], { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
    // wait until the temp file exists, then interrupt
    const t0 = Date.now();
    while (!readdirSync(debDir).some((n) => n.endsWith('.part')) && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
    const code = await new Promise<number | null>((res) => {
      child.on('exit', (c) => res(c));
      child.kill('SIGINT');
    });
    expect(code).toBe(130);
    expect(readdirSync(debDir).filter((n) => n.endsWith('.part'))).toEqual([]);
    expect(existsSync(f.debs[image.package])).toBe(false);
  });
});
