/** `cgpu smoke`: option parsing and the verdict; the pipeline (build or reuse on an equal key, boot) is @cgpu/pipeline's. */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { genericSmokeSteps, isDkmsTree, isGenericModule, resolveKernelOrCell, smokeSteps, type GenericSmokeContext, type SmokeOpts } from '@cgpu/pipeline';
import { chooseFirmware, requireQemu, type SmokeResult } from '@cgpu/vmtest';
import { parseAccel, parseArch, parsePositiveInt } from '../args.js';
import { green, printJson, red } from '../output.js';
import { buildOptions, buildOpts, kernelOpts, withBuildProgress, type BuildFlags } from './build.js';

export interface SmokeFlags extends BuildFlags {
  accel?: string;
  timeout?: string;
  params?: string;
  rebuild?: boolean;
  module?: string;
}

/** Bad option values are exit 2 before any download, build or boot. */
export function smokeOpts(f: SmokeFlags): SmokeOpts {
  parseArch(f.arch);
  // No --timeout: the runner's default for the kernel (180 s, 600 s for a debug kernel).
  const timeoutS = parsePositiveInt('--timeout', f.timeout, 3600);
  return {
    ...buildOpts(f),
    accel: parseAccel(f.accel),
    ...(timeoutS !== undefined ? { timeoutMs: timeoutS * 1000 } : {}),
    params: f.params ?? '',
    reuse: f.rebuild !== true,
    ...(f.module !== undefined ? { module: resolve(f.module) } : {}),
    ...(f.verbose ? { onConsole: (l: string) => void process.stderr.write(`${l}\n`) } : {}),
  };
}

function fuzzText(f: SmokeResult['fuzz'][number]): string {
  const targets = (f.targets ?? []).map((t) => {
    const files = t.files === undefined ? '' : ` on ${t.files} file${t.files === 1 ? '' : 's'}`;
    return `${t.path} ${t.ran ?? '?'} calls${files}${t.by === 'time' ? ' (time limit)' : t.by === 'other' ? ` (exit ${t.exit})` : ''}`;
  });
  return `${f.tool} seed ${f.seed}, ${f.ops} ops${targets.length ? `: ${targets.join(', ')}` : ''}`;
}

export function printVerdict(r: SmokeResult, generic = false): void {
  const t = r.timings;
  const checks = r.summaries.map((s) => `smoke${s.abi} ${s.passed} passed, ${s.failed} failed`).join('; ');
  process.stdout.write(
    `${r.ok ? green('PASS') : red('FAIL')} ${r.kernel} (${r.arch}, ${r.accel}): ${generic ? 'load and unload (generic mode)' : checks || 'no smoke results'}\n` +
      `  boot ${(t.bootMs / 1000).toFixed(2)} s, load ${t.loadMs} ms, scenario ${(t.scenarioMs / 1000).toFixed(2)} s, unload ${t.unloadMs} ms, wall ${(t.wallMs / 1000).toFixed(2)} s\n`,
  );
  for (const reason of r.reasons) process.stdout.write(`  ${red('reason:')} ${reason}\n`);
  if (r.fuzz.length) process.stdout.write(`  fuzzers: ${r.fuzz.map(fuzzText).join('; ')}\n`);
  // A debug kernel's own noise, kept apart from the module's verdict (issue 14).
  if (r.bootSplats.length) process.stdout.write(`  kernel's own boot-time splats (before insmod, not counted): ${r.bootSplats.length}\n${r.bootSplats.slice(0, 3).map((l) => `    | ${l}`).join('\n')}\n`);
  const otherLeaks = r.leaks.filter((l) => !l.byModule).length;
  if (otherLeaks) process.stdout.write(`  kmemleak objects of the kernel itself (not counted): ${otherLeaks}\n`);
  if (!r.ok && r.excerpt.length) process.stdout.write(`  console:\n${r.excerpt.map((l) => `    | ${l}`).join('\n')}\n`);
  process.stdout.write(`  ${r.files.json}\n`);
}

export function registerSmoke(program: Command): void {
  buildOptions(program.command('smoke').description('boot the kernel in QEMU and smoke-test cgpu.ko: load, open, ioctl, mmap, poll, procfs, unload'))
    .option('--accel <accel>', 'kvm, tcg or auto (KVM only after a bounded probe shows it works)', 'auto')
    .option('--timeout <s>', 'hard wall-clock limit of the boot, seconds (default 180; 600 for a debug kernel)')
    .option('--params <params>', 'module parameters for insmod, e.g. "num_gpus=2 slice_us=2000"')
    .option('--rebuild', 'build even if dist/ holds a build with the same key')
    .option('--module <ko>', 'boot this .ko (e.g. built by dkms): cgpu.ko with the scenario tools of our build; any other module in the generic mode (load, unload, taint)')
    .action(async (f: SmokeFlags) => {
      const opts = smokeOpts(f);
      const kernel = await resolveKernelOrCell(f.kernel, { ...kernelOpts(f), ...(f.cell ? { cell: f.cell } : {}) });
      await requireQemu(kernel.arch); // exit 2 with how to install it, before any build
      await chooseFirmware(kernel.arch); // a bad CGPU_FIRMWARE is exit 2 before any build too
      // Any module but cgpu (or a DKMS tree as --src): the generic mode, load/unload without our scenario.
      const generic = opts.module !== undefined ? await isGenericModule(opts.module).catch(() => false) : isDkmsTree(opts.src);
      const steps = generic ? genericSmokeSteps(opts.module === undefined) : smokeSteps();
      const ctx = await withBuildProgress<GenericSmokeContext>(steps, { kernel, opts }, f);
      if (ctx.skipped !== undefined) {
        if (f.json) printJson({ kernel: kernel.release, arch: kernel.arch, skipped: ctx.skipped });
        else process.stdout.write(`${kernel.release}: skipped: ${ctx.skipped}\n`);
        return;
      }
      const r = ctx.smoke!;
      if (f.json) printJson({ ...r, mode: generic ? 'generic' : 'cgpu', build: { key: ctx.result?.key, reused: ctx.reuse?.reused === true, why: ctx.reuse?.why } });
      else printVerdict(r, generic);
      if (!r.ok) process.exitCode = 1;
    });
}
