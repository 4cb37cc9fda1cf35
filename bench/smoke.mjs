// Smoke timings beside bare boots, in one run, all under TCG:
//  - bare boot to power-off (busybox init that only powers off) of the bzImage and of the PVH vmlinux, for every
//    kernel given (both kinds interleaved, so load from other users of the machine hits both alike);
//  - warm `cgpu smoke` (module already built) for the --smoke kernels, and its overhead:
//      overhead = total - bare PVH boot - scenario     (what cgpu adds over booting and running the scenario)
//    Each smoke run is paired with bare PVH boots of the same kernel just before it (with the busybox-only
//    initramfs, and with the smoke run's own, whose /init is skipped), and the overhead is taken per run:
//    the machine's load moves the bare boot by up to ~1 s from one minute to the next, as much as the
//    overhead goal itself, so a bare-boot median from minutes earlier is no baseline.
//      outside QEMU = total - QEMU wall                (cgpu's own code: node start-up, catalogue, checks, initramfs)
// Medians with [min-max] of the runs.
// usage: bench/smoke.sh [--runs N] [--smoke 6.1,5.10] [--boot 6.1,5.10,6.12,sid,7.3] [--arch amd64]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCatalogue, resolveSpec, fetchKernel } from '@cgpu/kernels';
import { boot, busybox, chooseBootFile, powerOffInitramfs } from '@cgpu/vmtest';
import { median, stat as range } from './stats.mjs';

const { values: o } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    smoke: { type: 'string', default: '6.1,5.10' },
    boot: { type: 'string', default: '6.1,5.10,6.12,sid,7.3' },
    arch: { type: 'string', default: 'amd64' },
  },
});
const runs = Number(o.runs);
const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const root = new URL('..', import.meta.url).pathname;
const cgpu = join(root, 'cgpu');
const catalogue = await loadCatalogue();
const initrd = await powerOffInitramfs(await busybox(o.arch));

const s = (ms) => (ms / 1000).toFixed(2);
const stat = (xs) => range(xs, s, ' s');
const pad = (x, n) => String(x).padEnd(n);

// `rd`: the busybox-only initramfs by default; given the smoke run's own, its /init is skipped
// (rdinit=busybox, told to power off) so the boot carries the same files as the smoke boot.
async function bareBoot(file, rd = initrd) {
  const append = rd === initrd ? [] : ['rdinit=/bin/busybox', '--', 'poweroff', '-f'];
  const r = await boot({ arch: o.arch, kernel: file, initrd: rd, append, accel: 'tcg', timeoutMs: 120_000 });
  if (r.timedOut || !r.console.some((l) => /reboot: Power down/.test(l))) throw new Error(`bare boot of ${file} did not power off: ${r.console.slice(-3).join(' | ')}`);
  return r.wallMs;
}

console.log(`bare boot to power-off, TCG, median [min-max] of ${runs} (interleaved bzImage/PVH):`);
console.log(`  ${pad('kernel', 22)} ${pad('payload', 8)} ${pad('bzImage', 22)} ${pad('PVH vmlinux', 22)} gain`);
for (const spec of list(o.boot)) {
  const k = resolveSpec(spec, catalogue, { arch: o.arch });
  const f = await fetchKernel(k);
  const pvh = await chooseBootFile(k.arch, f.vmlinuz);
  const bz = [];
  const pv = [];
  for (let i = 0; i < runs; i++) {
    bz.push(await bareBoot(f.vmlinuz));
    if (pvh.kind === 'pvh') pv.push(await bareBoot(pvh.file));
  }
  const comp = pvh.why.match(/uncompressed (\w+) payload/)?.[1] ?? '-';
  const gain = pv.length ? `${s(median(bz) - median(pv))} s (${Math.round((1 - median(pv) / median(bz)) * 100)} %)` : `no PVH: ${pvh.why}`;
  console.log(`  ${pad(k.release, 22)} ${pad(comp, 8)} ${pad(stat(bz), 22)} ${pad(pv.length ? stat(pv) : '-', 22)} ${gain}`);
}

