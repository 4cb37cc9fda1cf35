// The end of every smoke /init, run by the host's sh with `dmesg`, `reboot` and `sleep` as shell functions:
// which kernel log lines reach the console.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { DMESG_HEAD, DMESG_TAIL, END_MARK, INIT_EPILOGUE, KMSG_LOAD } from '../src/init-script.js';

const dir = mkdtempSync(join(tmpdir(), 'cgpu-epilogue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The `@@cgpu dmesg` lines the epilogue prints for a kernel log. */
async function printed(log: string[]): Promise<string[]> {
  writeFileSync(join(dir, 'log'), log.map((l) => `${l}\n`).join(''));
  const script = `mark() { echo "@@cgpu $*"; }
stage() { mark stage $1 1.00; }
dmesg() { [ "$1" = -n ] || cat ${dir}/log; }
reboot() { echo rebooted; }
sleep() { :; }
${INIT_EPILOGUE.replaceAll('/tmp/', `${dir}/`)}`;
  const r = await execa('sh', ['-c', script]);
  const out = r.stdout.split('\n');
  expect(out.slice(-3)).toEqual(['@@cgpu stage end 1.00', END_MARK, 'rebooted']);
  return out.filter((l) => l.startsWith('@@cgpu dmesg ')).map((l) => l.slice('@@cgpu dmesg '.length));
}

const lines = (from: number, n: number, what = 'line'): string[] => Array.from({ length: n }, (_, i) => `[    ${from + i}.000000] ${what} ${from + i}`);

describe('the kernel log at the end of /init', () => {
  it('prints everything from the load line on, and nothing from before it', async () => {
    const log = [...lines(0, 300, 'boot'), `[  300.000000] ${KMSG_LOAD}`, ...lines(301, 120)];
    const out = await printed(log);
    expect(out[0]).toContain(KMSG_LOAD);
    expect(out).toHaveLength(121);
    expect(out.some((l) => l.includes('boot'))).toBe(false);
  });

  it('a WARNING report far from the end still reaches the console whole (a 60-line tail cut it in CI)', async () => {
    const report = ['------------[ cut here ]------------', 'WARNING: CPU: 0 PID: 143 at cgpu-km.c:98 cgpu_ioctl+0x40b/0x440 [cgpu]', ...Array(50).fill(' ? frame'), '---[ end trace 0000000000000000 ]---'];
    const out = await printed([`[    2.0] ${KMSG_LOAD}`, ...report, ...lines(10, 70, 'after')]);
    expect(out).toContain(report[1]);
  });

  it('when the ring buffer wrapped past the load line, prints all of it', async () => {
    expect(await printed(lines(0, 30))).toEqual(lines(0, 30));
  });

  it('a flood is bounded: the first and last lines, and how many were left out', async () => {
    const flood = [`[    0.5] ${KMSG_LOAD}`, ...lines(1, 2000)];
    const out = await printed(flood);
    expect(out).toHaveLength(DMESG_HEAD + 1 + DMESG_TAIL);
    expect(out.slice(0, DMESG_HEAD)).toEqual(flood.slice(0, DMESG_HEAD));
    expect(out[DMESG_HEAD]).toBe(`... ${flood.length - DMESG_HEAD - DMESG_TAIL} of ${flood.length} lines left out ...`);
    expect(out.slice(-DMESG_TAIL)).toEqual(flood.slice(-DMESG_TAIL));
  });
});
