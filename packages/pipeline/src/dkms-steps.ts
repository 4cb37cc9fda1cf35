/**
 * The build steps for a DKMS source tree (any tree with a dkms.conf, other than kernel-src/): read dkms.conf
 * as dkms would for this kernel -> build identity -> build in the kernel's container as dkms's do_build does.
 * BUILD_EXCLUSIVE_* that rule the kernel out end the pipeline with `skipped`, not a failure.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CgpuError } from '@cgpu/common';
import { buildDkmsTree, dkmsBuildScript, evalDkmsConf } from '@cgpu/builder';
import { interpret, legacyExclusiveFor, packageOf, unameMachine, type DkmsPlan, type DkmsTarget } from '@cgpu/dkmsconf';
import type { KernelEntry } from '@cgpu/kernels';
import { defaultOut, reusable, type BuildContext, type BuildOpts } from './build.js';
import { buildIdentity } from './identity.js';
import { defaultSourceDir } from './patch-step.js';
import type { Step } from './steps.js';

/** A tree is built the dkms way when it has a dkms.conf and is not our own kernel-src/. */
export function isDkmsTree(src: string | undefined): boolean {
  if (src === undefined) return false;
  const dir = resolve(src);
  return dir !== resolve(defaultSourceDir()) && existsSync(join(dir, 'dkms.conf'));
}

/** `<out>/<PACKAGE_NAME>/<release>/`: a DKMS tree's result never replaces cgpu's own `<out>/<release>/`. */
export function dkmsOutRoot(opts: Pick<BuildOpts, 'out'>, packageName: string): string {
  return join(resolve(opts.out ?? defaultOut()), packageName.replace(/[^A-Za-z0-9_.+-]/g, '_'));
}

export interface DkmsBuildContext extends BuildContext {
  dkms?: { plan: DkmsPlan; target: DkmsTarget; script: string; outRoot: string };
}

/** dkms reads dkms.conf with module/module_version set: PACKAGE_NAME/VERSION from a first reading. */
export async function planDkmsBuild(k: KernelEntry, src: string, log?: (l: string) => void): Promise<{ plan: DkmsPlan; target: DkmsTarget; warnings: string[] }> {
  const bare: DkmsTarget = { kernelver: k.release, arch: unameMachine(k.arch), module: '', moduleVersion: '' };
  const firstRead = await evalDkmsConf(k, src, bare, log);
  const pkg = packageOf(firstRead);
  const target: DkmsTarget = { ...bare, module: pkg.name, moduleVersion: pkg.version };
  const conf = await evalDkmsConf(k, src, target, log);
  // BUILD_EXCLUSIVE as the dkms of the kernel's own suite reads it (bookworm's 3.0.10 knows fewer rules).
  const plan = interpret(conf, target, { legacyExclusive: legacyExclusiveFor(k.baseSuite) });
  const warnings = [...conf.stderr.split('\n').filter((l) => l.trim() !== '').map((l) => `dkms.conf: ${l}`), ...plan.warnings];
  if (plan.errors.length) {
    throw new CgpuError({
      code: 'DKMSCONF_INVALID',
      message: `dkms would refuse ${join(src, 'dkms.conf')} for ${k.release}:\n${plan.errors.join('\n')}`,
      hint: 'fix dkms.conf (see dkms(8), "DKMS.CONF")',
      details: { errors: plan.errors },
    });
  }
  return { plan, target, warnings };
}

export function dkmsBuildSteps(): Array<Step<DkmsBuildContext>> {
  return [
    {
      title: 'read dkms.conf as dkms would',
      run: async (ctx, r) => {
        const src = resolve(ctx.opts.src!);
        const { plan, target, warnings } = await planDkmsBuild(ctx.kernel, src, r.output);
        for (const w of warnings) r.output(w);
        ctx.dkms = { plan, target, script: dkmsBuildScript(ctx.kernel, plan), outRoot: dkmsOutRoot(ctx.opts, plan.packageName) };
        if (plan.skip) {
          ctx.skipped = plan.skip;
          r.title(`skipped: ${plan.skip}`);
          return;
        }
        const mods = plan.modules.filter((m) => !m.excluded).map((m) => m.destName);
        r.title(`${plan.packageName} ${plan.packageVersion}: ${mods.join(', ')}; make from ${plan.makeFrom}`);
      },
    },
    {
      title: 'build identity',
      run: async (ctx, r) => {
        if (ctx.skipped) return r.title('build identity: nothing to build');
        const d = ctx.dkms!;
        ctx.identity = await buildIdentity(ctx.kernel, resolve(ctx.opts.src!), undefined, [], false, { script: d.script, make: d.plan.make, makeFrom: d.plan.makeFrom });
        if (ctx.opts.reuse) {
          const found = await reusable(join(d.outRoot, ctx.kernel.release), ctx.identity);
          ctx.reuse = { reused: found.result !== undefined, why: found.why };
          if (found.result) ctx.result = found.result;
        } else {
          ctx.reuse = { reused: false, why: 'a build was asked for' };
        }
        r.title(`build key ${ctx.identity.key.slice(0, 12)}: ${ctx.reuse.reused ? 'reusing' : `building (${ctx.reuse.why})`}`);
      },
    },
    {
      title: 'build as dkms would, in the kernel\'s own container',
      run: async (ctx, r) => {
        if (ctx.skipped) return r.title(`skipped: ${ctx.skipped}`);
        if (ctx.result) return r.title(`reused ${ctx.result.modules.map((m) => m.file).join(', ')} for ${ctx.kernel.release}`);
        const d = ctx.dkms!;
        const id = ctx.identity!;
        const manifest = { patches: [], key: id.key, keyInputs: id.inputs, dkms: { package: d.plan.packageName, version: d.plan.packageVersion, make: d.plan.makeCommand, makeFrom: d.plan.makeFrom } };
        const built = await buildDkmsTree({ kernel: ctx.kernel, src: resolve(ctx.opts.src!), plan: d.plan, out: d.outRoot, manifest, log: r.output });
        ctx.result = { ...built, patches: [], key: id.key, keyInputs: id.inputs };
        r.title(`built ${built.modules.map((m) => m.file).join(', ')} for ${ctx.kernel.release} (gcc-${ctx.kernel.gccMajor}): ${built.warnings} warnings, ${(built.durationMs / 1000).toFixed(1)} s`);
      },
    },
  ];
}
