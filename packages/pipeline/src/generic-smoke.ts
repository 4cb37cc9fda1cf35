/**
 * The smoke pipeline for a module that is not cgpu (by its modinfo name): no build of ours and no scenario
 * tools; the kernel is fetched and booted, and the module only loaded and unloaded (@cgpu/vmtest generic.ts).
 * With a DKMS tree as --src and no --module, the tree is built the dkms way first and its modules booted.
 */
import { basename, join, resolve } from 'node:path';
import { moduleInfo } from '@cgpu/builder';
import { fetchKernel } from '@cgpu/kernels';
import { inTreeDependencies, loadOrder, normName, parseDepends, smokeGeneric, type GenericModule } from '@cgpu/vmtest';
import { defaultOut } from './build.js';
import { dkmsBuildSteps, type DkmsBuildContext } from './dkms-steps.js';
import { checkModule, type SmokeContext } from './smoke.js';
import type { Step } from './steps.js';

/** The name the kernel gives a module file (modinfo name; older modules without it: the file name). */
export async function moduleName(path: string): Promise<string> {
  const info = await moduleInfo(path);
  return info['name'] ?? basename(path).replace(/\.ko(\.[gx]z|\.zst)?$/, '');
}

/** Does this .ko need the generic mode? Everything but cgpu does. */
export async function isGenericModule(path: string): Promise<boolean> {
  return (await moduleName(path)) !== 'cgpu';
}

export type GenericSmokeContext = SmokeContext & DkmsBuildContext;

export function genericSmokeSteps(withDkmsBuild: boolean): Array<Step<GenericSmokeContext>> {
  return [
    ...(withDkmsBuild ? (dkmsBuildSteps() as Array<Step<GenericSmokeContext>>) : []),
    {
      title: 'fetch the kernel',
      run: async (ctx, r) => {
        if (ctx.skipped) return r.title(`skipped: ${ctx.skipped}`);
        ctx.fetched = await fetchKernel(ctx.kernel, r.output);
        r.title(`kernel ${ctx.kernel.release}: ${ctx.fetched.downloaded.length ? `downloaded ${ctx.fetched.downloaded.length} debs` : 'cached'}`);
      },
    },
    {
      title: 'boot in QEMU: load and unload (generic mode, no cgpu scenario)',
      run: async (ctx, r) => {
        if (ctx.skipped) return r.title(`skipped: ${ctx.skipped}`);
        const o = ctx.opts;
        const files = o.module ? [o.module] : ctx.result!.modules.map((m) => join(ctx.result!.dir, m.file));
        const own: Array<GenericModule & { depends: string[] }> = [];
        for (const f of files) {
          await checkModule(f, ctx.kernel.release);
          own.push({ name: await moduleName(f), file: f, depends: parseDepends((await moduleInfo(f))['depends']) });
        }
        // As modprobe on the target: the in-tree modules it needs (from the kernel's own .deb) load first.
        const deps = await inTreeDependencies(ctx.fetched!, own);
        if (deps.length) r.output(`in-tree dependencies: ${deps.map((d) => d.name).join(', ')}`);
        // The tree's own modules among themselves (tp_smapi needs thinkpad_ec): dependencies first, too.
        const byName = new Map(own.map((m) => [normName(m.name), m]));
        const ownOrder = loadOrder([...byName.keys()], (n) => (byName.get(n)?.depends ?? []).map(normName).filter((d) => byName.has(d)));
        const modules: GenericModule[] = [...deps, ...ownOrder.map((n) => ({ name: byName.get(n)!.name, file: byName.get(n)!.file }))];
        // Reports beside a build of ours (<out>/<name>/<release>/), never into the module's own directory.
        const reportDir = o.module ? join(resolve(o.out ?? defaultOut()), own[0]!.name, ctx.kernel.release) : ctx.result!.dir;
        const res = await smokeGeneric({
          kernel: ctx.fetched!,
          modules,
          reportDir,
          accel: o.accel ?? 'auto',
          timeoutMs: o.timeoutMs ?? 180_000,
          params: o.params ?? '',
          ...(o.onConsole ? { onLine: o.onConsole } : {}),
          log: r.output,
        });
        ctx.smoke = res;
        r.title(`${res.ok ? 'PASS' : 'FAIL'} ${own.map((m) => m.name).join(', ')} on ${res.kernel} (${res.accel}) in ${(res.timings.wallMs / 1000).toFixed(1)} s`);
      },
    },
  ];
}

