/** One smoke run: initramfs from the build, boot with a hard limit, verdict from the console, reports on disk. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError, exists, writeFileAtomic } from '@cgpu/common';
import type { FetchedKernel, KernelEntry } from '@cgpu/kernels';
import { chooseBootFile, type BootChoice, type BootPreference } from './boot-file.js';
import { buildInitramfs, busybox, trinityEnabled } from './initramfs.js';
import { initramfsCompression } from './initramfs-cache.js';
import { junitXml } from './junit.js';
import { boot, chooseFirmware, probeKvm, requireQemu, type Accel, type BootResult, type Firmware } from './qemu.js';
import { parseConsole, type Verdict } from './verdict.js';
import { END_MARK } from './init-script.js';

export interface SmokeRequest {
  kernel: FetchedKernel;
  /** `dist/<release>/` of a build: cgpu.ko and tools/. */
  buildDir: string;
  moduleFile?: string;
  params?: string;
  accel?: Accel | 'auto';
  timeoutMs?: number;
  /** Boot the PVH vmlinux when the kernel has one (default), or always the bzImage. */
  bootFile?: BootPreference;
  onLine?: (line: string) => void;
  log?: (msg: string) => void;
}

export interface SmokeResult extends Verdict {
  kernel: string;
  arch: string;
  accel: Accel;
  accelWhy: string;
  timedOut: boolean;
  /** How the VM run ended; a good run ends by its end mark. */
  endedBy: 'mark' | 'exit' | 'timeout';
  /** The file QEMU booted, and why that one. */
  boot: BootChoice;
  /** The firmware QEMU started (amd64: qboot when QEMU has it). */
  firmware: Firmware;
  /** The initramfs it booted: a file of the initramfs cache, which drops the least recently used past 512 MiB. */
  initrd: string;
  timings: { bootMs: number; loadMs: number; scenarioMs: number; unloadMs: number; wallMs: number };
  files: { console: string; junit: string; json: string };
}

/** Default limit of a debug kernel's boot and scenario under TCG (a whole run takes ~55 s here: bench/debug.sh). */
export const DEBUG_TIMEOUT_MS = 600_000;
/** Kernel parameters of a debug kernel's smoke run on amd64 (why: see `smoke`). */
export const DEBUG_AMD64_APPEND = ['acpi=off', 'pci=off', 'tsc=reliable', 'max_loop=0'];

export async function chooseAccel(req: Pick<SmokeRequest, 'accel' | 'kernel'>): Promise<{ accel: Accel; why: string }> {
  const want = req.accel ?? 'auto';
  if (want === 'tcg') return { accel: 'tcg', why: '--accel tcg' };
  if (want === 'kvm') return { accel: 'kvm', why: '--accel kvm' };
  const arch = req.kernel.entry.arch;
  if (arch !== 'amd64') return { accel: 'tcg', why: 'KVM only for a guest of the host arch (amd64)' };
  const p = await probeKvm(arch, req.kernel.vmlinuz, await busybox(arch));
  return p.usable ? { accel: 'kvm', why: p.why } : { accel: 'tcg', why: `KVM probe: ${p.why}` };
}

/** Where a run's reports go: console.log, junit.xml and smoke.json in `dir`. */
export function reportFiles(dir: string): SmokeResult['files'] {
  return { console: join(dir, 'console.log'), junit: join(dir, 'junit.xml'), json: join(dir, 'smoke.json') };
}

/** A run's result: the verdict, how the VM was run and ended, and stage timings from the guest's marks. */
export function smokeResult(v: Verdict, r: BootResult, k: Pick<KernelEntry, 'release' | 'arch'>, accel: { accel: Accel; why: string }, boot: BootChoice, files: SmokeResult['files']): SmokeResult {
  const st = v.stages;
  const ms = (a?: number, b?: number): number => (a !== undefined && b !== undefined ? Math.round((b - a) * 1000) : 0);
  return {
    ...v,
    kernel: k.release,
    arch: k.arch,
    accel: accel.accel,
    accelWhy: accel.why,
    timedOut: r.timedOut,
    endedBy: r.endedBy,
    boot,
    firmware: r.firmware,
    initrd: r.initrd,
    timings: {
      bootMs: st['boot'] !== undefined ? Math.round(st['boot'] * 1000) : 0,
      loadMs: ms(st['load'], st['loaded']),
      scenarioMs: ms(st['scenario'], st['scenario-done']),
      unloadMs: ms(st['unload'], st['unloaded']),
      wallMs: r.wallMs,
    },
    files,
  };
}

