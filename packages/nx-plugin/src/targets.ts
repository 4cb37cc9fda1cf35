/** The module project's nx targets, inferred from the matrix and its lock: pure data, no I/O. */
import type { TargetConfiguration } from 'nx/src/devkit-exports.js';
import { isDebugCell, type KernelsLock, type Matrix, type MatrixCell } from '@cgpu/matrix';

export interface MatrixPluginOptions {
  /** Project root the targets belong to (default `kernel-src`, the cgpu-module project). */
  moduleRoot?: string;
  /** Where the lock is, relative to the workspace (default `ci/kernels.lock`). */
  lockFile?: string;
  /** How to call the CLI from the workspace root (default `./cgpu`). */
  cli?: string;
}

/** The patch series: every cell's inputs include it, as any change to it can change a probe's verdict. */
const SERIES = '{workspaceRoot}/patches/series.yaml';

/** The module source, without files that do not go into a build. */
function moduleSource(root: string): string[] {
  return [`{workspaceRoot}/${root}/**/*`, `!{workspaceRoot}/${root}/**/*.md`, `!{workspaceRoot}/${root}/project.json`];
}

/**
 * The TypeScript toolchain: production files of every package the CLI depends on (the builder recipe,
 * the probe compiler, the verdict parser, ...). `^production` covers them through the module project's
 * implicit dependency on @cgpu/cli; `dependsOn: ^build` makes sure `dist/` was built from them.
 */
const TOOLCHAIN = '^production';

/** `CGPU_TRINITY=0` leaves trinity out of the smoke run: a result without it must not pass for one with it. */
const TRINITY = { env: 'CGPU_TRINITY' };

/**
 * The firmware QEMU starts (qboot or SeaBIOS): a run under one is not a run under the other. `CGPU_FIRMWARE`
 * forces one; left unset, the choice depends on whether this machine's QEMU ships qboot.rom, so a remote
 * cache shared by machines must hash the choice itself (`firmware-key.js`), not only the variable.
 */
const FIRMWARE = [{ env: 'CGPU_FIRMWARE' }, { runtime: 'node packages/nx-plugin/dist/firmware-key.js' }];

/** What changes a smoke run but not a build: a build is never redone for these. */
const SMOKE_ONLY = [TRINITY, ...FIRMWARE];

/**
 * A debug cell's kernel: today's plan key of `cgpu kernels build-debug <series>` (config fragment, source
 * package, compiler, build recipe). The lock entry pins the key it was locked with; this input also changes
 * with an edited fragment before anyone relocks, so nx never serves a result of another debug kernel (the
 * cell then fails as a stale lock). The kernel itself is not an nx output: it lives in the user cache
 * (~/.cache/cgpu/debugkernel, ~100 MB with its headers tree) and `cgpu matrix cell` builds it when missing.
 */
export function debugPlanInput(cli: string, cell: Pick<MatrixCell, 'series'>): { runtime: string } {
  return { runtime: `${cli} kernels build-debug ${cell.series} --plan --json | jq -r .key` };
}

export function buildTarget(cell: string): string {
  return `build-${cell}`;
}
export function smokeTarget(cell: string): string {
  return `smoke-${cell}`;
}

