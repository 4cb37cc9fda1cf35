/** `cgpu kernels build-debug <series>`: the KASAN/UBSAN/kmemleak/lockdep kernel, built once and cached. */
import type { Command } from 'commander';
import { Listr } from 'listr2';
import { ensureDeb } from '@cgpu/kernels';
import { buildDebugKernel, cachedDebugKernel, ensureKbuildImage, planDebugKernel, type DebugKernel, type DebugPlan, type DebugStep } from '@cgpu/debugkernel';
import { UsageError } from '@cgpu/common';
import { humanSize, printJson } from '../output.js';
import { renderer } from '../progress.js';
import { refreshMode } from '@cgpu/pipeline';
import type { KernelOpts } from './kernels.js';

interface BuildDebugOpts extends KernelOpts {
  jobs?: string;
  plan?: boolean;
  verbose?: boolean;
}

const STEP_TITLE: Record<DebugStep, string> = {
  source: 'source',
  image: 'build image',
  unpack: 'unpacking the source',
  configure: 'configuring',
  bzImage: 'compiling bzImage',
  modules: 'compiling modules (Module.symvers)',
  headers: 'writing the headers tree',
  store: 'storing in the cache',
};

const secs = (ms: number): string => `${Math.round(ms / 1000)} s`;

/** The whole build as listr2 tasks; the compile task's title names the step, its output the latest file. */
export async function buildDebugWithProgress(series: string, o: BuildDebugOpts): Promise<DebugKernel> {
  const jobs = o.jobs === undefined ? 2 : Number(o.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError({ code: 'BAD_JOBS', message: `--jobs must be 1..64, not ${o.jobs}` });
  let plan: DebugPlan | undefined;
  let result: DebugKernel | undefined;
  const started = Date.now();
  await new Listr(
    [
      {
        title: `resolve linux-source-${series}`,
        task: async (_c, task) => {
          plan = await planDebugKernel(series, { refresh: refreshMode(o) });
          task.title = `${plan.deb.package} ${plan.deb.version} (${plan.stock.suite}, ${humanSize(plan.deb.size)}), key ${plan.key.slice(0, 16)}`;
        },
      },
      {
        title: 'fetch the source package (SHA256-checked)',
        task: async (_c, task) => {
          const r = await ensureDeb(plan!.deb, (m) => (task.output = m));
          task.title = r.downloaded ? `downloaded ${plan!.deb.package}` : `${plan!.deb.package}: served from cache`;
        },
      },
      {
        title: 'kernel build image',
        task: async (_c, task) => {
          task.title = `image ${await ensureKbuildImage(plan!.stock, (l) => (task.output = l))}`;
        },
      },
      {
        title: `build (make -j${jobs}, nice 10)`,
        task: async (_c, task) => {
          let compiled = 0;
          let stepStart = Date.now();
          let step = '';
          const tick = setInterval(() => {
            if (step) task.title = `${step} (${secs(Date.now() - stepStart)}, ${compiled} files, ${secs(Date.now() - started)} in all)`;
          }, 1000);
          try {
            result = await buildDebugKernel(series, {
              jobs,
              step: (s) => {
                step = STEP_TITLE[s];
                stepStart = Date.now();
              },
              log: (l) => {
                if (/^\s+(CC|AS|LD)\b/.test(l)) compiled++;
                if (o.verbose) process.stderr.write(`${l}\n`);
                else task.output = l;
              },
            }, plan);
          } finally {
            clearInterval(tick);
          }
          task.title = result.cached
            ? `${result.manifest.release}: served from cache`
            : `built ${result.manifest.release} in ${secs(Date.now() - started)}`;
        },
      },
    ],
    { renderer: renderer(o.json === true), exitOnError: true, registerSignalListeners: false },
  ).run();
  return result!;
}

export function registerBuildDebug(program: Command): void {
  const kernels = program.commands.find((c) => c.name() === 'kernels');
  if (!kernels) throw new Error('the kernels command must be registered first');
  kernels
    .command('build-debug <series>')
    .description('build a KASAN/UBSAN/kmemleak/lockdep kernel from Debian\'s linux-source-<series>; cached, use it as --kernel debug-<series>')
    .option('--jobs <n>', 'parallel make jobs (default 2: the machine is shared)')
    .option('--verbose', 'stream the build log')
    .option('--plan', 'only print the cache key and directory (e.g. a CI cache key) and whether it is built')
    .option('--offline', 'use the cached catalogue only')
    .option('--refresh', 'ask the mirror even if the cache is fresh')
    .option('--json', 'machine-readable output')
    .action(async (series: string, o: BuildDebugOpts) => {
      if (o.plan) {
        const p = await planDebugKernel(series, { refresh: refreshMode(o) });
        const hit = await cachedDebugKernel(p);
        const plan = { series, key: p.key, dir: p.dir, built: hit !== undefined, source: { package: p.deb.package, version: p.deb.version, sha256: p.deb.sha256 }, image: p.image };
        if (o.json) return printJson(plan);
        process.stdout.write(`${p.key}  ${p.dir}  ${hit ? 'built' : 'not built'}\n`);
        return;
      }
      const r = await buildDebugWithProgress(series, o);
      if (o.json) return printJson({ ...r.manifest, cached: r.cached, dir: r.plan.dir, files: r.local });
      process.stdout.write(`${r.manifest.release}: ${r.plan.dir}${r.cached ? ' (cached)' : ''}\n`);
      if (!r.cached) process.stdout.write(`  steps: ${Object.entries(r.manifest.times).map(([k, v]) => `${k} ${secs(v)}`).join(', ')}\n`);
      process.stdout.write(`  use it: cgpu smoke --kernel debug-${r.manifest.series}\n`);
    });
}