export async function smoke(req: SmokeRequest): Promise<SmokeResult> {
  const k = req.kernel.entry;
  await requireQemu(k.arch);
  const mod = req.moduleFile ?? join(req.buildDir, 'cgpu.ko');
  const smoke64 = join(req.buildDir, 'tools/cgpu-smoke');
  const smoke32 = join(req.buildDir, 'tools/cgpu-smoke32');
  for (const f of [mod, smoke64]) {
    if (!(await exists(f))) {
      throw new UsageError({ code: 'SMOKE_INPUT_MISSING', message: `${f} does not exist`, hint: `run \`cgpu build --kernel ${k.release}\` first` });
    }
  }
  const config = await readFile(req.kernel.config, 'utf8');
  const configHas = (opt: string): boolean => new RegExp(`^${opt}=y$`, 'm').test(config);
  const append: string[] = [];
  let expect32 = false;
  if (k.arch === 'amd64' && configHas('CONFIG_IA32_EMULATION')) {
    expect32 = true;
    if (configHas('CONFIG_IA32_EMULATION_DEFAULT_DISABLED')) append.push('ia32_emulation=1');
  }
  if (k.arch === 'arm64' && configHas('CONFIG_COMPAT')) expect32 = true;
  // A debug kernel (issue 14): warnings reach the console (lockdep reports are KERN_WARNING), and its own
  // boot-time splats are reported apart. On amd64 it boots without ACPI and PCI: the smoke guest uses neither
  // (serial console on the legacy port, initramfs, one CPU; the run ends at its end mark, not at power-off),
  // and under KASAN and lockdep the ACPI interpreter and the PCI scan took ~7 of its ~13 s to /init under TCG.
  // Without ACPI there is no HPET or PM timer to check the TSC against, and the jiffies watchdog (late timer
  // ticks under TCG) marked it unstable: time then ran on jiffies, slower than real time, and the scenario's
  // timed parts grew by ~8 s. tsc=reliable keeps the TSC, the clocksource the kernel picks with ACPI too.
  // No loop devices either (defconfig builds in loop and makes 8).
  const debugKernel = ['CONFIG_KASAN', 'CONFIG_DEBUG_KMEMLEAK', 'CONFIG_PROVE_LOCKING'].some(configHas);
  if (debugKernel) append.push('loglevel=5', ...(k.arch === 'amd64' ? DEBUG_AMD64_APPEND : []));
  expect32 &&= await exists(smoke32);
  const compression = initramfsCompression(config);
  const initrd = await buildInitramfs({ arch: k.arch, module: mod, smoke: smoke64, ...(expect32 ? { smoke32 } : {}), params: req.params ?? '', compression: compression.kind });
  const { accel, why } = await chooseAccel(req);
  const bootFile = await chooseBootFile(k.arch, req.kernel.vmlinuz, req.bootFile ?? 'auto', req.log);
  const firmware = await chooseFirmware(k.arch);
  req.log?.(`booting ${k.release} with ${accel} (${why}), ${bootFile.kind} ${bootFile.file} (${bootFile.why}), firmware ${firmware.name} (${firmware.why}), initramfs ${initrd} (${compression.kind}: ${compression.why})`);
  const timeoutMs = req.timeoutMs ?? (debugKernel ? DEBUG_TIMEOUT_MS : 180_000);
  const r = await boot({ arch: k.arch, kernel: bootFile.file, initrd, append, accel, timeoutMs, firmware, endMark: END_MARK, ...(req.onLine ? { onLine: req.onLine } : {}) });
  const v = parseConsole(r.console, { timedOut: r.timedOut, timeoutMs, expect32, debugKernel, trinity: trinityEnabled() });
  const files = reportFiles(req.buildDir);
  const result = smokeResult(v, r, k, { accel, why }, bootFile, files);
  // Whole files only: two runs of one kernel at once never leave a torn report.
  await writeFileAtomic(files.console, `${r.console.join('\n')}\n`);
  await writeFileAtomic(files.junit, junitXml(`cgpu.${k.release}`, v, r.wallMs / 1000));
  await writeFileAtomic(files.json, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
