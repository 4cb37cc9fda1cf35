/** Build the debug kernel of a series in its container, check its config, and store it in the cache. */
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runContainer, type Log } from '@cgpu/builder';
import { CgpuError, onCleanup, withLock, writeFileAtomic } from '@cgpu/common';
import { ensureDeb, type LocalKernel } from '@cgpu/kernels';
import { fragmentPath, unmetOptions } from './config.js';
import { ensureKbuildImage } from './image.js';
import { MANIFEST, cachedDebugKernel, planDebugKernel, type DebugManifest, type DebugPlan } from './plan.js';
import { buildScript, configureScript, type ScriptInput } from './script.js';

export class DebugConfigError extends CgpuError {
  constructor(series: string, unmet: string[]) {
    super({
      code: 'DEBUG_CONFIG_UNMET',
      message: `the ${series} debug config does not hold what the fragment asks (Kconfig dropped it):\n${unmet.join('\n')}`,
      hint: 'fix packages/debugkernel/configs/cgpu-debug.config (a dependency is missing or the option was renamed)',
      details: { unmet },
    });
    this.name = 'DebugConfigError';
  }
}

export type DebugStep = 'source' | 'image' | 'unpack' | 'configure' | 'bzImage' | 'modules' | 'headers' | 'store';

export interface DebugHooks {
  /** Each make/apt output line. */
  log?: Log;
  /** Called when a step starts. */
  step?: (s: DebugStep) => void;
  /** Parallel make jobs (default 2: the machine is shared). */
  jobs?: number;
}

export interface DebugKernel {
  plan: DebugPlan;
  manifest: DebugManifest;
  local: LocalKernel;
  /** True when served from the cache without building. */
  cached: boolean;
}

const HOUR = 60 * 60_000;

/** Builds unless the cache entry exists; concurrent calls for the same kernel wait for one build. */
export async function buildDebugKernel(series: string, hooks: DebugHooks = {}, plan?: DebugPlan): Promise<DebugKernel> {
  const p = plan ?? (await planDebugKernel(series));
  const hit = await cachedDebugKernel(p);
  if (hit) return { plan: p, ...hit, cached: true };
  return withLock(`${p.dir}.lock`, 4 * HOUR, async () => {
    const again = await cachedDebugKernel(p);
    if (again) return { plan: p, ...again, cached: true };
    return build(p, hooks);
  });
}

async function build(p: DebugPlan, hooks: DebugHooks): Promise<DebugKernel> {
  const times: Record<string, number> = {};
  let current: DebugStep | undefined;
  let since = Date.now();
  const step = (s: DebugStep): void => {
    if (current) times[current] = Date.now() - since;
    current = s;
    since = Date.now();
    hooks.step?.(s);
  };
  const onLine = (l: string): void => {
    const m = l.match(/^@@step (\w+)$/);
    if (m) step(m[1] as DebugStep);
    else hooks.log?.(l);
  };
  step('source');
  const { path: deb } = await ensureDeb(p.deb, hooks.log);
  step('image');
  const image = await ensureKbuildImage(p.stock, hooks.log);
  await mkdir(p.work, { recursive: true });
  const removeOut = (): Promise<void> => rm(join(p.work, 'out'), { recursive: true, force: true });
  const unregister = onCleanup(removeOut);
  try {
    const input: ScriptInput = { series: p.series, gccMajor: p.stock.gccMajor, jobs: hooks.jobs ?? 2 };
    const mounts = ['--network', 'none', '-v', `${deb}:/in/source.deb:ro`, '-v', `${fragmentPath()}:/in/cgpu-debug.config:ro`, '-v', `${p.work}:/work`];
    await runContainer(image, mounts, configureScript(input), { timeoutMs: HOUR, log: onLine, purpose: `configuring the ${p.series} debug kernel` });
    const unmet = unmetOptions(p.fragment, await readFile(join(p.work, 'config.final'), 'utf8'));
    if (unmet.length) throw new DebugConfigError(p.series, unmet);
    const owner = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
    await runContainer(image, mounts, buildScript(input, owner), { timeoutMs: 3 * HOUR, log: onLine, purpose: `building the ${p.series} debug kernel` });
    step('store');
    const out = join(p.work, 'out');
    const release = (await readFile(join(out, 'release'), 'utf8')).trim();
    const manifest: DebugManifest = {
      series: p.series,
      release,
      key: p.key,
      source: { package: p.deb.package, version: p.deb.version, sha256: p.deb.sha256, suite: p.stock.suite },
      image,
      gcc: `gcc-${p.stock.gccMajor}`,
      jobs: input.jobs,
      times: { ...times, store: 0 },
      builtAt: new Date().toISOString(),
    };
    await writeFileAtomic(join(out, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(p.dir, { recursive: true, force: true });
    await rename(out, p.dir);
    // The scratch tree (several GB of objects) is not kept: the cache entry is all that later runs use.
    await rm(p.work, { recursive: true, force: true });
    const done = await cachedDebugKernel(p);
    if (!done) throw new CgpuError({ code: 'DEBUG_STORE', message: `the debug kernel was built but ${p.dir} is incomplete`, hint: `remove ${p.dir} and build again` });
    return { plan: p, ...done, cached: false };
  } finally {
    unregister();
    await removeOut();
  }
}