for (const spec of list(o.smoke)) {
  const args = ['smoke', '--kernel', spec, '--arch', o.arch, '--accel', 'tcg', '--json'];
  // A failed smoke exits 1 but still prints its JSON: time it all the same, and say it failed.
  const smokeJson = () => {
    try {
      return JSON.parse(execFileSync(cgpu, args, { encoding: 'utf8' }));
    } catch (e) {
      if (e.status === 1 && e.stdout) return JSON.parse(e.stdout);
      throw e;
    }
  };
  const first = smokeJson(); // builds if needed, extracts the vmlinux once: not timed
  const smokes = [];
  for (let i = 0; i < runs; i++) {
    const pvh = first.boot.kind === 'pvh';
    const bareMs = pvh ? await bareBoot(first.boot.file) : undefined;
    const bareSameMs = pvh ? await bareBoot(first.boot.file, first.initrd) : undefined;
    const t = Date.now();
    const j = smokeJson();
    // The parts issue 12 added after issue 13 was written (adversarial scenario, our fuzzer, unload races,
    // trinity): measured in the guest, so the total of the scenario issue 13 set its goal for can be derived.
    const later = j.parts.filter((p) => ['access', 'abuse', 'fuzz', 'unload'].includes(p.part)).reduce((a, p) => a + p.ms, 0);
    const trinity = j.stages['scenario-done'] !== undefined && j.stages['fuzz'] !== undefined ? (j.stages['scenario-done'] - j.stages['fuzz']) * 1000 : 0;
    smokes.push({ total: Date.now() - t, ...j.timings, ok: j.ok, boot: j.boot.kind, firmware: j.firmware?.name, reasons: j.reasons, later: later + trinity, trinity, bareMs, bareSameMs });
  }
  const col = (key) => smokes.map((x) => x[key]);
  console.log(`\ncgpu smoke --kernel ${spec} (${o.arch}, tcg, warm), median [min-max] of ${runs}; booted: ${[...new Set(col('boot'))].join(',')}; firmware: ${[...new Set(col('firmware'))].join(',')}; all ok: ${smokes.every((x) => x.ok)}`);
  for (const x of smokes.filter((y) => !y.ok)) console.log(`  a failed run: ${x.reasons.join('; ')}`);
  console.log(`  total              ${stat(col('total'))}  (today's scenario: issue 13's plus issue 12's parts and trinity)`);
  console.log(`    of which issue 12's parts and trinity ${stat(col('later'))} (trinity ${stat(col('trinity'))})`);
  console.log(`  total less those parts: ${stat(smokes.map((x) => x.total - x.later))}  (issue 13's scenario; goal <= 6 s; derived from the measured parts)`);
  console.log(`    guest boot to /init  ${stat(col('bootMs'))} (guest uptime)`);
  console.log(`    load                 ${stat(col('loadMs'))}`);
  console.log(`    scenario             ${stat(col('scenarioMs'))} (64- and 32-bit smoke tool, then trinity)`);
  console.log(`    unload               ${stat(col('unloadMs'))}`);
  console.log(`    QEMU wall            ${stat(col('wallMs'))}`);
  console.log(`  outside QEMU (cgpu's own code): ${stat(smokes.map((x) => x.total - x.wallMs))}`);
  if (smokes.every((x) => x.bareMs !== undefined)) {
    const overhead = smokes.map((x) => x.total - x.bareMs - x.scenarioMs);
    const overheadSame = smokes.map((x) => x.total - x.bareSameMs - x.scenarioMs);
    console.log(`  bare PVH boots just before each run: busybox-only initramfs ${stat(col('bareMs'))}; the smoke's own initramfs ${stat(col('bareSameMs'))}`);
    console.log(`  overhead = total - bare boot - scenario, per run: ${stat(overhead)} (goal < 1 s)`);
    console.log(`    with the bare boot of the smoke's own initramfs (its files, trinity's 10.8 MB among them, unpacked): ${stat(overheadSame)}`);
  }
}
