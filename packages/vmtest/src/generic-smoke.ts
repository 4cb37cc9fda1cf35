/** A generic smoke run: any modules, loaded and unloaded in the kernel under QEMU; the verdict without cgpu's checks. */
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@cgpu/common';
import type { FetchedKernel } from '@cgpu/kernels';
import { buildGenericInitramfs, type GenericModule } from './generic.js';
import { END_MARK } from './init-script.js';
import { initramfsCompression } from './initramfs-cache.js';
import { junitXml } from './junit.js';
import { chooseBootFile } from './boot-file.js';
import { boot, requireQemu, type Accel } from './qemu.js';
import { chooseAccel, reportFiles, smokeResult, type SmokeResult } from './smoke.js';
import { parseConsole } from './verdict.js';

export interface GenericSmokeRequest {
  kernel: FetchedKernel;
  /** In load order (dependencies first). */
  modules: GenericModule[];
  /** Where console.log, junit.xml and smoke.json go. */
  reportDir: string;
  params?: string;
  accel?: Accel | 'auto';
  timeoutMs?: number;
  onLine?: (line: string) => void;
  log?: (msg: string) => void;
}

export async function smokeGeneric(req: GenericSmokeRequest): Promise<SmokeResult> {
  const k = req.kernel.entry;
  await requireQemu(k.arch);
  const compression = initramfsCompression(await readFile(req.kernel.config, 'utf8'));
  const initrd = await buildGenericInitramfs(k.arch, req.modules, req.params ?? '', compression.kind);
  const { accel, why } = await chooseAccel(req);
  const bootFile = await chooseBootFile(k.arch, req.kernel.vmlinuz, 'auto', req.log);
  req.log?.(`booting ${k.release} with ${accel} (${why}), ${bootFile.kind}, initramfs ${initrd} (${compression.kind}: ${compression.why}), to load ${req.modules.map((m) => m.name).join(', ')}`);
  const timeoutMs = req.timeoutMs ?? 180_000;
  const r = await boot({ arch: k.arch, kernel: bootFile.file, initrd, append: [], accel, timeoutMs, endMark: END_MARK, ...(req.onLine ? { onLine: req.onLine } : {}) });
  const v = parseConsole(r.console, { timedOut: r.timedOut, timeoutMs, expect32: false, generic: true });
  await mkdir(req.reportDir, { recursive: true });
  const files = reportFiles(req.reportDir);
  const result = smokeResult(v, r, k, { accel, why }, bootFile, files);
  await writeFileAtomic(files.console, `${r.console.join('\n')}\n`);
  await writeFileAtomic(files.junit, junitXml(`generic.${req.modules.map((m) => m.name).join('+')}.${k.release}`, v, r.wallMs / 1000));
  await writeFileAtomic(files.json, `${JSON.stringify({ mode: 'generic', modules: req.modules.map((m) => m.name), ...result }, null, 2)}\n`);
  return result;
}
