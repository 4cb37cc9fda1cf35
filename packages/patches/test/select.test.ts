import { mkdtempSync, readFileSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPatches } from '../src/apply.js';
import { headerTreeCompiler } from '../src/compilers.js';
import { errorsFor, isMissingApi } from '../src/probes.js';
import { selectPatches, type Decision } from '../src/select.js';
import { loadSeries, parseSeries } from '../src/series.js';

const root = new URL('../../..', import.meta.url).pathname;
const seriesDir = join(root, 'patches');

describe('series model', () => {
  it('loads the real series: ten patches in version order, each file present', async () => {
    const s = await loadSeries(seriesDir);
    expect(s.patches.map((p) => p.name)).toEqual([
      'procfs-proc-ops', 'procfs-pde-data', 'device-type-devnode-const', 'timer-delete-sync', 'mm-vm-flags-set',
      'class-create-no-owner', 'strscpy', 'fs-no-llseek', 'timer-container-of', 'ida-alloc',
    ]);
    const versions = s.patches.map((p) => p.since.split('.').map(Number));
    for (let i = 1; i < versions.length; i++) {
      const [a, b] = [versions[i - 1]!, versions[i]!];
      expect(a[0]! * 100 + a[1]! <= b[0]! * 100 + b[1]!).toBe(true);
    }
  });

  it('rejects bad entries with a message that names them', async () => {
    const bad = (y: string): Promise<unknown> => parseSeries(y, '/x');
    await expect(bad('patches: 3')).rejects.toThrowError(/no "patches" list/);
    await expect(bad('patches:\n  - name: a\n    file: a.patch\n    since: "6"\n')).rejects.toThrowError(/"upstream"|"since"/);
    const ok = 'file: a.patch\n    since: "6.4"\n    upstream: x\n    reason: y\n    probe: z\n    apply_if: present';
    await expect(bad(`patches:\n  - name: a\n    ${ok}\n  - name: a\n    ${ok}`)).rejects.toThrowError(/appears twice/);
    await expect(bad(`patches:\n  - name: a\n    ${ok.replace('present', 'maybe')}`)).rejects.toThrowError(/apply_if/);
    await expect(bad('patches: [')).rejects.toThrowError(/not valid YAML/);
  });

  it('says which file is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cgpu-series-'));
    writeFileSync(join(dir, 'series.yaml'), 'patches:\n  - name: gone\n    file: 0001-gone.patch\n    since: "6.4"\n    upstream: x\n    reason: y\n    probe: z\n    apply_if: present\n');
    await expect(loadSeries(dir)).rejects.toThrowError(/its file 0001-gone.patch is missing/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('probe failure classification', () => {
  it('takes missing-API errors as answers', () => {
    expect(isMissingApi(["p.c:4:54: error: implicit declaration of function 'pde_data' [-Werror=implicit-function-declaration]",
      "p.c:4:54: error: returning 'int' from a function with return type 'void *' makes pointer from integer without a cast"])).toBe(true);
    expect(isMissingApi(["p.c:2:60: error: 'no_llseek' undeclared here (not in a function)"])).toBe(true);
    expect(isMissingApi(['p.c:4:66: error: macro "class_create" requires 2 arguments, but only 1 given'])).toBe(true);
  });
  it('takes anything else as a broken probe', () => {
    expect(isMissingApi(['p.c:2:10: fatal error: linux/nosuch.h: No such file or directory'])).toBe(false);
    expect(isMissingApi(["p.c:3:1: error: expected ';' before '}' token", "p.c:3:1: error: 'x' undeclared"])).toBe(false);
    expect(isMissingApi([])).toBe(false);
  });
  it('keeps only the error lines of the probe asked for', () => {
    const out = '/tmp/p/probe_a.c:1:1: error: one\n/tmp/p/probe_b.c:1:1: error: two\n/tmp/p/probe_a.c:2:2: warning: w';
    expect(errorsFor(out, 'probe_a')).toEqual(['probe_a.c:1:1: error: one']);
  });
});

describe('selection on a fake 5.10 tree with class_create() backported', () => {
  const tree = new URL('./fixtures/fake-5.10-backport/include', import.meta.url).pathname;

  it('lets the probe win over the version for the backport, and agrees with it elsewhere', async () => {
    const s = await loadSeries(seriesDir);
    const sel = await selectPatches(s, { release: '5.10.0-fake', version: '5.10.0' }, headerTreeCompiler(tree));
    const by = Object.fromEntries(sel.decisions.map((d) => [d.name, d])) as Record<string, Decision>;
    expect(sel.applied.map((d) => d.name)).toEqual(['procfs-proc-ops', 'class-create-no-owner']);
    expect(by['class-create-no-owner']!.versionHint).toBe('disagrees');
    expect(by['class-create-no-owner']!.why).toMatch(/backport/);
    expect(by['procfs-pde-data']!.why).toMatch(/pde_data/);
    for (const d of sel.decisions.filter((x) => x.name !== 'class-create-no-owner')) expect(d.versionHint).toBe('agrees');
  });

  it('stops with a clear error when a probe fails for another reason', async () => {
    const s = await loadSeries(seriesDir);
    s.patches[1] = { ...s.patches[1]!, probe: '#include <linux/nosuch.h>\nint x;' };
    await expect(selectPatches(s, { release: '5.10.0-fake', version: '5.10.0' }, headerTreeCompiler(tree))).rejects.toMatchObject({
      code: 'PROBE_BROKEN',
      message: expect.stringMatching(/procfs-pde-data.*other than a missing API/s),
    });
  });
});

describe('applying patches', () => {
  it('applies every patch alone and all together to a copy, leaving kernel-src/ untouched', async () => {
    const s = await loadSeries(seriesDir);
    const src = join(root, 'kernel-src');
    const before = readFileSync(join(src, 'os-interface.c'), 'utf8');
    const all = s.patches.map((p) => ({ name: p.name, path: join(seriesDir, p.file) }));
    for (const one of all) {
      const t = await applyPatches(src, [one]);
      await t.cleanup();
    }
    const t = await applyPatches(src, all);
    const after = readFileSync(join(t.dir, 'os-interface.c'), 'utf8');
    await t.cleanup();
    expect(after).toMatch(/timer_container_of/);
    expect(after).not.toMatch(/PDE_DATA|strlcpy|ida_simple/);
    expect(readFileSync(join(src, 'os-interface.c'), 'utf8')).toBe(before);
  });

  it('names the patch, file and hunk that do not apply', async () => {
    const s = await loadSeries(seriesDir);
    const copy = mkdtempSync(join(tmpdir(), 'cgpu-src-'));
    cpSync(join(root, 'kernel-src'), copy, { recursive: true });
    const f = join(copy, 'os-interface.c');
    writeFileSync(f, readFileSync(f, 'utf8').replace('return PDE_DATA(inode);', 'return PDE_DATA(inode); /* changed */'));
    const p = s.patches.find((x) => x.name === 'procfs-pde-data')!;
    await expect(applyPatches(copy, [{ name: p.name, path: join(seriesDir, p.file) }])).rejects.toMatchObject({
      code: 'PATCH_FAILED',
      exitCode: 1,
      message: expect.stringMatching(/procfs-pde-data does not apply: os-interface\.c, hunk #1 at line \d+/),
    });
    // In a series, the one that fails is named, not its neighbours.
    const all = s.patches.map((x) => ({ name: x.name, path: join(seriesDir, x.file) }));
    expect(all.findIndex((x) => x.name === 'procfs-pde-data')).toBeGreaterThan(0);
    await expect(applyPatches(copy, all)).rejects.toMatchObject({
      code: 'PATCH_FAILED',
      message: expect.stringMatching(/^patch procfs-pde-data does not apply: os-interface\.c, hunk #1 at line \d+/),
    });
    rmSync(copy, { recursive: true, force: true });
  });
});
