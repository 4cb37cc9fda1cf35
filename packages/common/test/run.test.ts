// run(): timeouts, failures as typed errors, and stopWhen (a command whose end is a line, not its exit).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandError, findOnPath, run } from '../src/run.js';

describe('run', () => {
  it('returns the output of a command that succeeds', async () => {
    const r = await run('sh', ['-c', 'echo hello; echo oops >&2'], { timeoutMs: 10_000 });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'hello\n', stderr: 'oops\n', timedOut: false, stopped: false });
  });

  it('throws a CommandError naming the purpose and the last lines when it fails', async () => {
    const p = run('sh', ['-c', 'echo first; echo the-reason >&2; exit 3'], { timeoutMs: 10_000, purpose: 'doing a thing' });
    await expect(p).rejects.toBeInstanceOf(CommandError);
    await expect(p).rejects.toThrow(/doing a thing: .* exited 3\nthe-reason/);
  });

  it('kills a command at its time limit', async () => {
    const t = Date.now();
    const r = await run('sleep', ['30'], { timeoutMs: 500, allowFailure: true }).catch((e: CommandError) => e.result);
    expect(r.timedOut).toBe(true);
    expect(Date.now() - t).toBeLessThan(8_000);
  });

  it('stopWhen ends the command at the line that says it is done, with every line before it', async () => {
    const t = Date.now();
    const lines: string[] = [];
    const r = await run('sh', ['-c', 'for i in 1 2 3; do echo line $i; done; echo END; sleep 30; echo never'], {
      timeoutMs: 20_000,
      onLine: (l) => lines.push(l),
      stopWhen: (l) => l === 'END',
    });
    expect(r.stopped).toBe(true);
    expect(lines).toEqual(['line 1', 'line 2', 'line 3', 'END']);
    expect(Date.now() - t).toBeLessThan(10_000);
  });
});

describe('findOnPath', () => {
  it('finds an executable on PATH without running it, and skips non-executable files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cgpu-path-'));
    writeFileSync(join(dir, 'tool'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    writeFileSync(join(dir, 'plain'), 'data', { mode: 0o644 });
    expect(await findOnPath('tool', `/nonexistent:${dir}`)).toBe(join(dir, 'tool'));
    expect(await findOnPath('plain', dir)).toBeUndefined();
    expect(await findOnPath('sh')).toMatch(/\/sh$/);
    expect(await findOnPath(join(dir, 'tool'), '')).toBe(join(dir, 'tool'));
    rmSync(dir, { recursive: true, force: true });
  });
});
