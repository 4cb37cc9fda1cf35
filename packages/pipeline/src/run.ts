/** One call per pipeline for front ends without a progress view (nx executor, benchmarks, tests). */
import type { KernelEntry } from '@cgpu/kernels';
import { buildSteps, disposeBuild, type BuildContext, type BuildOpts, type BuildResult } from './build.js';
import { smokeSteps, type SmokeContext, type SmokeOpts } from './smoke.js';
import { runSteps } from './steps.js';
import type { SmokeResult } from '@cgpu/vmtest';

export async function runBuild(kernel: KernelEntry, opts: BuildOpts, log?: (l: string) => void): Promise<BuildResult> {
  const ctx: BuildContext = { kernel, opts };
  try {
    await runSteps(buildSteps(), ctx, log);
  } finally {
    await disposeBuild(ctx);
  }
  return ctx.result!;
}

export async function runSmoke(kernel: KernelEntry, opts: SmokeOpts, log?: (l: string) => void): Promise<{ build: BuildResult; reused: boolean; smoke: SmokeResult }> {
  const ctx: SmokeContext = { kernel, opts: { reuse: true, ...opts } };
  try {
    await runSteps(smokeSteps(), ctx, log);
  } finally {
    await disposeBuild(ctx);
  }
  return { build: ctx.result!, reused: ctx.reuse?.reused === true, smoke: ctx.smoke! };
}
