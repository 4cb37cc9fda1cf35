import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '@cgpu/common';
import { cleanConsole, escapeXml } from '../src/text.js';
import { BOOT_SPLATS_HEADING, failureText } from '../src/summary.js';
import { fixtureReport } from './helpers.js';

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f]/;

describe('console text', () => {
  it('drops ESC c, CSI, OSC and CR, and replaces other C0 controls', () => {
    expect(cleanConsole('\u001bc\u001b[?7l\u001b[2JSeaBIOS\r\n\u001b]0;t\u0007x\u0000\u0008y\tz')).toBe('SeaBIOS\nx\ufffd\ufffdy\tz');
    expect(escapeXml('<a & "b">\u001bc')).toBe('&lt;a &amp; &quot;b&quot;&gt;');
  });
});

describe('the matrix report from real and broken cell results', () => {
  it('tells ran, cached, failed and skipped apart, and reads fairness', async () => {
    const { report } = await fixtureReport();
    const byName = new Map(report.cells.map((c) => [c.cell, c]));
    const ok = byName.get('debian12-amd64')!;
    expect([ok.build.state, ok.smoke.state]).toEqual(['passed', 'cached']);
    expect(ok.fairness).toBe('25.1 / 74.9 % (want 25 / 75 +- 5)');
    expect(ok.fairnessOk).toBe(true);
    expect(ok.checks).toEqual({ passed: 134, failed: 0 });
    const bad = byName.get('debian13-bpo73-amd64')!;
    expect([bad.build.state, bad.smoke.state]).toEqual(['cached', 'failed']);
    expect(bad.fairnessOk).toBe(false);
    expect(bad.fairness).toContain('61.0');
    const none = byName.get('debian13-arm64')!;
    expect([none.build.state, none.smoke.state]).toEqual(['skipped', 'skipped']);
    expect(report.ok).toBe(false);
  });

  it('writes JUnit that xmllint accepts although the consoles hold ESC c, BEL and NUL', async () => {
    const { files } = await fixtureReport();
    const xml = await readFile(files.junit, 'utf8');
    expect(xml).not.toMatch(CONTROLS);
    const lint = await run('xmllint', ['--noout', files.junit], { timeoutMs: 30_000, allowFailure: true, purpose: 'xmllint' });
    expect(lint.stderr).toBe('');
    expect(lint.exitCode).toBe(0);
    expect(xml).toMatch(/<testsuites name="cgpu matrix" tests="\d+" failures="(\d+)" skipped="2">/);
    expect(xml).toContain('<testsuite name="cgpu.matrix.debian13-bpo73-amd64"');
    expect(xml).toContain('weight 3 got 61.0% of GPU time (want 75 +- 5)');
    expect(xml).toContain('bad &lt;xml&gt; &amp; &quot;quotes&quot;');
    expect(xml).toContain('<system-out>SeaBIOS (version');
  });

  it('writes a summary table and matrix.json without control characters', async () => {
    const { files, report } = await fixtureReport();
    const md = await readFile(files.summary, 'utf8');
    expect(md).toContain('## cgpu matrix: 1 of 3 cells passed');
    expect(md).toContain('| cell | release | patches | build | smoke | fairness | boot |');
    expect(md).toMatch(/\| ✅ debian12-amd64 \| 6\.1\.0-50-amd64 \| 3 \| passed 41\.0 s \| cached 20\.3 s \| 25\.1 \/ 74\.9 % \(want 25 \/ 75 \+- 5\) \| 6\.2 s \|/);
    expect(md).toContain('### debian13-bpo73-amd64 (7.3.4+deb13-amd64)');
    expect(md).not.toMatch(CONTROLS);
    const json = JSON.parse(await readFile(files.json, 'utf8'));
    expect(json.cells.map((c: { cell: string }) => c.cell)).toEqual(report.cells.map((c) => c.cell));
  });

  it('tells on the terminal why a failed cell failed, with its console lines cleaned', async () => {
    const { report, files } = await fixtureReport();
    const bad = report.cells.find((c) => c.cell === 'debian13-bpo73-amd64')!;
    const text = failureText(bad, files.dir);
    expect(text[0]).toBe('debian13-bpo73-amd64 (7.3.4+deb13-amd64): build cached, smoke failed');
    // The fixture's reason ends in ESC c, its excerpt holds CSI, BEL and NUL (see fixtures/README.md).
    expect(text).toContain('  - the console ended in stage "unloaded" before the scenario finished ');
    expect(text).toContain('    [   11.5] reboot: Power d\ufffdown');
    expect(text.at(-1)).toBe(`  reproduce: sh ${files.dir}/cells/debian13-bpo73-amd64/reproduce.sh`);
    expect(text.join('\n')).not.toMatch(CONTROLS);
  });

  it('gives every cell a reproduce.sh with the image tag, lock entry, patches and qemu command', async () => {
    const { files } = await fixtureReport();
    const sh = join(files.dir, 'cells/debian12-amd64/reproduce.sh');
    const text = await readFile(sh, 'utf8');
    expect(text).toContain('# Builder image: cgpu-kernel:6.1.0-50-amd64-');
    expect(text).toContain('# Patches (probe-selected, locked): procfs-proc-ops.patch procfs-pde-data.patch timer-delete-sync.patch');
    expect(text).toContain('#     "release": "6.1.0-50-amd64",');
    expect(text).toContain('./cgpu matrix cell debian12-amd64 build');
    expect(text).toMatch(/exec qemu-system-x86_64 -M pc -accel tcg .* -kernel "\$VMLINUZ" -initrd "\$INITRD" -append 'console=ttyS0/);
    // The firmware of the smoke run: QEMU's default for a smoke.json without one, qboot where the run used it.
    expect(text).not.toContain('-bios');
    const qboot = await readFile(join(files.dir, 'cells/debian13-bpo73-amd64/reproduce.sh'), 'utf8');
    expect(qboot).toContain('exec qemu-system-x86_64 -M pc -bios qboot.rom -accel tcg ');
    const arm = await readFile(join(files.dir, 'cells/debian13-arm64/reproduce.sh'), 'utf8');
    expect(arm).toMatch(/exec qemu-system-aarch64 -M virt -cpu cortex-a57/);
    const syntax = await run('sh', ['-n', sh], { timeoutMs: 10_000, allowFailure: true, purpose: 'sh -n' });
    expect(syntax.exitCode).toBe(0);
  });
});

describe('the debug-6.12 cell in the report', () => {
  it('is a row of the grid like any other, its boot-time warnings kept apart from why it failed', async () => {
    const { report, files } = await fixtureReport('ci-debug');
    const d = report.cells.find((c) => c.cell === 'debug-6.12')!;
    expect(d).toMatchObject({ kernel: 'debug', release: '6.12.107-cgpu-debug', packageVersion: '6.12.107-1', distro: 'Debian 13 (debug build)' });
    expect([d.build.state, d.smoke.state]).toEqual(['cached', 'failed']);
    expect(d.reasons).toEqual(['kernel splat: KASAN: [   20.5] BUG: KASAN: slab-use-after-free in mutex_destroy+0x6d/0x80']);
    expect(d.bootSplats).toEqual(['WARNING: [    1.234567] WARNING: CPU: 0 PID: 1 at arch/x86/kernel/cpu/bugs.c:1234 some_boot_check+0x10/0x20']);
    // A stock cell, and a smoke.json written before boot splats were told apart.
    expect(report.cells.find((c) => c.cell === 'debian12-amd64')).toMatchObject({ kernel: 'stock', bootSplats: [] });

    const text = failureText(d, files.dir);
    const heading = text.indexOf(`  ${BOOT_SPLATS_HEADING}:`);
    expect(text.slice(1, heading)).toEqual(['  - kernel splat: KASAN: [   20.5] BUG: KASAN: slab-use-after-free in mutex_destroy+0x6d/0x80']);
    expect(text[heading + 1]).toBe('    WARNING: [    1.234567] WARNING: CPU: 0 PID: 1 at arch/x86/kernel/cpu/bugs.c:1234 some_boot_check+0x10/0x20');

    const md = await readFile(files.summary, 'utf8');
    expect(md).toContain('## cgpu matrix: 1 of 2 cells passed');
    expect(md).toMatch(/\| ❌ debug-6\.12 \| 6\.12\.107-cgpu-debug \| 8 \| cached 14\.4 s \| failed/);
    expect(md).toContain("- kernel splat: KASAN: [   20.5] BUG: KASAN: slab-use-after-free in mutex_destroy+0x6d/0x80\n\nThe debug kernel's own boot-time warnings (before insmod; not the module's failure):\n\n- WARNING: [    1.234567] WARNING");
    const html = await readFile(files.html, 'utf8');
    expect(html).toContain('"bootSplats":["WARNING: [    1.234567] WARNING: CPU: 0 PID: 1');
    expect(html).toContain(`var BOOT_SPLATS_HEADING = ${JSON.stringify(BOOT_SPLATS_HEADING)};`);
    const xml = await readFile(files.junit, 'utf8');
    expect(xml).toContain('<testsuite name="cgpu.matrix.debug-6.12"');
  });

  it('reproduce.sh rebuilds or reuses the debug kernel of the locked plan instead of fetching an archive deb', async () => {
    const { files } = await fixtureReport('ci-debug');
    const sh = join(files.dir, 'cells/debug-6.12/reproduce.sh');
    const text = await readFile(sh, 'utf8');
    expect(text).toContain('it uses the debug kernel built from the plan pinned in ci/kernels.lock (key 0c40bfcc60c8b05d)');
    expect(text).toContain('VMLINUZ="$(./cgpu kernels build-debug 6.12 --json | jq -r .files.vmlinuz)"');
    expect(text).not.toContain('kernels fetch');
    expect(text).toContain('./cgpu matrix cell debug-6.12 smoke --accel tcg --verbose');
    expect((await run('sh', ['-n', sh], { timeoutMs: 10_000, allowFailure: true, purpose: 'sh -n' })).exitCode).toBe(0);
  });
});
