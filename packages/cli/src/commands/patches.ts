/** `cgpu patches list` and `cgpu patches select --kernel <spec>`: what would be applied, and why. */
import type { Command } from 'commander';
import { loadSeries, selectPatches } from '@cgpu/patches';
import { containerCompiler, defaultSeriesDir } from '@cgpu/pipeline';
import { printJson, printTable } from '../output.js';
import { resolveKernel, type KernelOpts } from './kernels.js';

export function registerPatches(program: Command): void {
  const p = program.command('patches').description('the compatibility patch series and what each kernel needs');
  p.command('list')
    .description('the series in order, with the version that made each change')
    .option('--series <dir>', 'patch directory (default patches/)')
    .option('--json', 'machine-readable output')
    .action(async (o: { series?: string; json?: boolean }) => {
      const s = await loadSeries(o.series ?? defaultSeriesDir());
      if (o.json) return printJson(s.patches);
      printTable(['patch', 'since', 'apply if probe', 'reason'], s.patches.map((x) => [x.name, x.since, x.applyIf === 'present' ? 'compiles' : 'fails', x.reason]));
    });
  p.command('select')
    .description('run the compile probes against a kernel\'s headers and explain each choice')
    .requiredOption('--kernel <spec>', 'kernel spec, e.g. 6.1')
    .option('--arch <arch>', 'amd64 or arm64')
    .option('--series <dir>', 'patch directory (default patches/)')
    .option('--offline', 'use the cached catalogue only')
    .option('--verbose', 'show the image builds')
    .option('--json', 'machine-readable output')
    .action(async (o: KernelOpts & { kernel: string; series?: string; verbose?: boolean }) => {
      const k = await resolveKernel(o.kernel, o);
      const s = await loadSeries(o.series ?? defaultSeriesDir());
      const sel = await selectPatches(s, k, containerCompiler(k, o.verbose ? (l) => void process.stderr.write(`${l}\n`) : undefined));
      if (o.json) return printJson(sel);
      process.stdout.write(`${k.release} (${k.version}, ${k.arch}): ${sel.applied.length} of ${sel.decisions.length} patches\n`);
      printTable(['patch', 'since', 'decision'], sel.decisions.map((d) => [d.name, d.since, d.why]));
    });
}
