import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { TargetConfiguration } from 'nx/src/devkit-exports.js';
import { createNodesV2 } from '../src/index.js';

const ws = fileURLToPath(new URL('./fixtures/ws', import.meta.url));

async function targets(): Promise<Record<string, TargetConfiguration>> {
  const [glob, fn] = createNodesV2;
  expect(glob).toBe('ci/matrix.yaml');
  const results = await fn(['ci/matrix.yaml'], {}, { nxJsonConfiguration: {}, workspaceRoot: ws });
  expect(results.map(([f]) => f)).toEqual(['ci/matrix.yaml']);
  const projects = results[0]![1].projects!;
  expect(Object.keys(projects)).toEqual(['kernel-src']);
  return projects['kernel-src']!.targets!;
}

describe('createNodesV2 on a fixture matrix', () => {
  it('infers an explicit build and smoke target per cell and the aggregates', async () => {
    const t = await targets();
    expect(Object.keys(t).sort()).toEqual(['build', 'build-debian12-amd64', 'build-debian13-arm64', 'build-debug-6.12', 'matrix', 'smoke', 'smoke-debian12-amd64', 'smoke-debian13-arm64', 'smoke-debug-6.12']);
    expect(t['build-debian12-amd64']!.options).toEqual({ command: './cgpu matrix cell debian12-amd64 build', cwd: '{workspaceRoot}' });
    const cells = ['debian12-amd64', 'debian13-arm64', 'debug-6.12'];
    expect(t['smoke']!.dependsOn).toEqual(['^build', ...cells.map((c) => ({ target: `smoke-${c}`, params: 'forward' }))]);
    expect(t['build']!.dependsOn).toEqual(['^build', ...cells.map((c) => ({ target: `build-${c}`, params: 'forward' }))]);
    expect(t['matrix']!.dependsOn).toEqual(['^build', ...cells.map((c) => `smoke-${c}`)]);
    expect(t['smoke-debian13-arm64']!.dependsOn).toEqual(['^build', 'build-debian13-arm64']);
  });

  it('gives each cell only the patches its lock entry selects, its own lock entry and the toolchain as inputs', async () => {
    const t = await targets();
    const patchInputs = (name: string): string[] => (t[name]!.inputs as unknown[]).filter((i): i is string => typeof i === 'string' && i.includes('/patches/'));
    expect(patchInputs('build-debian12-amd64')).toEqual(['{workspaceRoot}/patches/series.yaml', '{workspaceRoot}/patches/0001-procfs-proc-ops.patch', '{workspaceRoot}/patches/0004-timer-delete-sync.patch']);
    expect(patchInputs('smoke-debian13-arm64')).toEqual(['{workspaceRoot}/patches/series.yaml', '{workspaceRoot}/patches/0001-procfs-proc-ops.patch', '{workspaceRoot}/patches/0008-fs-no-llseek.patch']);
    const inputs = t['build-debian13-arm64']!.inputs!;
    expect(inputs).toContainEqual({ runtime: `jq -cS '.cells["debian13-arm64"] // null' ci/kernels.lock` });
    expect(inputs).toContain('{workspaceRoot}/kernel-src/**/*');
    expect(inputs).toContain('^production');
    // Ad-hoc runs: every patch, and a runtime input that resolves every spec against today's catalogue.
    expect(t['build']!.inputs).toContainEqual({ runtime: 'node packages/nx-plugin/dist/catalogue-key.js' });
    // What changes a smoke run but not a build: trinity in or out, and the firmware QEMU starts (the variable,
    // and the choice it leads to on this machine).
    for (const n of ['smoke-debian13-arm64', 'smoke']) {
      expect(t[n]!.inputs).toContainEqual({ env: 'CGPU_TRINITY' });
      expect(t[n]!.inputs).toContainEqual({ env: 'CGPU_FIRMWARE' });
      expect(t[n]!.inputs).toContainEqual({ runtime: 'node packages/nx-plugin/dist/firmware-key.js' });
    }
    for (const n of ['build-debian13-arm64', 'build']) expect(JSON.stringify(t[n]!.inputs)).not.toMatch(/CGPU_TRINITY|CGPU_FIRMWARE|firmware-key/);
    expect(t['build']!.options).toMatchObject({ command: './cgpu matrix adhoc build', forwardAllArgs: true });
    expect(JSON.stringify(t['build']!.options)).not.toContain('{args.');
  });

  it('writes to dist/<locked release>/, caches, and keeps QEMU boots off each other', async () => {
    const t = await targets();
    expect(t['build-debian12-amd64']!.outputs).toEqual(['{workspaceRoot}/dist/6.1.0-50-amd64/build.json', '{workspaceRoot}/dist/6.1.0-50-amd64/build.log', '{workspaceRoot}/dist/6.1.0-50-amd64/cgpu.ko', '{workspaceRoot}/dist/6.1.0-50-amd64/tools']);
    expect(t['smoke-debian13-arm64']!.outputs).toEqual(['{workspaceRoot}/dist/6.12.117+deb13-arm64/smoke.json', '{workspaceRoot}/dist/6.12.117+deb13-arm64/junit.xml', '{workspaceRoot}/dist/6.12.117+deb13-arm64/console.log']);
    for (const n of ['build-debian12-amd64', 'smoke-debian12-amd64', 'build', 'smoke']) expect(t[n]!.cache).toBe(true);
    expect(t['matrix']!.cache).toBe(false);
    expect(t['smoke-debian12-amd64']!.parallelism).toBe(false);
    expect(t['smoke']!.parallelism).toBe(false);
    expect(t['build-debian12-amd64']!.parallelism).toBeUndefined();
  });

  it('keys the debug cell on today\'s build-debug plan as well as its lock entry; stock cells do not run the plan', async () => {
    const t = await targets();
    const plan = { runtime: './cgpu kernels build-debug 6.12 --plan --json | jq -r .key' };
    for (const n of ['build-debug-6.12', 'smoke-debug-6.12']) {
      expect(t[n]!.inputs).toContainEqual(plan);
      expect(t[n]!.inputs).toContainEqual({ runtime: `jq -cS '.cells["debug-6.12"] // null' ci/kernels.lock` });
      expect(t[n]!.cache).toBe(true);
    }
    for (const n of ['build-debian12-amd64', 'smoke-debian13-arm64', 'build']) expect(JSON.stringify(t[n]!.inputs)).not.toContain('build-debug');
    expect(t['build-debug-6.12']!.options).toEqual({ command: './cgpu matrix cell debug-6.12 build', cwd: '{workspaceRoot}' });
    // The kernel is not an output (it stays in ~/.cache/cgpu/debugkernel): only the module's files in dist/<release>/.
    expect(t['build-debug-6.12']!.outputs).toEqual(['build.json', 'build.log', 'cgpu.ko', 'tools'].map((f) => `{workspaceRoot}/dist/6.12.107-cgpu-debug/${f}`));
    expect(t['smoke-debug-6.12']!.dependsOn).toEqual(['^build', 'build-debug-6.12']);
  });

  it('an unlocked cell depends on every patch file, never on too few', async () => {
    const [, fn] = createNodesV2;
    const r = await fn(['ci/matrix.yaml'], { lockFile: 'ci/missing.lock' }, { nxJsonConfiguration: {}, workspaceRoot: ws });
    const t = r[0]![1].projects!['kernel-src']!.targets!;
    expect((t['build-debian12-amd64']!.inputs as unknown[]).filter((i) => typeof i === 'string' && i.endsWith('.patch'))).toHaveLength(3);
  });
});
