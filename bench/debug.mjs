// Issue 14's numbers: the debug kernel's build time (cold: from its cache manifest, as built), and a warm
// `cgpu smoke` on debug-<series> beside the stock <series> kernel (goal: under 4x). TCG, median of `runs`.
// usage: bench/debug.sh [series] [runs]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const [series = '6.12', runsArg = '1'] = process.argv.slice(2);
const runs = Number(runsArg);
const root = new URL('..', import.meta.url).pathname;
const cgpu = (args) => execFileSync(join(root, 'cgpu'), args, { encoding: 'utf8', maxBuffer: 64 << 20 });

const t0 = Date.now();
const built = JSON.parse(cgpu(['kernels', 'build-debug', series, '--json']));
const callMs = Date.now() - t0;
const buildMs = Object.values(built.times).reduce((a, b) => a + b, 0);
console.log(`debug kernel ${built.release} (${built.source.package} ${built.source.version}, ${built.gcc}, make -j${built.jobs}, nice 10):`);
console.log(`  cold build when it was made: ${(buildMs / 60000).toFixed(1)} min (${Object.entries(built.times).map(([k, v]) => `${k} ${Math.round(v / 1000)} s`).join(', ')})`);
console.log(`  this call: ${(callMs / 1000).toFixed(1)} s (${built.cached ? 'cached' : 'built now'})`);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const smoke = (spec) => {
  cgpu(['smoke', '--kernel', spec, '--accel', 'tcg', '--json']); // build if needed: the timed runs are warm
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t = Date.now();
    let j;
    try {
      j = JSON.parse(cgpu(['smoke', '--kernel', spec, '--accel', 'tcg', '--json']));
    } catch (e) {
      j = JSON.parse(e.stdout);
    }
    out.push({ total: Date.now() - t, ok: j.ok, ...j.timings });
  }
  return { total: median(out.map((x) => x.total)), boot: median(out.map((x) => x.bootMs)), scenario: median(out.map((x) => x.scenarioMs)), ok: out.every((x) => x.ok) };
};
const stock = smoke(series);
const debug = smoke(`debug-${series}`);
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
console.log(`warm cgpu smoke, tcg, median of ${runs} (a shared machine: noisy):`);
console.log(`  stock ${series}:  total ${s(stock.total)}, boot ${s(stock.boot)}, scenario ${s(stock.scenario)}, ok ${stock.ok}`);
console.log(`  debug-${series}: total ${s(debug.total)}, boot ${s(debug.boot)}, scenario ${s(debug.scenario)}, ok ${debug.ok}`);
console.log(`  ratio ${(debug.total / stock.total).toFixed(2)}x (goal < 4x)`);
