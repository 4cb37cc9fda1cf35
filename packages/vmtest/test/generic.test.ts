// The generic smoke mode (any module): its /init and its verdict, from a real console log and edits of it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { END_MARK } from '../src/init-script.js';
import { genericInitScript } from '../src/generic.js';
import { loadOrder, parseDepends } from '../src/generic-deps.js';
import { parseConsole } from '../src/verdict.js';

const good = readFileSync(new URL('./fixtures/generic/6.1-amd64-v4l2loopback-good.log', import.meta.url), 'utf8').split('\n');
const verdict = (lines: string[], timedOut = false) => parseConsole(lines, { timedOut, timeoutMs: 60_000, expect32: false, generic: true });
const edit = (from: RegExp, to: string | null): string[] => good.flatMap((l) => (from.test(l) ? (to === null ? [] : [to]) : [l]));

describe('generic verdict', () => {
  it('passes the real run: three modules loaded and unloaded, taint O+E only, no cgpu checks asked for', () => {
    const v = verdict(good);
    expect(v.reasons).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.taintAfter).toBe(12288);
    expect(v.lastStage).toBe('unloaded');
  });

  it('the same console judged as a cgpu run fails (no devnode, no smoke tools): the mode matters', () => {
    expect(parseConsole(good, { timedOut: false, expect32: false }).ok).toBe(false);
  });

  it('a failed insmod names the module and its exit code', () => {
    const v = verdict(edit(/@@cgpu insmod ok videodev/, '@@cgpu insmod failed 2 videodev'));
    expect(v.ok).toBe(false);
    expect(v.reasons).toContain('insmod videodev failed (exit 2)');
  });

  it('a refused rmmod, a leftover and a missing rmmod each fail', () => {
    expect(verdict(edit(/@@cgpu rmmod ok v4l2loopback/, '@@cgpu rmmod failed 1 v4l2loopback')).reasons).toContain('unload failed (rmmod v4l2loopback exit 1)');
    expect(verdict(edit(/@@cgpu taint-after/, '@@cgpu leftover /sys/module/v4l2loopback')).reasons).toContain('leak: /sys/module/v4l2loopback remains after unload');
    expect(verdict(edit(/@@cgpu rmmod ok mc/, null)).reasons).toContain('the console ended before every rmmod');
  });

  it('taint beyond O and E, or a splat, fails', () => {
    expect(verdict(edit(/@@cgpu taint-after/, '@@cgpu taint-after 12800')).reasons.join('\n')).toMatch(/taint after unload is 12800 \(WOE\)/);
    const splat = edit(/@@cgpu rmmod ok v4l2loopback/, '[    7.1] BUG: kernel NULL pointer dereference, address: 0000000000000008');
    expect(verdict(splat).reasons.join('\n')).toMatch(/kernel splat: BUG/);
  });

  it('a console cut before the end mark fails', () => {
    const i = good.findIndex((l) => l.includes('@@cgpu stage unload'));
    expect(verdict(good.slice(0, i)).ok).toBe(false);
  });
});

describe('generic /init', () => {
  it('loads in order, unloads only what is loaded in reverse, ends with END_MARK', () => {
    const s = genericInitScript(['mc', 'videodev', 'v4l2loopback']);
    const loads = [...s.matchAll(/insmod \/m\/(\d)\.ko/g)].map((m) => m[1]);
    expect(loads).toEqual(['0', '1', '2']);
    const unloads = [...s.matchAll(/then if rmmod (\S+);/g)].map((m) => m[1]);
    expect(unloads).toEqual(['v4l2loopback', 'videodev', 'mc']);
    expect(s).not.toMatch(/cgpu-smoke|cgpu-km/);
    expect(s.trimEnd().split('\n').slice(-3)[0]).toBe(`echo "${END_MARK}"`);
  });

  it('refuses a name that is not a module name', () => {
    expect(() => genericInitScript(['a; reboot'])).toThrow(/not a kernel module name/);
  });
});

describe('in-tree dependency order', () => {
  it('dependencies first, each once, dashes and underscores alike', () => {
    const deps: Record<string, string[]> = { v4l2loopback: ['videodev'], videodev: ['mc'], mc: [], hdaps: ['thinkpad_ec', 'input-polldev'], thinkpad_ec: [], input_polldev: [] };
    expect(loadOrder(['v4l2loopback'], (n) => deps[n] ?? [])).toEqual(['mc', 'videodev', 'v4l2loopback']);
    expect(loadOrder(['hdaps', 'thinkpad_ec'], (n) => deps[n] ?? [])).toEqual(['thinkpad_ec', 'input_polldev', 'hdaps']);
    expect(() => loadOrder(['a'], (n) => (n === 'a' ? ['b'] : ['a']))).toThrow(/cycle: a -> b -> a/);
    expect(parseDepends('mc,videodev,')).toEqual(['mc', 'videodev']);
    expect(parseDepends('')).toEqual([]);
  });
});
