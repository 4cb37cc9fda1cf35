#!/usr/bin/env node
// Writes .github/workflows/matrix.yml and the README's matrix table from ci/matrix.yaml (and ci/kernels.lock).
// `--check`: exit 1 when either checked-in file differs. Needs the TypeScript build (ci/setup.sh). The logic
// is workflowYaml() and readmeTable() in packages/matrix/src/.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKFLOW_PATH, loadLock, loadMatrix, readmeTable, withReadmeTable, workflowYaml } from '../packages/matrix/dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const matrix = await loadMatrix(join(root, 'ci', 'matrix.yaml'));
const lock = await loadLock(join(root, 'ci', 'kernels.lock')).catch(() => undefined);
const readmePath = join(root, 'README.md');
const readme = await readFile(readmePath, 'utf8');
const want = [
  [join(root, WORKFLOW_PATH), workflowYaml(matrix)],
  [readmePath, withReadmeTable(readme, readmeTable(matrix, lock))],
];
let stale = 0;
for (const [dest, text] of want) {
  if (process.argv.includes('--check')) {
    const have = await readFile(dest, 'utf8').catch(() => '');
    if (have !== text) {
      process.stderr.write(`${dest} does not match ci/matrix.yaml: run \`node ci/workflow.mjs\` and commit it\n`);
      stale++;
    }
  } else {
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, text);
    process.stdout.write(`${dest}\n`);
  }
}
process.exitCode = stale ? 1 : 0;
