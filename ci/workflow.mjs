#!/usr/bin/env node
// Writes .github/workflows/matrix.yml from ci/matrix.yaml (`--check`: exit 1 when the checked-in file differs).
// Needs the TypeScript build (ci/setup.sh). The logic is workflowYaml() in packages/matrix/src/workflow.ts.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKFLOW_PATH, loadMatrix, workflowYaml } from '../packages/matrix/dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const text = workflowYaml(await loadMatrix(join(root, 'ci', 'matrix.yaml')));
const dest = join(root, WORKFLOW_PATH);
if (process.argv.includes('--check')) {
  const have = await readFile(dest, 'utf8').catch(() => '');
  if (have !== text) {
    process.stderr.write(`${WORKFLOW_PATH} does not match ci/matrix.yaml: run \`node ci/workflow.mjs\` and commit it\n`);
    process.exit(1);
  }
  process.stdout.write(`${WORKFLOW_PATH} matches ci/matrix.yaml\n`);
} else {
  await mkdir(dirname(dest), { recursive: true });
  await writeFile(dest, text);
  process.stdout.write(`${dest}\n`);
}
