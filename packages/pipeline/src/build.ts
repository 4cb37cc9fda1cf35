/** The build pipeline for one kernel: select and apply patches -> build identity -> build (or reuse) in its container. */
import { join, resolve } from 'node:path';
import { readJson, repoRoot, sha256File } from '@cgpu/common';
import { buildModule, type ModuleBuild } from '@cgpu/builder';
import type { KernelEntry } from '@cgpu/kernels';
import type { ProbeCompiler } from '@cgpu/patches';
import { buildIdentity, changedInputs, type BuildIdentity, type BuildKeyInputs } from './identity.js';
import { defaultSourceDir, preparePatchedSource, type AppliedPatch, type PreparedSource } from './patch-step.js';
import type { Step } from './steps.js';

export interface BuildOpts {
  /** Module source (default kernel-src/). */
  src?: string;
  /** Output root (default dist/); the result goes to `<out>/<release>/`. */
  out?: string;
  werror?: boolean;
  /** false: build the source as it is, without the compatibility patches. */
  patches?: boolean;
  /** Patch series for `src` (kernel-src/ uses patches/). */
  series?: string;
  /** Keep the patched copy of the source; its path is in `BuildContext.keptSource`. */
  keep?: boolean;
  /** Reuse `<out>/<release>/` when its build key equals this build's (smoke does; `cgpu build` always builds). */
  reuse?: boolean;
  /** Tests inject a probe compiler; the default runs the probes in the kernel's builder container. */
  compiler?: ProbeCompiler;
}

/** build.json: what the builder made, the patches, and the key of every input. */
export interface BuildResult extends ModuleBuild {
  patches: AppliedPatch[];
  key: string;
  keyInputs: BuildKeyInputs;
}

export interface BuildContext {
  kernel: KernelEntry;
  opts: BuildOpts;
  prepared?: PreparedSource;
  identity?: BuildIdentity;
  result?: BuildResult;
  /** Whether `result` was reused from disk, and why it was or was not. */
  reuse?: { reused: boolean; why: string };
  keptSource?: string;
  /** A DKMS tree whose BUILD_EXCLUSIVE_* rules this kernel out: why (nothing was built; not a failure). */
  skipped?: string;
}

export function defaultOut(): string {
  return resolve(repoRoot(), 'dist');
}

export function buildDir(k: KernelEntry, o: Pick<BuildOpts, 'out'>): string {
  return join(resolve(o.out ?? defaultOut()), k.release);
}

/** May `dir` be served for `id`? Equal key, and every file build.json names is there with its SHA256. */
export async function reusable(dir: string, id: BuildIdentity): Promise<{ result?: BuildResult; why: string }> {
  const prev = await readJson<BuildResult>(join(dir, 'build.json'));
  if (!prev) return { why: 'no earlier build' };
  if (prev.key !== id.key) return { why: `inputs changed: ${changedInputs(prev.keyInputs, id.inputs).join(', ')}` };
  for (const f of [...prev.modules, ...prev.tools]) {
    const got = await sha256File(join(dir, f.file)).catch(() => 'missing');
    if (got !== f.sha256) return { why: `${f.file} is ${got === 'missing' ? 'missing' : 'not the file that was built'}` };
  }
  return { result: prev, why: `same key ${id.key.slice(0, 12)}` };
}

export function buildSteps(): Array<Step<BuildContext>> {
  return [
    {
      title: 'select and apply patches',
      run: async (ctx, r) => {
        const o = ctx.opts;
        const src = resolve(o.src ?? defaultSourceDir());
        ctx.prepared = await preparePatchedSource(ctx.kernel, src, {
          usePatches: o.patches !== false,
          ...(o.series ? { seriesDir: o.series } : {}),
          ...(o.compiler ? { compiler: o.compiler } : {}),
          log: r.output,
        });
        r.title(ctx.prepared.applied.length ? `patches: ${ctx.prepared.applied.map((p) => p.name).join(', ')}` : 'patches: none needed');
      },
    },
    {
      title: 'build identity',
      run: async (ctx, r) => {
        const p = ctx.prepared!;
        ctx.identity = await buildIdentity(ctx.kernel, { sourceHash: p.sourceHash }, p.seriesDir, p.applied, ctx.opts.werror === true);
        if (ctx.opts.reuse) {
          const found = await reusable(buildDir(ctx.kernel, ctx.opts), ctx.identity);
          ctx.reuse = { reused: found.result !== undefined, why: found.why };
          if (found.result) ctx.result = found.result;
        } else {
          ctx.reuse = { reused: false, why: 'a build was asked for' };
        }
        r.title(`build key ${ctx.identity.key.slice(0, 12)}: ${ctx.reuse.reused ? 'reusing dist/' : `building (${ctx.reuse.why})`}`);
      },
    },
    {
      title: `build in the kernel's own container`,
      run: async (ctx, r) => {
        if (ctx.result) {
          r.title(`reused ${ctx.result.modules.map((m) => m.file).join(', ')} for ${ctx.kernel.release}`);
          return;
        }
        const k = ctx.kernel;
        const p = ctx.prepared!;
        const id = ctx.identity!;
        const manifest = { patches: p.applied, key: id.key, keyInputs: id.inputs };
        const built = await buildModule({
          kernel: k,
          src: await p.tree(),
          out: ctx.opts.out ?? defaultOut(),
          werror: ctx.opts.werror === true,
          manifest,
          log: r.output,
        });
        ctx.result = { ...built, ...manifest };
        r.title(`built ${built.modules.map((m) => m.file).join(', ')} for ${k.release} (${k.baseSuite}, gcc-${k.gccMajor}): ${built.warnings} warnings, ${(built.durationMs / 1000).toFixed(1)} s`);
      },
    },
  ];
}

/** Remove the patched temp copy, or keep it when asked (its path is then in `keptSource`). */
export async function disposeBuild(ctx: BuildContext): Promise<void> {
  const p = ctx.prepared;
  if (!p) return;
  if (ctx.opts.keep) {
    const dir = await p.tree();
    if (dir !== resolve(ctx.opts.src ?? defaultSourceDir())) ctx.keptSource = dir;
  } else await p.cleanup();
}
