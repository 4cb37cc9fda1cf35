/** From a console log to a verdict, strictly: every check passed, unload worked, no splat, clean taint. */
import { DEBUG_SPLATS, leakReason, parseKmemleak, printkTime, type LeakObject } from './debug-reports.js';
import { MARK } from './init-script.js';

export interface SmokeCheck {
  abi: string;
  ok: boolean;
  name: string;
}

export interface Verdict {
  ok: boolean;
  /** Why it failed, one line each; empty when ok. */
  reasons: string[];
  checks: SmokeCheck[];
  summaries: Array<{ abi: string; passed: number; failed: number }>;
  /** Wall time of each part of the scenario, from the smoke tool's `TIME <abi> <part> <ms>` lines. */
  parts: Array<{ abi: string; part: string; ms: number }>;
  /** Seeds of the fuzzers (`FUZZ <abi> seed <n> ops <n>`, `@@cgpu trinity seed <n> ...`), to replay a failure. */
  fuzz: FuzzRun[];
  /** Guest uptime (s) at each stage mark. */
  stages: Record<string, number>;
  taintBefore?: number;
  taintAfter?: number;
  splats: string[];
  /**
   * With `debugKernel`: splats the kernel printed before the module was loaded (its own boot-time noise),
   * reported here and not failing the run. Empty otherwise.
   */
  bootSplats: string[];
  /** Objects kmemleak reported after unload (debug kernels), the module's and the kernel's own. */
  leaks: LeakObject[];
  /** The last stage reached. */
  lastStage: string;
  /** Console lines around the first problem. */
  excerpt: string[];
}

export interface FuzzRun {
  tool: string;
  seed: string;
  /** The operations asked for. */
  ops: number;
  /**
   * trinity only: each victim path, its exit status, the system calls it reported having made, and what
   * ended it: its call count, its time limit (SIGINT; it still reports its calls), or something else.
   */
  targets?: TrinityTarget[];
}

/** One trinity run against one victim path, from its `@@cgpu trinity <path> ...` line and the lines after it. */
export interface TrinityTarget {
  path: string;
  exit: number;
  /** The system calls it reported having made. */
  ran?: number;
  by: 'count' | 'time' | 'other';
  /** The files it found under the path, its only descriptors (consoles before 2026-11-30 do not say). */
  files?: number;
  /** Its own last words when it ended otherwise (`Bailing main loop because ...`, else its last line). */
  said?: string;
}

export interface VerdictOptions {
  timedOut: boolean;
  timeoutMs?: number;
  /** The 32-bit tool is in the initramfs and must pass. */
  expect32: boolean;
  /** The generic mode (any module, generic.ts): load/unload, leftovers, taint and splats; no cgpu checks. */
  generic?: boolean;
  /**
   * A debug kernel (KASAN, kmemleak, lockdep): splats before the module loads and taint bits set before it
   * are the kernel's own, reported apart; kmemleak objects allocated by the module fail the run.
   */
  debugKernel?: boolean;
  /** trinity is in the initramfs: it must have run, and every run must end by itself or by its time limit. */
  trinity?: boolean;
}


// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b(\[[0-9;?]*[A-Za-z]|[c78=>]|\][^\u0007]*\u0007)/g;

const TAINT_LETTERS = 'PFSRMBUDAWCIOELKXTNJ';
/** Taint bits an unsigned out-of-tree module sets: O (12) and E (13). */
const ALLOWED_TAINT = (1 << 12) | (1 << 13);

export function taintLetters(t: number): string {
  return [...TAINT_LETTERS].filter((_, i) => (t & (1 << i)) !== 0).join('') || '-';
}

const SPLATS: Array<[RegExp, string]> = [
  ...DEBUG_SPLATS,
  [/\bBUG: |\bkernel BUG at /, 'BUG'],
  [/(^|\]\s)WARNING: /, 'WARNING'],
  [/\bOops\b/, 'Oops'],
  [/Call Trace:/, 'Call Trace'],
  [/general protection fault/, 'general protection fault'],
  [/Unable to handle kernel/i, 'kernel fault'],
  [/\bKASAN\b/, 'KASAN'],
  [/\bUBSAN\b/, 'UBSAN'],
  [/possible (recursive|circular) locking|inconsistent lock state|lock held when returning|suspicious RCU usage/, 'lockdep'],
  [/INFO: task .* blocked for more than/, 'hung task'],
  [/rcu: INFO: .*(stall|detected stalls)|self-detected stall/, 'RCU stall'],
  [/soft lockup|hard LOCKUP/, 'lockup'],
  [/Kernel panic/, 'panic'],
];

