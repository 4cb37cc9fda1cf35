// Issue 14's numbers: the debug kernel's build time (cold: from its cache manifest, as built), and a warm
// `cgpu smoke` on debug-<series> beside the stock <series> kernel (goal: under 4x). TCG, median of `runs`.
// usage: bench/debug.sh [series] [runs]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { median, stat } from './stats.mjs';

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

const one = (spec) => {
  const t = Date.now();
  let j;
  try {
    j = JSON.parse(cgpu(['smoke', '--kernel', spec, '--accel', 'tcg', '--json']));
  } catch (e) {
    if (!e.stdout?.trim()) throw e; // no JSON: the error itself says what went wrong
    j = JSON.parse(e.stdout);
  }
  return { total: Date.now() - t, ok: j.ok, ...j.timings };
};
// Warm both (build if needed), then interleave stock and debug runs so load from other users of the machine hits
// both alike; the ratio is taken per pair.
one(series);
one(`debug-${series}`);
const pairs = [];
for (let i = 0; i < runs; i++) pairs.push({ stock: one(series), debug: one(`debug-${series}`) });
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
const row = (kind) => {
  const xs = pairs.map((p) => p[kind]);
  return `total ${stat(xs.map((x) => x.total), s)}, boot ${s(median(xs.map((x) => x.bootMs)))}, scenario ${s(median(xs.map((x) => x.scenarioMs)))}, ok ${xs.every((x) => x.ok)}`;
};
console.log(`warm cgpu smoke, tcg, median [min-max] of ${runs} interleaved pairs (a shared machine: noisy):`);
console.log(`  stock ${series}:  ${row('stock')}`);
console.log(`  debug-${series}: ${row('debug')}`);
console.log(`  ratio per pair ${stat(pairs.map((p) => p.debug.total / p.stock.total), (r) => `${r.toFixed(2)}x`)} (goal < 4x)`);
