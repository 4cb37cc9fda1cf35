/** `cgpu smoke`: build what is missing (or reuse dist/), boot the kernel in QEMU, print a strict verdict. */
import type { Command } from 'commander';
import { join } from 'node:path';
import { UsageError, readJson } from '@cgpu/common';
import type { BuildResult } from '@cgpu/builder';
import { fetchKernel, type KernelEntry } from '@cgpu/kernels';
import { requireQemu, smoke, type SmokeResult } from '@cgpu/vmtest';
import { parsePositiveInt } from '../args.js';
import { green, printJson, red } from '../output.js';
import { buildPipeline, defaultOut, type BuildOpts } from './build.js';
import { resolveKernel } from './kernels.js';

export interface SmokeOpts extends BuildOpts {
  accel?: string;
  timeout?: string;
  params?: string;
  rebuild?: boolean;
}

/** Reuse dist/<release>/ when its build.json matches the kernel and names the module; else build. */
async function ensureBuilt(k: KernelEntry, o: SmokeOpts): Promise<string> {
  const dir = join(o.out ?? defaultOut(), k.release);
  const prev = await readJson<BuildResult>(join(dir, 'build.json'));
  if (!o.rebuild && !o.src && prev?.kernel === k.release && prev.modules.some((m) => m.file === 'cgpu.ko') && prev.tools.length > 0) return dir;
  return (await buildPipeline(k, o)).dir;
}

/** Bad option values are exit 2 before any download, build or boot. */
export function validateSmokeOptions(o: SmokeOpts): { accel: 'auto' | 'kvm' | 'tcg'; timeoutS: number } {
  const accel = o.accel ?? 'auto';
  if (accel !== 'auto' && accel !== 'kvm' && accel !== 'tcg') {
    throw new UsageError({ code: 'BAD_ACCEL', message: `--accel must be auto, kvm or tcg, not ${accel}` });
  }
  return { accel, timeoutS: parsePositiveInt('--timeout', o.timeout, 3600) ?? 180 };
}

export async function runSmoke(k: KernelEntry, o: SmokeOpts): Promise<SmokeResult> {
  const { accel, timeoutS } = validateSmokeOptions(o);
  await requireQemu(k.arch); // exit 2 with how to install it, before any build
  const dir = await ensureBuilt(k, o);
  const fetched = await fetchKernel(k);
  return smoke({
    kernel: fetched,
    buildDir: dir,
    accel,
    timeoutMs: timeoutS * 1000,
    params: o.params ?? '',
    ...(o.verbose ? { onLine: (l: string) => void process.stderr.write(`${l}\n`) } : {}),
    ...(o.json ? {} : { log: (m: string) => void process.stderr.write(`${m}\n`) }),
  });
}

export function printVerdict(r: SmokeResult): void {
  const t = r.timings;
  const checks = r.summaries.map((s) => `smoke${s.abi} ${s.passed} passed, ${s.failed} failed`).join('; ');
  process.stdout.write(
    `${r.ok ? green('PASS') : red('FAIL')} ${r.kernel} (${r.arch}, ${r.accel}): ${checks || 'no smoke results'}\n` +
      `  boot ${(t.bootMs / 1000).toFixed(2)} s, load ${t.loadMs} ms, scenario ${(t.scenarioMs / 1000).toFixed(2)} s, unload ${t.unloadMs} ms, wall ${(t.wallMs / 1000).toFixed(2)} s\n`,
  );
  for (const reason of r.reasons) process.stdout.write(`  ${red('reason:')} ${reason}\n`);
  if (!r.ok && r.excerpt.length) process.stdout.write(`  console:\n${r.excerpt.map((l) => `    | ${l}`).join('\n')}\n`);
  process.stdout.write(`  ${r.files.json}\n`);
}

export function registerSmoke(program: Command): void {
  program
    .command('smoke')
    .description('boot the kernel in QEMU and smoke-test cgpu.ko: load, open, ioctl, mmap, poll, procfs, unload')
    .requiredOption('--kernel <spec>', 'kernel spec: 6.1, bookworm, latest, ...')
    .option('--arch <arch>', 'amd64 or arm64')
    .option('--flavour <flavour>', 'e.g. cloud-amd64')
    .option('--accel <accel>', 'kvm, tcg or auto (KVM only after a bounded probe shows it works)', 'auto')
    .option('--timeout <s>', 'hard wall-clock limit of the boot, seconds', '180')
    .option('--params <params>', 'module parameters for insmod, e.g. "num_gpus=2 slice_us=2000"')
    .option('--src <dir>', 'module source (default kernel-src/)')
    .option('--series <dir>', 'patch series for --src')
    .option('--out <dir>', 'output root (default dist/)')
    .option('--rebuild', 'build even if dist/ has a build for this kernel')
    .option('--keep', 'keep the patched copy of the source that was built and print where it is')
    .option('--verbose', 'stream the console')
    .option('--offline', 'use the cached catalogue only')
    .option('--json', 'machine-readable output')
    .action(async (o: SmokeOpts) => {
      validateSmokeOptions(o);
      const k = await resolveKernel(o.kernel, o);
      const r = await runSmoke(k, o);
      if (o.json) printJson(r);
      else printVerdict(r);
      if (!r.ok) process.exitCode = 1;
    });
}
