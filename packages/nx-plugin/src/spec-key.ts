/** What every kernel spec resolves to in a catalogue, one line per (arch, flavour, spec): the ad-hoc targets' runtime input. */
import { ARCHES, newestFirst, type KernelEntry } from '@cgpu/kernels';

export function specKeyLines(all: readonly KernelEntry[]): string[] {
  const lines: string[] = [];
  for (const arch of ARCHES) {
    const pool = all.filter((e) => e.arch === arch).sort(newestFirst);
    const seen = new Set<string>();
    for (const e of pool) {
      for (const spec of ['latest', e.series, e.version, e.suite, e.release]) {
        const id = `${arch} ${e.flavour} ${spec}`;
        if (seen.has(id)) continue; // the newest entry answers each spec, as resolveSpec does
        seen.add(id);
        lines.push(`${id} -> ${e.release} ${e.packageVersion} ${e.debs.map((d) => d.sha256.slice(0, 16)).join(',')}`);
      }
    }
  }
  return lines.sort();
}
