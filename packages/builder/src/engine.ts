/**
 * The Docker engine, through the `docker` CLI via execa (no extra dependency; `docker import`, `cp` and
 * `commit` behave exactly as users know them, and the CLI honours DOCKER_HOST and contexts).
 * `startEngine` starts Debian's dockerd without iptables or a bridge (builds need no container network).
 */
import { openSync, closeSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { CgpuError, CommandMissingError, cacheDir, commandWorks, exists, run, type RunOptions, type RunResult } from '@cgpu/common';

export class EngineError extends CgpuError {
  constructor(message: string, hint: string) {
    super({ code: 'DOCKER_ENGINE', message, hint });
    this.name = 'EngineError';
  }
}

const HOW_TO_GET_ONE =
  'start one: as root on Debian, `cgpu engine start` (installs nothing; needs the docker.io package: apt-get install docker.io), or point DOCKER_HOST at a running engine';

let checked: Promise<void> | undefined;

/** Throws at once, with how to get an engine, when none answers. Checked once per process. */
export function requireEngine(): Promise<void> {
  checked ??= (async () => {
    let r: RunResult;
    try {
      r = await run('docker', ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 15_000, allowFailure: true });
    } catch (e) {
      if (e instanceof CommandMissingError) throw new EngineError('the docker CLI is not installed', 'apt-get install docker.io');
      throw e;
    }
    if (r.exitCode !== 0) throw new EngineError(`no Docker engine answers: ${r.stderr.trim().split('\n').pop() ?? ''}`, HOW_TO_GET_ONE);
  })();
  return checked;
}

/** `docker ...` with the engine checked first. */
export async function docker(args: readonly string[], opts: Partial<RunOptions> & { timeoutMs: number }): Promise<RunResult> {
  await requireEngine();
  return run('docker', args, opts);
}

const pidFile = (): string => cacheDir('engine', 'dockerd.pid');
const logFile = (): string => cacheDir('engine', 'dockerd.log');

export interface EngineStatus {
  running: boolean;
  startedByUs: boolean;
  pid?: number;
  log?: string;
}

export async function engineStatus(): Promise<EngineStatus> {
  const running = await commandWorks('docker', ['info', '--format', '{{.ID}}']);
  const pid = Number((await readFile(pidFile(), 'utf8').catch(() => '')) || 0);
  const ours = pid > 0 && alive(pid);
  return { running, startedByUs: ours, ...(ours ? { pid, log: logFile() } : {}) };
}

export async function startEngine(timeoutMs = 60_000): Promise<EngineStatus> {
  const st = await engineStatus();
  if (st.running) return st;
  if (process.getuid?.() !== 0) throw new EngineError('no Docker engine runs, and starting one needs root', HOW_TO_GET_ONE);
  if (!(await exists('/usr/sbin/dockerd')) && !(await commandWorks('dockerd', ['--version']))) {
    throw new EngineError('dockerd is not installed', 'apt-get install docker.io');
  }
  await mkdir(cacheDir('engine'), { recursive: true });
  const fd = openSync(logFile(), 'a');
  // A daemon that must outlive this process: spawned detached (not via execa, whose contract is a bounded
  // command); it is stopped by its pid with `stopEngine`.
  const child = spawn('dockerd', ['--iptables=false', '--bridge=none'], { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  if (!child.pid) throw new EngineError('dockerd did not start', `see ${logFile()}`);
  await writeFile(pidFile(), String(child.pid));
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await commandWorks('docker', ['info', '--format', '{{.ID}}'])) {
      checked = undefined;
      return { running: true, startedByUs: true, pid: child.pid, log: logFile() };
    }
    if (!alive(child.pid)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new EngineError(`dockerd did not answer within ${timeoutMs / 1000} s`, `see ${logFile()}`);
}

/** Stop the engine that `startEngine` started (by its pid); an engine someone else runs is left alone. */
export async function stopEngine(timeoutMs = 30_000): Promise<boolean> {
  const pid = Number((await readFile(pidFile(), 'utf8').catch(() => '')) || 0);
  if (!(pid > 0 && alive(pid))) {
    await rm(pidFile(), { force: true });
    return false;
  }
  process.kill(pid, 'SIGTERM');
  const until = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  await rm(pidFile(), { force: true });
  return true;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
