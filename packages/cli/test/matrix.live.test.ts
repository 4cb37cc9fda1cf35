// Live: the full matrix. Every kernel series `cgpu kernels list` offers, amd64 and arm64 (plus the Debian 12
// backports kernel), is built warning-free with the patches its probes select, and passes the QEMU smoke run.
// Together the builds must use every patch of the series at least once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';

const root = new URL('../../..', import.meta.url).pathname;
const cli = join(root, 'cgpu');
const run = (args: string[]) => execa(cli, args, { reject: false, env: { ...process.env, NO_COLOR: '1' }, timeout: 40 * 60_000 });

interface Entry { release: string; series: string; arch: string; suite: string }
const list = JSON.parse((await run(['kernels', 'list', '--json'])).stdout) as Entry[];
const series = [...new Set(list.map((e) => `${e.series} ${e.arch}`))].map((s) => s.split(' ') as [string, string]);
const specs: Array<[string, string]> = [...series, ['bookworm-backports', 'amd64'], ['bookworm-backports', 'arm64']];
const used = new Set<string>();

describe.each(specs)('kernel %s %s', (spec, arch) => {
  it('builds warning-free and passes the smoke run', async () => {
    const r = await run(['smoke', '--kernel', spec, '--arch', arch, '--rebuild', '--json']);
    const s = JSON.parse(r.stdout) as { ok: boolean; reasons: string[]; kernel: string; files: { json: string } };
    expect(s.reasons ?? [], r.stderr.slice(-2000)).toEqual([]);
    expect(r.exitCode).toBe(0);
    const build = JSON.parse(readFileSync(join(s.files.json, '../build.json'), 'utf8')) as { warnings: number; warningLines: string[]; patches: Array<{ name: string }> };
    expect(build.warningLines).toEqual([]);
    for (const p of build.patches) used.add(p.name);
  });
});

describe('the series as a whole', () => {
  it('every patch is needed by at least one kernel of the matrix', async () => {
    const all = (JSON.parse((await run(['patches', 'list', '--json'])).stdout) as Array<{ name: string }>).map((p) => p.name);
    expect(series.length).toBeGreaterThanOrEqual(10);
    expect(all.filter((n) => !used.has(n))).toEqual([]);
  });
});
