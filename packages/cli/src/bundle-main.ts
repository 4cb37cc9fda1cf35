/** `node packages/cli/dist/bundle-main.js`: remake the CLI bundle of this checkout after `tsc -b` (see bundle.ts). */
import { fileURLToPath } from 'node:url';
import { writeBundle } from './bundle.js';

// This checkout's root (packages/cli/dist/..), not $CGPU_ROOT: the bundle belongs to the code beside it.
const { dir, inputs } = await writeBundle(fileURLToPath(new URL('../../..', import.meta.url)));
process.stdout.write(`cgpu bundle: ${inputs} inputs -> ${dir}\n`);
