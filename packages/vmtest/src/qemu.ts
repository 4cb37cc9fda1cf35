/** Boot a kernel in QEMU with a serial console, no network, no reboot, and a hard wall-clock limit. */
import { access, readFile, realpath } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { CommandError, CommandMissingError, UsageError, cacheDir, findOnPath, readJson, run, writeFileAtomic } from '@cgpu/common';
import type { Arch } from '@cgpu/kernels';
import { S_IFREG, writeCpio } from './cpio.js';
import { skeleton, treeKey } from './initramfs-tree.js';
import { cachedInitramfs } from './initramfs-cache.js';

export type Accel = 'kvm' | 'tcg';

export interface BootRequest {
  arch: Arch;
  kernel: string;
  initrd: string;
  append: string[];
  accel: Accel;
  timeoutMs: number;
  memoryMb?: number;
  /** The firmware; by default `chooseFirmware`'s. */
  firmware?: Firmware;
  onLine?: (line: string) => void;
  /**
   * The line that ends the run: once the console has carried it (and so everything the guest wrote
   * before it), QEMU is stopped. A guest's power-off can outrun its serial console and cut the last
   * lines; a mark that has arrived cannot be cut.
   */
  endMark?: string;
}

export interface BootResult {
  console: string[];
  exitCode: number;
  timedOut: boolean;
  wallMs: number;
  command: string;
  /** How the run ended: the end mark arrived, QEMU exited by itself (power-off, panic), or the time limit. */
  endedBy: 'mark' | 'exit' | 'timeout';
  firmware: Firmware;
  /** The initramfs QEMU was given. */
  initrd: string;
}

export function qemuBinary(arch: Arch): string {
  return arch === 'amd64' ? 'qemu-system-x86_64' : 'qemu-system-aarch64';
}

/** One `qemu-system-* --version` per process and arch: the CLI, smoke() and boot() all ask. */
const qemuWorks = new Map<Arch, Promise<boolean>>();

export async function requireQemu(arch: Arch): Promise<void> {
  let works = qemuWorks.get(arch);
  // A PATH lookup, not `qemu --version`: that start-up cost every smoke run ~80 ms (issue 13); a QEMU that is
  // there but broken fails its boot with QEMU's own message.
  if (!works) qemuWorks.set(arch, (works = findOnPath(qemuBinary(arch)).then((p) => p !== undefined)));
  if (!(await works)) {
    qemuWorks.delete(arch); // installed later in this process? ask again next time
    throw new CommandMissingError(qemuBinary(arch), `apt-get install ${arch === 'amd64' ? 'qemu-system-x86' : 'qemu-system-arm'}`);
  }
}

/** The firmware QEMU starts: qboot, or QEMU's own default (SeaBIOS on amd64, none for arm64's `-kernel`). */
export interface Firmware {
  name: 'qboot' | 'default';
  /** What `-bios` gets; none for the default. */
  file?: string;
  why: string;
}

/** Where QEMU keeps its firmware: next to a relocated binary, then the usual prefixes. */
async function qemuDataDirs(arch: Arch): Promise<string[]> {
  const bin = await findOnPath(qemuBinary(arch));
  const own = bin ? join(dirname(await realpath(bin).catch(() => bin)), '..', 'share', 'qemu') : undefined;
  return [...new Set([...(own ? [own] : []), '/usr/share/qemu', '/usr/local/share/qemu'])];
}

/**
 * amd64 boots through qboot when QEMU ships it (Debian's qemu-system-data does, since QEMU 4.0): a firmware
 * that only loads the kernel QEMU hands it, with the same ACPI tables. Bare 6.1 PVH boots to power-off under
 * TCG, 8 alternated pairs: median 2.18 s with qboot, 2.31 s with SeaBIOS; and SeaBIOS wrote terminal escapes
 * into the console. `CGPU_FIRMWARE=default` keeps QEMU's own; `CGPU_FIRMWARE=qboot` insists on qboot for
 * amd64 (arm64 guests have no firmware stage either way).
 * One difference a module could see: qboot leaves the MTRRs blank, and 6.1 then skips PAT ("x86/PAT: MTRRs
 * disabled, skipping PAT initialization too"), so a write-combining mapping is uncached instead; same
 * results, slower. cgpu maps only ordinary pages (vm_insert_page); a module whose test depends on it can set
 * CGPU_FIRMWARE=default.
 */
export async function chooseFirmware(arch: Arch, env: NodeJS.ProcessEnv = process.env, dataDirs?: readonly string[]): Promise<Firmware> {
  const want = env['CGPU_FIRMWARE'] ?? 'auto';
  if (!['auto', 'qboot', 'default'].includes(want)) {
    throw new UsageError({ code: 'BAD_FIRMWARE', message: `CGPU_FIRMWARE=${want} is not a firmware cgpu knows`, hint: 'use auto (the default), qboot or default' });
  }
  if (want === 'default') return { name: 'default', why: 'CGPU_FIRMWARE=default' };
  if (arch !== 'amd64') return { name: 'default', why: `${arch}: QEMU loads the kernel itself, no firmware runs first` };
  const dirs = dataDirs ?? (await qemuDataDirs(arch));
  for (const dir of dirs) {
    const file = join(dir, 'qboot.rom');
    if (await access(file, constants.R_OK).then(() => true, () => false)) {
      return { name: 'qboot', file, why: 'qboot: loads the kernel straight away, faster than SeaBIOS under TCG' };
    }
  }
  if (want === 'qboot') {
    throw new UsageError({ code: 'NO_QBOOT', message: `CGPU_FIRMWARE=qboot but no qboot.rom in ${dirs.join(', ')}`, hint: 'install QEMU >= 4.0 (Debian: qemu-system-data), or unset CGPU_FIRMWARE' });
  }
  return { name: 'default', why: `no qboot.rom in ${dirs.join(', ')}: QEMU's own firmware (SeaBIOS)` };
}

