/** Every external command goes through here: execa with a timeout, the Ctrl-C signal, and typed errors. */
import { execa } from 'execa';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { CgpuError, InterruptedError } from './errors.js';
import { interruptSignal, onCleanup, settledWithin } from './interrupt.js';

export interface RunOptions {
  /** Hard limit; the process is killed (SIGTERM, then SIGKILL after 5 s). */
  timeoutMs: number;
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  signal?: AbortSignal;
  /** Stream each output line to this callback as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** When true, a non-zero exit is returned, not thrown. */
  allowFailure?: boolean;
  /** What this command is for, used in error messages ("building the image"). */
  purpose?: string;
  /**
   * Stop the command (SIGKILL) as soon as an output line satisfies this: for a program whose end is a line
   * it prints, not its exit (a VM that has said all it had to say). The result then has `stopped: true`.
   */
  stopWhen?: (line: string) => boolean;
}

export interface RunResult {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  /** `stopWhen` matched and the command was killed on purpose. */
  stopped: boolean;
}

export class CommandError extends CgpuError {
  readonly result: RunResult;
  constructor(result: RunResult, purpose: string | undefined, hint?: string) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-15).join('\n');
    const what = purpose ? `${purpose}: ` : '';
    const msg = result.timedOut
      ? `${what}\`${result.command}\` timed out after ${Math.round(result.durationMs / 1000)} s`
      : `${what}\`${result.command}\` exited ${result.exitCode}${tail ? `\n${tail}` : ''}`;
    super({ code: result.timedOut ? 'COMMAND_TIMEOUT' : 'COMMAND_FAILED', message: msg, hint, details: { command: result.command, exitCode: result.exitCode } });
    this.name = 'CommandError';
    this.result = result;
  }
}

export class CommandMissingError extends CgpuError {
  constructor(cmd: string, hint: string) {
    super({ code: 'COMMAND_MISSING', message: `\`${cmd}\` is not installed`, hint, exitCode: 2 });
    this.name = 'CommandMissingError';
  }
}

export async function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const signal = opts.signal ?? interruptSignal;
  if (signal.aborted) throw new InterruptedError(opts.purpose ?? cmd);
  const started = Date.now();
  const command = [cmd, ...args].join(' ');
  let stopped = false;
  const onLine = opts.onLine ?? (opts.stopWhen ? () => undefined : undefined);
  const sink = (line: string, stream: 'stdout' | 'stderr'): void => {
    onLine?.(line, stream);
    if (!stopped && opts.stopWhen?.(line)) {
      stopped = true;
      sub.kill('SIGKILL');
      // A child the command left behind may hold the pipes open: stop reading, so the result is not held up.
      sub.stdout?.destroy();
      sub.stderr?.destroy();
    }
  };
  const sub = execa(cmd, args, {
    timeout: opts.timeoutMs,
    cancelSignal: signal,
    forceKillAfterDelay: 5000,
    cleanup: true,
    reject: false,
    all: false,
    stripFinalNewline: false,
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.env !== undefined ? { env: opts.env } : {}),
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
    ...(onLine
      ? {
          stdout: ['pipe', lineSink(sink, 'stdout')],
          stderr: ['pipe', lineSink(sink, 'stderr')],
        }
      : {}),
  });
  // On Ctrl-C the clean-ups wait (at most 6 s) for this process to be gone, so no QEMU or docker client
  // outlives us; the abort signal has already sent it SIGTERM (SIGKILL after 5 s).
  const unregister = onCleanup(() => settledWithin(sub, 6000));
  const r = await sub.finally(unregister);
  const result: RunResult = {
    command,
    exitCode: r.exitCode ?? -1,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    durationMs: Date.now() - started,
    timedOut: r.timedOut === true,
    stopped,
  };
  if (r.isCanceled || signal.aborted) throw new InterruptedError(opts.purpose ?? command);
  const code = (r as { code?: string }).code;
  if (code === 'ENOENT' && r.exitCode === undefined) {
    throw new CommandMissingError(cmd, `install the Debian package that provides \`${cmd}\` (see ci/setup.sh)`);
  }
  if (stopped) return result;
  if (!opts.allowFailure && (result.exitCode !== 0 || result.timedOut)) throw new CommandError(result, opts.purpose);
  if (result.timedOut) throw new CommandError(result, opts.purpose);
  return result;
}

function lineSink(cb: (line: string, s: 'stdout' | 'stderr') => void, stream: 'stdout' | 'stderr') {
  return function* (line: unknown): Generator<unknown, void, unknown> {
    cb(String(line), stream);
    yield line;
  };
}

/**
 * For clean-up work after Ctrl-C: the same command, not cancelled by the (already aborted) interrupt signal.
 * Never throws: its result, or undefined when it could not run at all.
 */
export function runForCleanup(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<RunResult | undefined> {
  return run(cmd, args, { timeoutMs, allowFailure: true, signal: new AbortController().signal }).catch(() => undefined);
}

/** The executable `cmd` resolves to on PATH, without running it (a stat per PATH entry, no process). */
export async function findOnPath(cmd: string, path = process.env['PATH'] ?? ''): Promise<string | undefined> {
  for (const dir of cmd.includes('/') ? [''] : path.split(':').filter(Boolean)) {
    const full = dir ? join(dir, cmd) : cmd;
    try {
      await access(full, constants.X_OK);
      return full;
    } catch {
      // not here
    }
  }
  return undefined;
}

export async function commandWorks(cmd: string, args: readonly string[] = ['--version']): Promise<boolean> {
  try {
    const r = await run(cmd, args, { timeoutMs: 10_000, allowFailure: true });
    return r.exitCode === 0;
  } catch {
    return false;
  }
}