export function parseConsole(lines: readonly string[], opts: VerdictOptions): Verdict {
  const checks: SmokeCheck[] = [];
  const summaries: Verdict['summaries'] = [];
  const parts: Verdict['parts'] = [];
  const fuzz: Verdict['fuzz'] = [];
  const stages: Record<string, number> = {};
  const marks = new Map<string, string[]>();
  const found: Array<{ text: string; index: number; ts: number | undefined; beforeLoad: boolean }> = [];
  let firstBad = -1;
  let lastStage = 'kernel';
  /** trinity's victim paths, from its seed line (`... victims N`); older consoles do not say. */
  let trinityVictims: number | undefined;
  const unreadable: string[] = [];
  /** The console line of each trinity target, for the excerpt. */
  const trinityLine = new Map<TrinityTarget, number>();
  /** The trinity target whose `trinity-log` lines come next, if its result line was readable. */
  let trinityNow: TrinityTarget | undefined;
  lines.forEach((raw, i) => {
    // Firmware and the kernel's console reset leave escape sequences glued to the first lines.
    const line = raw.replace(ESCAPES, '').trimEnd();
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^(PASS|FAIL) (\d+) (.*)$/))) {
      checks.push({ abi: m[2]!, ok: m[1] === 'PASS', name: m[3]! });
      if (m[1] === 'FAIL' && firstBad < 0) firstBad = i;
    } else if ((m = line.match(/^smoke(\d+): (\d+) passed, (\d+) failed$/))) {
      summaries.push({ abi: m[1]!, passed: Number(m[2]), failed: Number(m[3]) });
    } else if ((m = line.match(/^TIME (\d+) ([\w-]+) (\d+)$/))) {
      parts.push({ abi: m[1]!, part: m[2]!, ms: Number(m[3]) });
    } else if ((m = line.match(/^FUZZ (\d+) seed (\d+) ops (\d+)$/))) {
      fuzz.push({ tool: `cgpu-smoke${m[1] === '64' ? '' : m[1]}`, seed: m[2]!, ops: Number(m[3]) });
    } else if (line.includes(`${MARK} `)) {
      const [key = '', ...rest] = line.slice(line.indexOf(`${MARK} `) + MARK.length + 1).split(' ');
      if (key === 'trinity' && rest[0] === 'seed') {
        fuzz.push({ tool: 'trinity', seed: rest[1] ?? '', ops: Number(rest[3] ?? 0), targets: [] });
        if (rest[4] === 'victims') trinityVictims = Number(rest[5]);
      } else if (key === 'trinity') {
        // `<path> exit <status> ran <calls|unknown> by <count|time|other> [files <n>]`; anything else fails the run.
        const t = rest.join(' ').match(/^(\/\S+) exit (\d+) ran (\S+) by (count|time|other)(?: files (\d+))?$/);
        const tr = fuzz.find((f) => f.tool === 'trinity');
        trinityNow = undefined;
        if (!t) unreadable.push(rest.join(' '));
        else if (tr) {
          trinityNow = {
            path: t[1]!, exit: Number(t[2]), ...(/^\d+$/.test(t[3]!) ? { ran: Number(t[3]) } : {}), by: t[4] as TrinityTarget['by'],
            ...(t[5] !== undefined ? { files: Number(t[5]) } : {}),
          };
          tr.targets!.push(trinityNow);
          trinityLine.set(trinityNow, i);
        }
      } else if (key === 'trinity-log') {
        // The log lines follow their own result line; after an unreadable one they belong to no target.
        const said = rest.join(' ').trim();
        if (trinityNow && said && !/Bailing main loop/.test(trinityNow.said ?? '')) trinityNow.said = said.slice(0, 200);
      }
      if (key === 'stage') {
        stages[rest[0]!] = Number(rest[1]);
        lastStage = rest[0]!;
      } else {
        marks.set(key, [...(marks.get(key) ?? []), rest.join(' ')]);
      }
    }
    if (line.includes(`${MARK} kmemleak `)) return; // parsed below; a backtrace is not a splat
    for (const [re, what] of SPLATS) {
      if (re.test(line)) {
        const text = `${what}: ${line.replace(new RegExp(`^${MARK} dmesg `), '').trim()}`;
        found.push({ text, index: i, ts: printkTime(line), beforeLoad: stages['load'] === undefined });
        break;
      }
    }
  });
  // Boot-time splats of a debug kernel: printed before the load mark, or (in the kernel log printed at the
  // end) stamped before it.
  const loadAt = stages['load'];
  const isBoot = (f: (typeof found)[number]): boolean =>
    opts.debugKernel === true && (f.beforeLoad || (f.ts !== undefined && loadAt !== undefined && f.ts < loadAt));
  const ours = found.filter((f) => !isBoot(f));
  const splats = ours.map((f) => f.text);
  const bootSplats = [...new Set(found.filter(isBoot).map((f) => f.text))];
  // A Call Trace is the body of a report whose headline (WARNING, BUG, ...) names it; it leads only alone.
  const headline = ours.find((f) => !f.text.startsWith('Call Trace: ')) ?? ours[0];
  if (headline && (firstBad < 0 || headline.index < firstBad)) firstBad = headline.index;
  const leaks = parseKmemleak(lines, `${MARK} kmemleak `);

  const reasons: string[] = [];
  const mark = (k: string): string | undefined => marks.get(k)?.[0];
  if (stages['boot'] === undefined) reasons.push('the kernel never reached /init');
  if (opts.generic) reasons.push(...genericReasons(marks, stages, opts.timedOut));
  else if (stages['boot'] !== undefined && mark('insmod') !== 'ok') reasons.push(`insmod ${mark('insmod') ?? 'did not finish'}`);
  if (!opts.generic && mark('insmod') === 'ok' && mark('devnode') !== 'ok') reasons.push('/dev/cgpu-km was not created');
  for (const abi of opts.expect32 ? ['64', '32'] : ['64']) {
    const s = summaries.find((x) => x.abi === abi);
    const exit = mark(`smoke${abi}`);
    if (opts.generic || mark('insmod') !== 'ok') break;
    if (!s) reasons.push(`smoke${abi} did not finish${exit ? ` (exit ${exit.replace('exit ', '')})` : ''}`);
    else {
      const failed = checks.filter((c) => c.abi === abi && !c.ok).map((c) => c.name);
      if (s.failed > 0) reasons.push(`smoke${abi}: ${s.failed} of ${s.passed + s.failed} checks failed: ${failed.join('; ')}`);
      // A child whose counts never reached the summary (a tool bug) must not hide its FAIL line.
      else if (failed.length > 0) reasons.push(`smoke${abi}: its summary says 0 failed, yet these checks printed FAIL: ${failed.join('; ')}`);
    }
  }
  const trinity = fuzz.find((f) => f.tool === 'trinity');
  if (opts.trinity && !opts.generic && stages['scenario-done'] !== undefined && !trinity) reasons.push('trinity did not run');
  for (const u of unreadable) reasons.push(`trinity left an unreadable result: ${u}`);
  if (trinity && trinityVictims !== undefined && trinity.targets!.length + unreadable.length < trinityVictims) {
    reasons.push(`trinity reported on ${trinity.targets!.length + unreadable.length} of its ${trinityVictims} victim paths`);
  }
  for (const t of trinity?.targets ?? []) {
    const ended = t.exit !== 0 || t.by === 'other';
    if (ended) {
      const why = t.exit === 137 ? ': killed, it ignored SIGINT' : '';
      reasons.push(`trinity against ${t.path} ended neither by its call count nor by its time limit (exit ${t.exit}${why})${t.said ? `: "${t.said}"` : ''}`);
    }
    if (t.files === 0) reasons.push(`trinity found no files under ${t.path}: nothing of the module's was fuzzed there`);
    // Only when nothing else points at a line: a splat (printed later, in the kernel log) or a failed check says more.
    if ((ended || t.files === 0) && firstBad < 0) firstBad = trinityLine.get(t)!;
  }
  if (mark('rmmod-while-open') === 'succeeded') reasons.push('unload while a file was open was not refused');
  if (!opts.generic && mark('insmod') === 'ok' && mark('rmmod') !== undefined && mark('rmmod') !== 'ok') reasons.push(`unload failed (rmmod ${mark('rmmod')})`);
  if (!opts.generic && mark('insmod') === 'ok' && mark('rmmod') === undefined && !opts.timedOut && stages['boot'] !== undefined) {
    reasons.push('the console ended before rmmod');
  }
  for (const p of marks.get('leftover') ?? []) reasons.push(`leak: ${p} remains after unload`);
  const tb = mark('taint-before');
  const ta = mark('taint-after');
  const taintBefore = tb === undefined ? undefined : Number(tb);
  const taintAfter = ta === undefined ? undefined : Number(ta);
  // On a debug kernel the bits its own boot set (W from a boot-time warning) are not the module's.
  const allowed = ALLOWED_TAINT | (opts.debugKernel && taintBefore !== undefined ? taintBefore : 0);
  if (taintAfter !== undefined && (taintAfter & ~allowed) !== 0) {
    reasons.push(`taint after unload is ${taintAfter} (${taintLetters(taintAfter)}): more than O and E${allowed !== ALLOWED_TAINT ? ` and the ${taintLetters(taintBefore ?? 0)} of boot` : ''}`);
  }
  if (headline) reasons.push(`kernel splat: ${headline.text}`);
  const leak = leakReason(leaks);
  if (leak) reasons.push(leak);
  if (opts.timedOut) {
    const last = [...lines].reverse().find((l) => l.trim() !== '' && !/^qemu-system-\S+: terminating on signal/.test(l)) ?? '(no output)';
    reasons.push(`timed out after ${Math.round((opts.timeoutMs ?? 0) / 1000)} s in stage "${lastStage}"; the console stopped at: ${last.trim()}`);
    if (firstBad < 0) firstBad = lines.length - 1;
  } else if (stages['boot'] !== undefined && !marks.has('done') && reasons.length === 0) {
    reasons.push(`the console ended in stage "${lastStage}" before the scenario finished`);
  }
  if (firstBad < 0 && reasons.length > 0) firstBad = Math.max(0, lines.length - 1);
  const excerpt = firstBad < 0 ? [] : lines.slice(Math.max(0, firstBad - 5), firstBad + 25);
  const v: Verdict = { ok: reasons.length === 0, reasons, checks, summaries, parts, fuzz, stages, splats, bootSplats, leaks, lastStage, excerpt };
  if (taintBefore !== undefined) v.taintBefore = taintBefore;
  if (taintAfter !== undefined) v.taintAfter = taintAfter;
  return v;
}

/** Generic mode: `insmod ok|failed <rc> <name>` and `rmmod ok|failed <rc> <name>` per module (generic.ts). */
function genericReasons(marks: ReadonlyMap<string, string[]>, stages: Record<string, number>, timedOut: boolean): string[] {
  if (stages['boot'] === undefined) return [];
  const out: string[] = [];
  const loads = marks.get('insmod') ?? [];
  const unloads = marks.get('rmmod') ?? [];
  if (loads.length === 0 && !timedOut) out.push('no module was loaded');
  for (const l of loads) {
    const [how, ...rest] = l.split(' ');
    if (how !== 'ok') out.push(`insmod ${rest.at(-1) ?? '?'} failed (exit ${rest[0] ?? '?'})`);
  }
  for (const u of unloads) {
    const [how, ...rest] = u.split(' ');
    if (how !== 'ok') out.push(`unload failed (rmmod ${rest.at(-1) ?? '?'} exit ${rest[0] ?? '?'})`);
  }
  const loaded = loads.filter((l) => l.startsWith('ok ')).length;
  if (unloads.length < loaded && !timedOut) out.push('the console ended before every rmmod');
  return out;
}
