import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run } from '@cgpu/common';
import { loadMatrix, parseMatrix } from '../src/model.js';
import { WORKFLOW_PATH, workflowYaml } from '../src/workflow.js';
import { loadLock } from '../src/lock.js';
import { readmeTable, withReadmeTable } from '../src/readme.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const validator = join(root, 'node_modules/.bin/action-validator');

async function validate(text: string): Promise<{ exitCode: number; out: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'cgpu-wf-'));
  try {
    const f = join(dir, 'matrix.yml');
    await writeFile(f, text);
    const r = await run(validator, [f], { timeoutMs: 60_000, allowFailure: true, purpose: 'validating the workflow' });
    return { exitCode: r.exitCode, out: r.stdout + r.stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the generated GitHub workflow', () => {
  it('the checked-in .github/workflows/matrix.yml is what ci/matrix.yaml generates (run `node ci/workflow.mjs`)', async () => {
    const m = await loadMatrix(join(root, 'ci/matrix.yaml'));
    const have = await readFile(join(root, WORKFLOW_PATH), 'utf8');
    expect(have).toBe(workflowYaml(m));
    for (const c of m.cells) expect(have).toContain(`          - ${c.name}\n`);
  });

  it('changes when a cell is added, so a stale checked-in file fails the test above', () => {
    const one = parseMatrix('cells: [{ name: a-amd64, distro: D, suite: bookworm, series: "6.1", arch: amd64 }]');
    const two = parseMatrix('cells: [{ name: a-amd64, distro: D, suite: bookworm, series: "6.1", arch: amd64 }, { name: b-arm64, distro: D, suite: trixie, series: "6.12", arch: arm64 }]');
    expect(workflowYaml(one)).not.toBe(workflowYaml(two));
  });

  it('lists cells from nx, fans out one job per cell, and merges JUnit into the step summary', async () => {
    const text = await readFile(join(root, WORKFLOW_PATH), 'utf8');
    expect(text).toContain('npx nx show project cgpu-module --json');
    expect(text).toContain('cell: ${{ fromJSON(needs.cells.outputs.cells) }}');
    expect(text).toContain('npx nx run cgpu-module:smoke-${{ matrix.cell }}');
    expect(text).toContain('./cgpu matrix report');
    expect(text).toContain('GITHUB_STEP_SUMMARY');
  });

  it('passes @action-validator/cli, which rejects a broken variant', async () => {
    const text = await readFile(join(root, WORKFLOW_PATH), 'utf8');
    const good = await validate(text);
    expect(good.out).toBe('');
    expect(good.exitCode).toBe(0);
    const broken = await validate(text.replace('    runs-on: ubuntu-24.04\n    outputs:\n', '    runs-on: ubuntu-24.04\n    timeout-minutes: ninety\n    outputs:\n'));
    expect(broken.exitCode).not.toBe(0);
  });

  it('a debug cell\'s job restores its kernel from actions/cache keyed on the build-debug plan, saves it even after a failed smoke, and may take longer', async () => {
    const text = workflowYaml(parseMatrix([
      'cells:',
      '  - { name: a-amd64, distro: D, suite: bookworm, series: "6.1", arch: amd64 }',
      '  - { name: debug-6.12, distro: D, suite: trixie, series: "6.12", arch: amd64, kernel: debug }',
    ].join('\n')));
    const job = (parse(text) as { jobs: { cell: { 'timeout-minutes': string; steps: Array<Record<string, unknown> & { with?: Record<string, string> }> } } }).jobs.cell;
    expect(job['timeout-minutes']).toBe(`\${{ contains(fromJSON('["debug-6.12"]'), matrix.cell) && 240 || 90 }}`);
    const steps = job.steps;
    const at = (pred: (s: (typeof steps)[number]) => boolean): number => steps.findIndex(pred);
    const plan = at((s) => s['id'] === 'debugkernel');
    const restore = at((s) => s['uses'] === 'actions/cache/restore@v4');
    const nx = at((s) => String(s['run']).includes('npx nx run cgpu-module:smoke-'));
    const save = at((s) => s['uses'] === 'actions/cache/save@v4');
    expect([plan, restore, nx, save].every((i) => i >= 0)).toBe(true);
    expect(plan < restore && restore < nx && nx < save).toBe(true);
    expect(steps[plan]!['if']).toBe(`contains(fromJSON('["debug-6.12"]'), matrix.cell)`);
    expect(steps[plan]!['run']).toContain('debug-6.12) series=6.12 ;;');
    expect(steps[plan]!['run']).toContain('./cgpu kernels build-debug "$series" --plan --json');
    // The nx run is root's: it must use the cache directory actions/cache fills, this user's.
    expect(steps[plan]!['run']).toContain('echo "CGPU_CACHE_DIR=$CGPU_CACHE_DIR" >> "$GITHUB_ENV"');
    expect(steps[nx]!['run']).toContain('--preserve-env=NX_NO_CLOUD,NX_TUI,NX_SELF_HOSTED_REMOTE_CACHE_SERVER,CGPU_CACHE_DIR ');
    for (const i of [restore, save]) expect(steps[i]!.with).toEqual({ path: '${{ steps.debugkernel.outputs.dir }}', key: 'debugkernel-${{ steps.debugkernel.outputs.key }}' });
    expect(steps[save]!['if']).toMatch(/^always\(\) && .*cache-hit != 'true'$/);
    const v = await validate(text);
    expect(v.out).toBe('');
    expect(v.exitCode).toBe(0);
    // A matrix without a debug cell gets none of it.
    const stock = workflowYaml(parseMatrix('cells: [{ name: a-amd64, distro: D, suite: bookworm, series: "6.1", arch: amd64 }]'));
    expect(stock).not.toMatch(/debugkernel|CGPU_CACHE_DIR/);
    expect(stock).toContain('    timeout-minutes: 90\n');
  });

  it('the README table is what ci/matrix.yaml and ci/kernels.lock generate', async () => {
    const m = await loadMatrix(join(root, 'ci/matrix.yaml'));
    const lock = await loadLock(join(root, 'ci/kernels.lock')).catch(() => undefined);
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    expect(readme).toBe(withReadmeTable(readme, readmeTable(m, lock)));
    for (const c of m.cells) expect(readme).toContain(`| \`${c.name}\` |`);
  });
});