export function matrixTargets(m: Matrix, lock: KernelsLock | undefined, o: Required<MatrixPluginOptions>, patchFiles: readonly string[]): Record<string, TargetConfiguration> {
  const targets: Record<string, TargetConfiguration> = {};
  const lockPath = o.lockFile;
  for (const cell of m.cells) {
    const entry = lock?.cells[cell.name];
    // Unlocked cells (a fresh matrix line) depend on every patch: never too few inputs.
    const patches = entry ? entry.patches.map((p) => p.file) : patchFiles;
    const release = entry?.release ?? `unlocked-${cell.name}`;
    const inputs: TargetConfiguration['inputs'] = [
      ...moduleSource(o.moduleRoot),
      SERIES,
      ...patches.map((f) => `{workspaceRoot}/patches/${f}`),
      // The cell's own lock entry, not the whole file. Caveat: nx also hashes the whole project configuration
      // (cgpu-module:ProjectConfiguration), so a relock that changes any cell's release or patch list changes
      // every cell's targets and rebuilds them all; one inferred project per cell would isolate them.
      { runtime: `jq -cS '.cells["${cell.name}"] // null' ${lockPath}` },
      ...(isDebugCell(cell) ? [debugPlanInput(o.cli, cell)] : []),
      TOOLCHAIN,
      { externalDependencies: ['execa', 'listr2', 'commander', 'yaml', 'semver'] },
    ];
    const dist = `{workspaceRoot}/dist/${release}`;
    targets[buildTarget(cell.name)] = {
      executor: 'nx:run-commands',
      options: { command: `${o.cli} matrix cell ${cell.name} build`, cwd: '{workspaceRoot}' },
      cache: true,
      inputs,
      outputs: [`${dist}/build.json`, `${dist}/build.log`, `${dist}/cgpu.ko`, `${dist}/tools`],
      dependsOn: ['^build'],
      metadata: { description: `build cgpu.ko for ${cell.distro} ${cell.arch} (${release})`, technologies: ['cgpu'] },
    };
    targets[smokeTarget(cell.name)] = {
      executor: 'nx:run-commands',
      options: { command: `${o.cli} matrix cell ${cell.name} smoke`, cwd: '{workspaceRoot}' },
      cache: true,
      inputs: [...inputs, ...SMOKE_ONLY],
      outputs: [`${dist}/smoke.json`, `${dist}/junit.xml`, `${dist}/console.log`],
      dependsOn: ['^build', buildTarget(cell.name)],
      // QEMU boots carry timing checks (fairness within +-5 %, stage deadlines): never two at once, and
      // never beside another task on 2 cores.
      parallelism: false,
      metadata: { description: `boot ${release} in QEMU and smoke-test cgpu.ko`, technologies: ['cgpu'] },
    };
  }
  const adhocInputs: TargetConfiguration['inputs'] = [
    ...moduleSource(o.moduleRoot),
    SERIES,
    ...patchFiles.map((f) => `{workspaceRoot}/patches/${f}`),
    // An ad-hoc spec (latest, 6.12, trixie) means a different release once the archive moves: hash what
    // every spec resolves to today, so `--kernel=latest` is never served from an older release's cache.
    { runtime: `node packages/nx-plugin/dist/catalogue-key.js` },
    TOOLCHAIN,
    { externalDependencies: ['execa', 'listr2', 'commander', 'yaml', 'semver'] },
  ];
  for (const stage of ['build', 'smoke'] as const) {
    targets[stage] = {
      executor: 'nx:run-commands',
      // Every flag after it is forwarded (no {args.x} in the command, so nx forwards them all).
      options: { command: `${o.cli} matrix adhoc ${stage}`, cwd: '{workspaceRoot}', forwardAllArgs: true },
      cache: true,
      inputs: stage === 'smoke' ? [...adhocInputs, ...SMOKE_ONLY] : adhocInputs,
      outputs: ['{workspaceRoot}/dist/adhoc/{options.kernel}'],
      // Without --kernel: every cell. With --kernel: the forwarded spec makes each cell task skip itself.
      dependsOn: ['^build', ...m.cells.map((c) => ({ target: stage === 'build' ? buildTarget(c.name) : smokeTarget(c.name), params: 'forward' as const }))],
      ...(stage === 'smoke' ? { parallelism: false } : {}),
      metadata: { description: `${stage} every cell of ci/matrix.yaml, or one ad-hoc --kernel=<spec> (every cgpu ${stage} flag is forwarded)`, technologies: ['cgpu'] },
    };
  }
  targets['matrix'] = {
    executor: 'nx:run-commands',
    options: { command: `${o.cli} matrix report`, cwd: '{workspaceRoot}' },
    cache: false,
    dependsOn: ['^build', ...m.cells.map((c) => smokeTarget(c.name))],
    metadata: { description: 'smoke every cell, then write dist/report/{junit.xml,summary.md,matrix.json,index.html}', technologies: ['cgpu'] },
  };
  return targets;
}
