import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
    const broken = await validate(text.replace('    runs-on: ubuntu-24.04\n    timeout-minutes: 90\n', '    timeout-minutes: ninety\n'));
    expect(broken.exitCode).not.toBe(0);
  });

  it('the README table is what ci/matrix.yaml and ci/kernels.lock generate', async () => {
    const m = await loadMatrix(join(root, 'ci/matrix.yaml'));
    const lock = await loadLock(join(root, 'ci/kernels.lock')).catch(() => undefined);
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    expect(readme).toBe(withReadmeTable(readme, readmeTable(m, lock)));
    for (const c of m.cells) expect(readme).toContain(`| \`${c.name}\` |`);
  });
});
