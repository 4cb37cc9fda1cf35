/**
 * nx runtime input of the ad-hoc build/smoke targets: what every kernel spec (latest, each series, each
 * suite, per arch) resolves to right now. When the archive moves, the key changes and nx rebuilds.
 */
import { ARCHES, SUITES, loadCatalogue, newestFirst, type KernelEntry } from '@cgpu/kernels';

function key(all: readonly KernelEntry[]): string[] {
  const lines: string[] = [];
  for (const arch of ARCHES) {
    const pool = all.filter((e) => e.arch === arch).sort(newestFirst);
    const seen = new Set<string>();
    for (const e of pool) {
      for (const spec of ['latest', e.series, e.version, e.suite, e.release]) {
        const id = `${arch} ${e.flavour} ${spec}`;
        if (seen.has(id)) continue;
        seen.add(id);
        lines.push(`${id} -> ${e.release} ${e.packageVersion} ${e.debs.map((d) => d.sha256.slice(0, 16)).join(',')}`);
      }
    }
  }
  return lines.sort();
}

const all = await loadCatalogue({ refresh: 'auto', warn: (m) => void process.stderr.write(`${m}\n`) });
process.stdout.write(`${key(all).join('\n')}\n`);
