// Warm smoke timings (boot, load, scenario, unload) beside a bare QEMU boot of the same kernel whose init
// only powers off. Overhead = what a smoke run costs beyond the bare boot and the scenario itself.
// usage: bench/smoke.sh [spec] [arch] [runs]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadCatalogue, resolveSpec, fetchKernel } from '@cgpu/kernels';
import { boot, busybox, powerOffInitramfs } from '@cgpu/vmtest';

const [spec = '6.1', arch = 'amd64', runsArg = '3'] = process.argv.slice(2);
const runs = Number(runsArg);
const root = new URL('..', import.meta.url).pathname;
const k = resolveSpec(spec, await loadCatalogue(), { arch });
const f = await fetchKernel(k);

const initrd = await powerOffInitramfs(await busybox(k.arch));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bare = [];
for (let i = 0; i < runs; i++) {
  const r = await boot({ arch: k.arch, kernel: f.vmlinuz, initrd, append: [], accel: 'tcg', timeoutMs: 120_000 });
  bare.push(r.wallMs);
}

execFileSync(join(root, 'cgpu'), ['smoke', '--kernel', spec, '--arch', arch, '--accel', 'tcg', '--json'], { stdio: 'ignore' }); // make sure it is built
const smokes = [];
for (let i = 0; i < runs; i++) {
  const t = Date.now();
  const out = execFileSync(join(root, 'cgpu'), ['smoke', '--kernel', spec, '--arch', arch, '--accel', 'tcg', '--json'], { encoding: 'utf8' });
  const j = JSON.parse(out);
  smokes.push({ total: Date.now() - t, ...j.timings, ok: j.ok });
}
const m = (key) => median(smokes.map((s) => s[key]));
const overhead = m('total') - median(bare) - m('scenarioMs');
console.log(`smoke ${k.release} (${k.arch}, tcg), median of ${runs}:`);
console.log(`  cgpu smoke total   ${(m('total') / 1000).toFixed(2)} s  (all ok: ${smokes.every((s) => s.ok)})`);
console.log(`    boot to /init    ${(m('bootMs') / 1000).toFixed(2)} s (guest uptime)`);
console.log(`    load             ${m('loadMs')} ms`);
console.log(`    scenario         ${(m('scenarioMs') / 1000).toFixed(2)} s (64- and 32-bit smoke, includes 2 x 2 s fairness windows)`);
console.log(`    unload           ${m('unloadMs')} ms`);
console.log(`    QEMU wall        ${(m('wallMs') / 1000).toFixed(2)} s`);
console.log(`  bare boot, empty init: ${(median(bare) / 1000).toFixed(2)} s`);
console.log(`  overhead = total - bare boot - scenario: ${(overhead / 1000).toFixed(2)} s (goal < 2 s)`);
