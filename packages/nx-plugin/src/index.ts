/** The cgpu nx plugin: the module project's build-<cell>/smoke-<cell> targets and aggregates, inferred from ci/matrix.yaml. */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createNodesFromFiles, type CreateNodesContext, type CreateNodesResult, type CreateNodesV2 } from 'nx/src/devkit-exports.js';
import { parseLock, parseMatrix, type KernelsLock } from '@cgpu/matrix';
import { matrixTargets, type MatrixPluginOptions } from './targets.js';

export type { MatrixPluginOptions } from './targets.js';
export { matrixTargets, buildTarget, smokeTarget } from './targets.js';

function normalize(o: MatrixPluginOptions | undefined): Required<MatrixPluginOptions> {
  return { moduleRoot: o?.moduleRoot ?? 'kernel-src', lockFile: o?.lockFile ?? 'ci/kernels.lock', cli: o?.cli ?? './cgpu' };
}

function readLock(path: string): KernelsLock | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // not locked yet: every cell depends on every patch
  }
  return parseLock(text, path);
}

function patchFiles(root: string): string[] {
  try {
    return readdirSync(join(root, 'patches')).filter((f) => f.endsWith('.patch')).sort();
  } catch {
    return [];
  }
}

/** One matrix file -> the module project with its inferred targets. */
export function nodesForMatrix(file: string, options: MatrixPluginOptions | undefined, context: CreateNodesContext): CreateNodesResult {
  const o = normalize(options);
  const root = context.workspaceRoot;
  const m = parseMatrix(readFileSync(join(root, file), 'utf8'), file);
  const lock = readLock(join(root, o.lockFile));
  return {
    projects: {
      [o.moduleRoot]: {
        targets: matrixTargets(m, lock, o, patchFiles(root)),
        metadata: { cgpu: { matrix: file, cells: m.cells.map((c) => c.name), lock: o.lockFile, dir: dirname(file) } },
      },
    },
  };
}

/** nx 24 plugin entry: the glob of matrix files and a function over all of them, as nx's own plugins do. */
export const createNodesV2: CreateNodesV2<MatrixPluginOptions> = [
  'ci/matrix.yaml',
  (files, options, context) => createNodesFromFiles(nodesForMatrix, files, options ?? {}, context),
];
export const createNodes = createNodesV2;
