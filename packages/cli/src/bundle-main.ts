/** `node packages/cli/dist/bundle-main.js`: remake the CLI bundle after `tsc -b` (see bundle.ts). */
import { repoRoot } from '@cgpu/common';
import { writeBundle } from './bundle.js';

const { dir, inputs } = await writeBundle(repoRoot());
process.stdout.write(`cgpu bundle: ${inputs} modules -> ${dir}\n`);
