/** The smoke pipeline for one kernel: the build steps (reusing dist/ only on an equal key), fetch, boot and verdict. */
import { CgpuError, UsageError, exists } from '@cgpu/common';
import { moduleInfo } from '@cgpu/builder';
import { fetchKernel, type FetchedKernel } from '@cgpu/kernels';
import { smoke, type Accel, type SmokeResult } from '@cgpu/vmtest';
import { buildDir, buildSteps, type BuildContext, type BuildOpts } from './build.js';
import type { Step } from './steps.js';

export interface SmokeOpts extends BuildOpts {
  accel?: Accel | 'auto';
  /** Hard wall-clock limit of the boot. */
  timeoutMs?: number;
  /** insmod parameters, e.g. `num_gpus=2`. */
  params?: string;
  /** Boot this .ko (e.g. one dkms built) with the scenario tools of our build for the same kernel. */
  module?: string;
  /** Every console line as it arrives. */
  onConsole?: (line: string) => void;
}

export interface SmokeContext extends BuildContext {
  opts: SmokeOpts;
  fetched?: FetchedKernel;
  smoke?: SmokeResult;
}

/** A module given with --module must be for this kernel: say so before a boot that could only fail. */
export async function checkModule(path: string, release: string): Promise<void> {
  if (!(await exists(path))) throw new UsageError({ code: 'SMOKE_INPUT_MISSING', message: `${path} does not exist` });
  const vermagic = (await moduleInfo(path))['vermagic'] ?? '';
  if (!vermagic.startsWith(`${release} `)) {
    throw new CgpuError({
      code: 'VERMAGIC_MISMATCH',
      message: `${path} was built for "${vermagic.split(' ')[0] ?? '?'}", not ${release}`,
      hint: `pass --kernel ${vermagic.split(' ')[0] ?? '<its release>'} or a module built for ${release}`,
      exitCode: 2,
    });
  }
}

export function smokeSteps(): Array<Step<SmokeContext>> {
  return [
    ...(buildSteps() as Array<Step<SmokeContext>>),
    {
      title: 'fetch the kernel',
      run: async (ctx, r) => {
        ctx.fetched = await fetchKernel(ctx.kernel, r.output);
        r.title(`kernel ${ctx.kernel.release}: ${ctx.fetched.downloaded.length ? `downloaded ${ctx.fetched.downloaded.length} debs` : 'cached'}`);
      },
    },
    {
      title: 'boot in QEMU and run the scenario',
      run: async (ctx, r) => {
        const o = ctx.opts;
        if (o.module) await checkModule(o.module, ctx.kernel.release);
        const res = await smoke({
          kernel: ctx.fetched!,
          buildDir: buildDir(ctx.kernel, o),
          ...(o.module ? { moduleFile: o.module } : {}),
          accel: o.accel ?? 'auto',
          ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}), // else vmtest's: 180 s, a debug kernel 600 s
          params: o.params ?? '',
          ...(o.onConsole ? { onLine: o.onConsole } : {}),
          log: r.output,
        });
        ctx.smoke = res;
        r.title(`${res.ok ? 'PASS' : 'FAIL'} ${res.kernel} (${res.accel}) in ${(res.timings.wallMs / 1000).toFixed(1)} s`);
      },
    },
  ];
}
