// The end of every smoke /init, run by the host's sh with `dmesg`, `reboot` and `sleep` as shell functions:
// which kernel log lines reach the console.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { DMESG_HEAD, DMESG_TAIL, END_MARK, INIT_EPILOGUE, KMSG_LOAD, initScript } from '../src/init-script.js';

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

describe('trinity in /init', () => {
  const script = initScript();
  const start = script.indexOf('    rc=$?');
  const end = script.indexOf('\n', script.indexOf('[ $by = other ]'));
  /** The lines that turn trinity's exit status and log into the result line, run by the host's sh. */
  async function result(rc: number, log: string[]): Promise<string[]> {
    writeFileSync(join(dir, 'trinity.log'), log.map((l) => `${l}\n`).join(''));
    const body = `mark() { echo "@@cgpu $*"; }\nv=/tmp/victims; log=${dir}/trinity.log\n(exit ${rc})\n${script.slice(start, end)}`;
    // The block's last test is false when trinity ended as it should; in /init the loop goes on.
    return (await execa('sh', ['-c', body], { reject: false })).stdout.split('\n');
  }

  it('its only descriptors are the files under the victim path, and read is among its calls', () => {
    // With trinity's other fd providers, 2 x 500 calls made 0 calls into cgpu.ko (ftrace, 2026-11-29).
    expect(script).toContain('--enable-fds=pseudo -c ioctl -c mmap -c read -c write -c poll -c close');
    expect(script).not.toContain('--disable-fds');
  });

  it('reports the calls, what ended them and the files found, from a real log', async () => {
    // The last lines of trinity 2023.01 (bookworm) against /tmp/victims on 6.1 amd64, 2026-11-29.
    const log = [
      '[main] Generating file descriptors',
      '[main] Added 3 filenames from /tmp/victims',
      '[main] Enabled 1/14 fd providers. initialized:1.',
      '[main] Reached limit 500. Telling children to exit.',
      '[main] Bailing main loop because Completed maximum number of operations..',
      '[main] Ran 500 syscalls. Successes: 129  Failures: 371',
    ];
    expect(await result(0, log)).toEqual(['@@cgpu trinity /tmp/victims exit 0 ran 500 by count files 3']);
    const stopped = log.slice(0, 3).concat(['[main] exit_reason=6, but 1 children still running.', '[main] Bailing main loop because ctrl-c.', '[main] Ran 8 syscalls. Successes: 0  Failures: 8']);
    expect(await result(0, stopped)).toEqual(['@@cgpu trinity /tmp/victims exit 0 ran 8 by time files 3']);
  });

  it('an end of another kind prints its last lines, and no files found is 0', async () => {
    const out = await result(1, ['[main] Execcount went backwards! (old:212 new:211):', '[main] Bailing main loop because SHM was corrupted!.']);
    expect(out[0]).toBe('@@cgpu trinity /tmp/victims exit 1 ran unknown by other files 0');
    expect(out.slice(1)).toEqual([
      '@@cgpu trinity-log [main] Execcount went backwards! (old:212 new:211):',
      '@@cgpu trinity-log [main] Bailing main loop because SHM was corrupted!.',
    ]);
  });
});
