// Runs one kernel's warm smoke N times with the same good module and counts the runs that fail: each is a
// false failure (the module did not change), printed with its reason and how the VM run ended.
// usage: bench/false-failures.sh [spec] [arch] [runs]     e.g. bench/false-failures.sh 6.1 amd64 30
import { resolveKernel, runSmoke } from '@cgpu/pipeline';
import { median } from './stats.mjs';

const [spec = '6.1', arch = 'amd64', runsArg = '30'] = process.argv.slice(2);
const runs = Number(runsArg);
const kernel = await resolveKernel(spec, { arch });
await runSmoke(kernel, { accel: 'tcg' }); // build or reuse, warm every cache
const fails = [];
const walls = [];
const ended = {};
for (let i = 1; i <= runs; i++) {
  const { smoke } = await runSmoke(kernel, { accel: 'tcg' });
  walls.push(smoke.timings.wallMs);
  ended[smoke.endedBy] = (ended[smoke.endedBy] ?? 0) + 1;
  if (!smoke.ok) fails.push({ run: i, reasons: smoke.reasons, endedBy: smoke.endedBy });
  process.stderr.write(`run ${i}/${runs}: ${smoke.ok ? 'PASS' : `FAIL (${smoke.reasons[0]})`}\n`);
}
console.log(`${kernel.release} (${kernel.arch}, tcg): ${runs} warm smoke runs of one unchanged module`);
console.log(`  false failures: ${fails.length} of ${runs}`);
console.log(`  ended by: ${Object.entries(ended).map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log(`  QEMU wall: median ${(median(walls) / 1000).toFixed(2)} s, max ${(Math.max(...walls) / 1000).toFixed(2)} s`);
for (const f of fails) console.log(`  run ${f.run} (${f.endedBy}): ${f.reasons.join('; ')}`);
process.exitCode = fails.length === 0 ? 0 : 1;
