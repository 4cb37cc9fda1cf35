// Golden files, TuxRun style: a real console log in, the expected verdict out. Each log under
// fixtures/consoles/ says in fixtures/consoles/README.md which run produced it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConsole, taintLetters } from '../src/verdict.js';

const log = (n: string): string[] => readFileSync(new URL(`./fixtures/consoles/${n}`, import.meta.url), 'utf8').split('\n');
const golden = JSON.parse(readFileSync(new URL('./fixtures/consoles/expected.json', import.meta.url), 'utf8')) as Record<
  string,
  { ok: boolean; reasons: string[]; timedOut?: boolean; expect32?: boolean; passed?: number[] }
>;

describe('verdict from golden console logs', () => {
  it.each(Object.entries(golden))('%s', (file, want) => {
    const v = parseConsole(log(file), { timedOut: want.timedOut ?? false, timeoutMs: 40_000, expect32: want.expect32 ?? true });
    expect(v.ok).toBe(want.ok);
    expect(v.reasons.length).toBe(want.reasons.length);
    want.reasons.forEach((re, i) => expect(v.reasons[i]).toMatch(new RegExp(re)));
    if (want.passed) expect(v.summaries.map((s) => s.passed)).toEqual(want.passed);
    if (!want.ok) expect(v.excerpt.length).toBeGreaterThan(0);
  });
});

describe('verdict rules on small consoles', () => {
  const good = log('6.1-amd64-good.log');

  it('a single FAIL line fails the run and is named', () => {
    const bad = good.map((l) => (l.startsWith('PASS 64 lseek') ? l.replace('PASS', 'FAIL') : l.replace('smoke64: 67 passed, 0 failed', 'smoke64: 66 passed, 1 failed')));
    const v = parseConsole(bad, { timedOut: false, expect32: true });
    expect(v.ok).toBe(false);
    expect(v.reasons).toEqual([expect.stringMatching(/smoke64: 1 of 67 checks failed: lseek gives ESPIPE/)]);
  });

  it('a FAIL line that the summary did not count still fails the run', () => {
    const bad = good.map((l) => (l.startsWith('PASS 64 lseek') ? l.replace('PASS', 'FAIL') : l));
    const v = parseConsole(bad, { timedOut: false, expect32: true });
    expect(v.ok).toBe(false);
    expect(v.reasons).toEqual(['smoke64: its summary says 0 failed, yet these checks printed FAIL: lseek gives ESPIPE']);
  });

  it('a splat anywhere fails the run, even with every check passed', () => {
    const v = parseConsole([...good.slice(0, 20), '[   12.345678] WARNING: CPU: 0 PID: 77 at cgpu-km.c:88 cgpu_ioctl+0x1/0x2 [cgpu]', ...good.slice(20)], { timedOut: false, expect32: true });
    expect(v.ok).toBe(false);
    expect(v.reasons.at(-1)).toMatch(/kernel splat: WARNING/);
  });

  it('a report is named by its headline, not by a Call Trace of an earlier one printed before it', () => {
    // The kernel log at the end began inside an earlier WARN_ON report (CI 2026-11-29, variant warn-ioctl).
    const tail = ['[    6.127668] Call Trace:', '[    6.127670]  <TASK>', '[    6.127700] ---[ end trace 0000000000000000 ]---', '[    6.128000] ------------[ cut here ]------------', '[    6.128010] WARNING: CPU: 0 PID: 143 at cgpu-km.c:98 cgpu_ioctl+0x40b/0x440 [cgpu]', '[    6.128100] Call Trace:'];
    const at = good.findIndex((l) => l.startsWith('@@cgpu taint-after'));
    const v = parseConsole([...good.slice(0, at + 1), ...tail.map((l) => `@@cgpu dmesg ${l}`), ...good.slice(at + 1)], { timedOut: false, expect32: true });
    expect(v.reasons).toEqual([expect.stringMatching(/^kernel splat: WARNING: \[    6\.128010\] WARNING: CPU: 0 PID: 143/)]);
    expect(v.excerpt[5]).toContain('WARNING: CPU: 0 PID: 143');
    const alone = parseConsole([...good.slice(0, at + 1), `@@cgpu dmesg ${tail[0]}`, ...good.slice(at + 1)], { timedOut: false, expect32: true });
    expect(alone.reasons).toEqual([expect.stringMatching(/^kernel splat: Call Trace: /)]);
  });

  it("6.1's BUG_ON headline (kernel BUG at file:line) is a splat by itself", () => {
    const at = good.findIndex((l) => l.startsWith('@@cgpu taint-after'));
    const v = parseConsole([...good.slice(0, at + 1), '[    7.000000] kernel BUG at /tmp/m/cgpu-core.c:120!', ...good.slice(at + 1)], { timedOut: false, expect32: true });
    expect(v.reasons).toEqual([expect.stringMatching(/^kernel splat: BUG: \[    7\.000000\] kernel BUG at/)]);
  });

  it('taint beyond O and E fails the run', () => {
    const v = parseConsole(good.map((l) => l.replace('taint-after 12288', 'taint-after 12800')), { timedOut: false, expect32: true });
    expect(v.reasons).toEqual([expect.stringMatching(/taint after unload is 12800 \(WOE\)/)]);
    expect(taintLetters(12288)).toBe('OE');
  });

  it('a missing 32-bit run fails when the 32-bit tool was expected', () => {
    const cut = good.filter((l) => !/^(PASS|FAIL) 32 |^smoke32:/.test(l));
    expect(parseConsole(cut, { timedOut: false, expect32: true }).reasons).toEqual([expect.stringMatching(/smoke32 did not finish/)]);
    expect(parseConsole(cut, { timedOut: false, expect32: false }).ok).toBe(true);
  });

  it('a timeout says the stage and the last console line', () => {
    const upto = good.slice(0, good.findIndex((l) => l.includes('PASS 64 queue 5 s')) + 1);
    const v = parseConsole(upto, { timedOut: true, timeoutMs: 40_000, expect32: true });
    expect(v.reasons.at(-1)).toMatch(/timed out after 40 s in stage "scenario"; the console stopped at: PASS 64 queue 5 s of work/);
  });

  it('a kernel that never reaches init is named as such', () => {
    const v = parseConsole(['SeaBIOS', 'Booting from ROM...', '[    0.000000] Linux version 6.1.0'], { timedOut: true, timeoutMs: 40_000, expect32: true });
    expect(v.reasons[0]).toBe('the kernel never reached /init');
  });

  it('collects the time of each scenario part and the fuzzers\' seeds', () => {
    // the shape of the lines cgpu-smoke (kernel-src/tools) and the init script print
    const extra = ['TIME 64 fairness 1285', 'TIME 32 basic 196', 'FUZZ 64 seed 41319644 ops 10000', '@@cgpu trinity seed 910692 ops 1000', 'TIME 64 bad part'];
    const v = parseConsole([...good.slice(0, 20), ...extra, ...good.slice(20)], { timedOut: false, expect32: true });
    expect(v.ok).toBe(true);
    expect(v.parts).toEqual([
      { abi: '64', part: 'fairness', ms: 1285 },
      { abi: '32', part: 'basic', ms: 196 },
    ]);
    expect(v.fuzz).toEqual([
      { tool: 'cgpu-smoke', seed: '41319644', ops: 10000 },
      { tool: 'trinity', seed: '910692', ops: 1000, targets: [] },
    ]);
  });
});

