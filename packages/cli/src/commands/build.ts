/** `cgpu build`: option parsing and printing; the pipeline (resolve -> patches -> build) is @cgpu/pipeline's. */
import type { Command } from 'commander';
import { buildSteps, disposeBuild, dkmsBuildSteps, isDkmsTree, resolveKernelOrCell, type BuildContext, type BuildOpts, type KernelOpts } from '@cgpu/pipeline';
import { parseArch } from '../args.js';
import { printJson, warn } from '../output.js';
import { runWithProgress } from '../progress.js';

/** What commander hands over for the options build and smoke share. */
export interface BuildFlags extends Omit<KernelOpts, 'warn'>, Pick<BuildOpts, 'src' | 'out' | 'werror' | 'patches' | 'series' | 'keep'> {
  kernel?: string;
  /** A cell of ci/kernels.lock instead of --kernel. */
  cell?: string;
  verbose?: boolean;
  json?: boolean;
}

export function buildOpts(f: BuildFlags): BuildOpts {
  return {
    ...(f.src !== undefined ? { src: f.src } : {}),
    ...(f.out !== undefined ? { out: f.out } : {}),
    ...(f.series !== undefined ? { series: f.series } : {}),
    werror: f.werror === true,
    patches: f.patches !== false,
    keep: f.keep === true,
  };
}

export function kernelOpts(f: BuildFlags): KernelOpts {
  return { ...f, warn };
}

/** Run the steps under listr2, then drop (or keep and name) the patched copy of the source. */
export async function withBuildProgress<C extends BuildContext>(steps: Parameters<typeof runWithProgress<C>>[0], ctx: C, f: BuildFlags): Promise<C> {
  try {
    return await runWithProgress(steps, ctx, f);
  } finally {
    await disposeBuild(ctx);
    if (ctx.keptSource) process.stderr.write(`patched source kept at ${ctx.keptSource}\n`);
  }
}

/** The options `build` and `smoke` share. */
export function buildOptions(c: Command): Command {
  return c
    .option('--kernel <spec>', 'kernel spec: 6.1, 6.1.0-50-amd64, bookworm, latest, host')
    .option('--cell <name>', 'a cell of ci/kernels.lock: exactly its locked kernel and .debs (instead of --kernel)')
    .option('--arch <arch>', 'amd64 or arm64 (cross-compiled)')
    .option('--flavour <flavour>', 'e.g. cloud-amd64')
    .option('--src <dir>', 'module source (default kernel-src/); a tree with a dkms.conf is built as dkms would')
    .option('--series <dir>', 'patch series for --src (kernel-src/ uses patches/)')
    .option('--out <dir>', 'output root (default dist/)')
    .option('--werror', 'treat compiler warnings as errors')
    .option('--no-patches', 'build the source as it is, without the compatibility patches')
    .option('--keep', 'keep the patched copy of the source and print where it is')
    .option('--verbose', 'stream the build log (and, for smoke, the console)')
    .option('--offline', 'use the cached catalogue only')
    .option('--json', 'machine-readable output');
}

export function registerBuild(program: Command): void {
  buildOptions(program.command('build').description('build the module for a kernel in a container of its own distro and compiler')).action(
    async (f: BuildFlags) => {
      parseArch(f.arch);
      const kernel = await resolveKernelOrCell(f.kernel, { ...kernelOpts(f), ...(f.cell ? { cell: f.cell } : {}) });
      const opts = buildOpts(f);
      // A tree with a dkms.conf (not kernel-src/) is built as dkms would; BUILD_EXCLUSIVE_* may skip it (exit 0).
      const ctx = isDkmsTree(opts.src) ? await withBuildProgress(dkmsBuildSteps(), { kernel, opts }, f) : await withBuildProgress(buildSteps(), { kernel, opts }, f);
      if (ctx.skipped !== undefined) {
        if (f.json) return printJson({ kernel: kernel.release, arch: kernel.arch, skipped: ctx.skipped });
        process.stdout.write(`${kernel.release}: skipped: ${ctx.skipped}\n`);
        return;
      }
      const r = ctx.result!;
      if (f.json) return printJson(r);
      process.stdout.write(`${ctx.kernel.release}: ${r.dir}\n`);
      for (const w of r.warningLines.slice(0, 20)) process.stderr.write(`${w}\n`);
    },
  );
}
