/** `cgpu build`: resolve -> select and apply patches -> build in the kernel's own container (it fetches the headers). */
import type { Command } from 'commander';
import { Listr } from 'listr2';
import { resolve } from 'node:path';
import { buildModule, type BuildResult } from '@cgpu/builder';
import { repoRoot } from '@cgpu/common';
import type { KernelEntry } from '@cgpu/kernels';
import { parseArch } from '../args.js';
import { printJson } from '../output.js';
import { renderer } from '../progress.js';
import { resolveKernel, type KernelOpts } from './kernels.js';
import { preparePatchedSource, type PreparedSource } from './patch-step.js';

export interface BuildOpts extends KernelOpts {
  kernel: string;
  src?: string;
  out?: string;
  werror?: boolean;
  patches?: boolean;
  series?: string;
  /** Keep the patched copy of the source that was built (its path is printed). */
  keep?: boolean;
  verbose?: boolean;
}

export function defaultOut(): string {
  return resolve(repoRoot(), 'dist');
}

/** The whole build pipeline as listr2 tasks; used by `cgpu build` and `cgpu smoke`. */
export async function buildPipeline(k: KernelEntry, o: BuildOpts): Promise<BuildResult> {
  let prepared: PreparedSource | undefined;
  let result: BuildResult | undefined;
  const src = resolve(o.src ?? resolve(repoRoot(), 'kernel-src'));
  await new Listr(
    [
      {
        title: 'select and apply patches',
        task: async (_c, task) => {
          prepared = await preparePatchedSource(k, src, o.patches !== false, o.series, (l) => (task.output = l));
          task.title = prepared.applied.length ? `patches: ${prepared.applied.map((p) => p.name).join(', ')}` : 'patches: none needed';
        },
      },
      {
        title: `build in the ${k.baseSuite} ${k.gcc} container`,
        task: async (_c, task) => {
          result = await buildModule({
            kernel: k,
            src: prepared!.dir,
            out: o.out ?? defaultOut(),
            werror: o.werror === true,
            patches: prepared!.applied,
            log: (l) => {
              if (o.verbose) process.stderr.write(`${l}\n`);
              else task.output = l;
            },
          });
          task.title = `built ${result.modules.map((m) => m.file).join(', ')} for ${k.release}: ${result.warnings} warnings, ${(result.durationMs / 1000).toFixed(1)} s`;
        },
      },
    ],
    { renderer: renderer(o.json === true), exitOnError: true, registerSignalListeners: false },
  ).run().finally(async () => {
    if (o.keep && prepared && prepared.dir !== src) process.stderr.write(`patched source kept at ${prepared.dir}\n`);
    else await prepared?.cleanup();
  });
  return result!;
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('build the module for a kernel in a container of its own distro and compiler')
    .requiredOption('--kernel <spec>', 'kernel spec: 6.1, 6.1.0-50-amd64, bookworm, latest, host')
    .option('--arch <arch>', 'amd64 or arm64 (cross-compiled)')
    .option('--flavour <flavour>', 'e.g. cloud-amd64')
    .option('--src <dir>', 'module source (default kernel-src/)')
    .option('--out <dir>', 'output root (default dist/)')
    .option('--werror', 'treat compiler warnings as errors')
    .option('--no-patches', 'build the source as it is, without the compatibility patches')
    .option('--series <dir>', 'patch series for --src (kernel-src/ uses patches/)')
    .option('--keep', 'keep the patched copy of the source and print where it is')
    .option('--verbose', 'stream the build log')
    .option('--offline', 'use the cached catalogue only')
    .option('--json', 'machine-readable output')
    .action(async (o: BuildOpts) => {
      parseArch(o.arch);
      const k = await resolveKernel(o.kernel, o);
      const r = await buildPipeline(k, o);
      if (o.json) return printJson(r);
      process.stdout.write(`${r.dir}\n`);
      for (const w of r.warningLines.slice(0, 20)) process.stderr.write(`${w}\n`);
    });
}
