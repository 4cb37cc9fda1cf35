/**
 * nx runtime input of the ad-hoc build/smoke targets: what every kernel spec (latest, each series, each
 * suite, per arch) resolves to right now. When the archive moves, the key changes and nx rebuilds.
 */
import { loadCatalogue } from '@cgpu/kernels';
import { specKeyLines } from './spec-key.js';

const all = await loadCatalogue({ refresh: 'auto', warn: (m) => void process.stderr.write(`${m}\n`) });
process.stdout.write(`${specKeyLines(all).join('\n')}\n`);