export function qemuArgs(r: BootRequest): string[] {
  const console = r.arch === 'amd64' ? 'ttyS0' : 'ttyAMA0';
  const machine = r.arch === 'amd64' ? ['-M', 'pc'] : ['-M', 'virt', '-cpu', r.accel === 'kvm' ? 'host' : 'cortex-a57'];
  return [
    ...machine,
    ...(r.firmware?.file ? ['-bios', r.firmware.file] : []),
    '-accel', r.accel,
    '-m', String(r.memoryMb ?? 512),
    '-smp', '1',
    '-nographic', '-monitor', 'none', '-serial', 'stdio',
    '-nic', 'none',
    '-no-reboot',
    '-kernel', r.kernel,
    '-initrd', r.initrd,
    '-append', [`console=${console}`, 'panic=-1', 'oops=panic', 'loglevel=4', ...r.append].join(' '),
  ];
}

/** Boot and collect the console; a timeout is returned (timedOut), not thrown, so the caller can say where it stopped. */
export async function boot(r: BootRequest): Promise<BootResult> {
  await requireQemu(r.arch);
  const lines: string[] = [];
  const firmware = r.firmware ?? (await chooseFirmware(r.arch));
  const args = qemuArgs({ ...r, firmware });
  const started = Date.now();
  try {
    const res = await run(qemuBinary(r.arch), args, {
      timeoutMs: r.timeoutMs,
      allowFailure: true,
      purpose: `booting ${r.kernel}`,
      onLine: (l) => {
        const clean = l.replace(/\r/g, '');
        lines.push(clean);
        r.onLine?.(clean);
      },
      ...(r.endMark !== undefined ? { stopWhen: (l: string) => l.includes(r.endMark!) } : {}),
    });
    const endedBy = res.stopped ? 'mark' : res.timedOut ? 'timeout' : 'exit';
    return { console: lines, exitCode: res.exitCode, timedOut: res.timedOut, wallMs: Date.now() - started, command: res.command, endedBy, firmware, initrd: r.initrd };
  } catch (e) {
    if (e instanceof CommandError && e.result.timedOut) {
      return { console: lines, exitCode: -1, timedOut: true, wallMs: Date.now() - started, command: e.result.command, endedBy: 'timeout', firmware, initrd: r.initrd };
    }
    throw e;
  }
}

const PROBE_MARK = '@@cgpu kvm-probe-ok';

/**
 * The smallest bootable initramfs: busybox and an /init that runs `before` (a shell line) and powers off.
 * For the KVM probe and for timing a bare boot. Cached by content.
 */
export async function powerOffInitramfs(busyboxPath: string, before = ''): Promise<string> {
  const init = `#!/bin/busybox sh\n${before}\n/bin/busybox poweroff -f\n`;
  const bb = await readFile(busyboxPath);
  const entries = [
    ...skeleton(),
    { path: 'bin/busybox', mode: S_IFREG | 0o755, data: bb },
    { path: 'init', mode: S_IFREG | 0o755, data: Buffer.from(init) },
  ];
  return cachedInitramfs(`poweroff-${treeKey(entries).slice(0, 24)}`, () => writeCpio(entries));
}

/**
 * Is KVM usable? Only a real boot says so (here /dev/kvm exists but a KVM guest hangs): boot the kernel
 * with an init that prints a mark and powers off, under a 20 s limit. Cached per machine boot.
 */
export async function probeKvm(arch: Arch, kernel: string, busyboxPath: string): Promise<{ usable: boolean; why: string }> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { usable: false, why: '/dev/kvm is missing or not accessible' };
  }
  const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => 'unknown')).trim();
  const file = cacheDir('kvm-probe.json');
  const cached = await readJson<Record<string, { usable: boolean; why: string }>>(file);
  const key = `${bootId}/${arch}`;
  if (cached?.[key]) return cached[key];
  const initrd = await powerOffInitramfs(busyboxPath, `/bin/busybox echo "${PROBE_MARK}"`);
  const r = await boot({ arch, kernel, initrd, append: ['quiet'], accel: 'kvm', timeoutMs: 20_000 });
  const usable = !r.timedOut && r.console.some((l) => l.includes(PROBE_MARK));
  const result = { usable, why: usable ? `a KVM guest booted in ${r.wallMs} ms` : r.timedOut ? 'a KVM guest did not finish within 20 s' : `a KVM guest failed (exit ${r.exitCode})` };
  await writeFileAtomic(file, JSON.stringify({ ...(cached ?? {}), [key]: result }));
  return result;
}
