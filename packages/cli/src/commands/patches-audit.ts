/** `cgpu patches audit`: for each patch of the series, which locked cells apply it; warn for a patch no cell needs. */
import type { Command } from 'commander';
import { auditPatches, loadLock } from '@cgpu/matrix';
import { loadSeries } from '@cgpu/patches';
import { printJson, printTable, warn } from '../output.js';
import { defaultSeriesDir } from '@cgpu/pipeline';

export function registerPatchesAudit(program: Command): void {
  const patches = program.commands.find((c) => c.name() === 'patches');
  if (!patches) throw new Error('register `patches` before `patches audit`');
  patches
    .command('audit')
    .description('which cells of ci/kernels.lock apply each patch; a warning for a patch no cell needs')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const series = await loadSeries(defaultSeriesDir());
      const a = auditPatches(series.patches, await loadLock());
      if (o.json) return printJson(a);
      printTable(['patch', 'cells', 'releases'], a.uses.map((u) => [u.name, u.cells.join(', ') || '-', u.releases.join(', ') || '-']));
      for (const n of a.unused) warn(`${n}: no cell of ci/kernels.lock applies it; it is untested by the matrix (add a cell that needs it, or drop it)`);
      for (const n of a.unknown) warn(`${n}: ci/kernels.lock applies it but patches/series.yaml no longer has it; run \`cgpu matrix lock\``);
    });
}