describe('trinity in the verdict', () => {
  const run = log('6.1-amd64-trinity.log');
  const opts = { timedOut: false, expect32: true, trinity: true };
  const edit = (from: string, to: string): string[] => run.map((l) => (l.endsWith(from) ? l.replace(from, to) : l));

  it('records each victim path, its exit, how many calls it made and what ended it', () => {
    const v = parseConsole(run, opts);
    expect(v.ok).toBe(true);
    expect(v.fuzz.find((f) => f.tool === 'trinity')).toEqual({
      tool: 'trinity', seed: '921317', ops: 1000,
      targets: [{ path: '/tmp/victims', exit: 0, ran: 500, by: 'count' }, { path: '/proc/cgpu_km', exit: 0, ran: 500, by: 'count' }],
    });
  });

  it('a run its time limit stopped passes with its count; a killed or failing trinity does not', () => {
    // the shape of arm64's line when 5 s were not enough (a real run: "Ran 354 syscalls ... because ctrl-c")
    const limited = parseConsole(edit('/proc/cgpu_km exit 0 ran 500 by count', '/proc/cgpu_km exit 0 ran 354 by time'), opts);
    expect(limited.ok).toBe(true);
    expect(limited.fuzz.at(-1)!.targets![1]).toEqual({ path: '/proc/cgpu_km', exit: 0, ran: 354, by: 'time' });
    const killed = parseConsole(edit('/tmp/victims exit 0 ran 500 by count', '/tmp/victims exit 137 ran unknown by other'), opts);
    expect(killed.reasons).toEqual(['trinity against /tmp/victims ended neither by its call count nor by its time limit (exit 137: killed, it ignored SIGINT)']);
    const missing = parseConsole(edit('/tmp/victims exit 0 ran 500 by count', '/tmp/victims exit 127 ran unknown by other'), opts);
    expect(missing.reasons).toEqual(['trinity against /tmp/victims ended neither by its call count nor by its time limit (exit 127)']);
  });

  it('a victim with no exit status, or no result line at all, fails the run', () => {
    const counted = edit('seed 921317 ops 1000', 'seed 921317 ops 1000 victims 2');
    expect(parseConsole(counted, opts).ok).toBe(true);
    const noRc = counted.map((l) => l.replace('/tmp/victims exit 0 ran 500', '/tmp/victims exit none ran 500'));
    expect(parseConsole(noRc, opts).reasons).toEqual(['trinity left an unreadable result: /tmp/victims exit none ran 500 by count']);
    const oneLine = counted.filter((l) => !l.includes('@@cgpu trinity /proc/cgpu_km'));
    expect(parseConsole(oneLine, opts).reasons).toEqual(['trinity reported on 1 of its 2 victim paths']);
  });

  it('a trinity that found no files under its victim path fuzzed nothing of ours and fails', () => {
    // The line /init prints since 2026-11-30: the files trinity opened under the path are its only descriptors.
    const withFiles = edit('/tmp/victims exit 0 ran 500 by count', '/tmp/victims exit 0 ran 500 by count files 3');
    const v = parseConsole(withFiles, opts);
    expect(v.ok).toBe(true);
    expect(v.fuzz.at(-1)!.targets![0]).toEqual({ path: '/tmp/victims', exit: 0, ran: 500, by: 'count', files: 3 });
    const none = parseConsole(edit('/tmp/victims exit 0 ran 500 by count', '/tmp/victims exit 0 ran 500 by count files 0'), opts);
    expect(none.reasons).toEqual(['trinity found no files under /tmp/victims: nothing of the module\'s was fuzzed there']);
    expect(none.excerpt.join('\n')).toContain('@@cgpu trinity /tmp/victims exit 0 ran 500 by count files 0');
  });

  it('a trinity that ended otherwise is reported with its own last words, and the excerpt shows them', () => {
    // trinity's exit for EXIT_SHM_CORRUPTION (trinity.c set_exit_code: 1) with the lines it prints then (main.c)
    const bailed = run.flatMap((l) => (l.endsWith('/tmp/victims exit 0 ran 500 by count')
      ? [
        '@@cgpu trinity /tmp/victims exit 1 ran 212 by other files 3',
        '@@cgpu trinity-log [main] Execcount went backwards! (old:212 new:211):',
        '@@cgpu trinity-log [main] Bailing main loop because SHM was corrupted!.',
        '@@cgpu trinity-log [main] Ran 212 syscalls. Successes: 40  Failures: 172',
      ]
      : [l]));
    const v = parseConsole(bailed, opts);
    expect(v.reasons).toEqual([
      'trinity against /tmp/victims ended neither by its call count nor by its time limit (exit 1): "[main] Bailing main loop because SHM was corrupted!."',
    ]);
    expect(v.excerpt.join('\n')).toContain('Execcount went backwards');
    // log lines after an unreadable result line belong to no target: not to the readable one before it
    const noBail = bailed.filter((l) => !l.includes('Bailing') && !l.includes('Ran 212'));
    const garbled = noBail.map((l) => l.replace('@@cgpu trinity /proc/cgpu_km exit 0 ran 500 by count', '@@cgpu trinity /proc/cgpu_km exit ?')).flatMap((l) =>
      l === '@@cgpu trinity /proc/cgpu_km exit ?' ? [l, '@@cgpu trinity-log [main] Bailing main loop because ctrl-c.'] : [l]);
    expect(parseConsole(garbled, opts).fuzz.at(-1)!.targets![0]!.said).toBe('[main] Execcount went backwards! (old:212 new:211):');
    // a splat outranks trinity's line in the excerpt: the kernel's report says more
    const warned = [...bailed.slice(0, -1), '@@cgpu dmesg [    9.100000] WARNING: CPU: 0 PID: 170 at cgpu-km.c:100 cgpu_ioctl+0x10/0x20 [cgpu]', bailed.at(-1)!];
    expect(parseConsole(warned, opts).excerpt[5]).toContain('WARNING: CPU: 0 PID: 170');
    // without a "Bailing" line, its last line stands for it
    const cut = bailed.filter((l) => !l.includes('Bailing') && !l.includes('Ran 212'));
    expect(parseConsole(cut, opts).reasons[0]).toMatch(/\(exit 1\): "\[main\] Execcount went backwards! \(old:212 new:211\):"$/);
  });

  it('a scenario that ended without trinity fails when trinity was in the initramfs', () => {
    const without = run.filter((l) => !l.includes('@@cgpu trinity'));
    expect(parseConsole(without, opts).reasons).toEqual(['trinity did not run']);
    expect(parseConsole(without, { ...opts, trinity: false }).ok).toBe(true);
  });
});

describe('the init/exit race of issue 12, named by KASAN (fixtures/variants/ctl-always-live.patch on debug-6.12)', () => {
  const race = log('debug-6.12-ctl-race.log');

  it('fails on the use-after-free of the class cgpu_exit() freed, reached from an inst_ctl write', () => {
    const v = parseConsole(race, { timedOut: false, expect32: true, debugKernel: true, trinity: true });
    expect(v.ok).toBe(false);
    expect(v.reasons.at(-1)).toMatch(/^kernel splat: KASAN: .*slab-use-after-free in device_get_ownership/);
    expect(v.bootSplats).toEqual([]);
    // The report's own stacks: the access comes from inst_ctl creating an instance's device, the object was
    // allocated by class_create() at init and freed by class_release() under cgpu_exit().
    const report = race.slice(race.findIndex((l) => l.includes('BUG: KASAN')));
    const at = (re: RegExp): number => report.findIndex((l) => re.test(l));
    expect(at(/inst_ctl_store/)).toBeGreaterThan(0);
    expect(at(/Allocated by task/)).toBeLessThan(at(/class_create/));
    expect(at(/Freed by task/)).toBeLessThan(at(/cgpu_exit/));
  });
});
