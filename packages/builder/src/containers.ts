/** Throw-away and committed containers with unique names, removed for sure on success, failure and Ctrl-C. */
import { interruptSignal, onCleanup, run, type RunResult } from '@cgpu/common';
import { docker } from './engine.js';

export type Log = (line: string) => void;

/** How long removal may take before we give up on it (a container stuck in the daemon). */
const REMOVE_LIMIT_MS = 20_000;

/** Clean-up work must not be cancelled by the interrupt that caused it. */
const cleanupRun = (args: string[]): Promise<RunResult | undefined> =>
  run('docker', args, { timeoutMs: 15_000, allowFailure: true, signal: new AbortController().signal }).catch(() => undefined);

/**
 * `docker rm -f`, repeated until the daemon says the container does not exist.
 * One `rm -f` is not enough: with `docker run --rm` the daemon's own auto-remove can race it, and `rm -f` then
 * answers "removal already in progress" while the container is still listed (seen in CI: Ctrl-C left one behind).
 */
export async function removeContainer(name: string): Promise<boolean> {
  const deadline = Date.now() + REMOVE_LIMIT_MS;
  for (;;) {
    await cleanupRun(['rm', '-f', name]);
    const r = await cleanupRun(['container', 'inspect', '--format', '{{.State.Status}}', name]);
    if (r && r.exitCode !== 0 && /no such (container|object)/i.test(r.stderr)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((res) => setTimeout(res, 250));
  }
}

/**
 * Gives `fn` a unique container name and removes that container afterwards. On Ctrl-C the removal starts at once
 * (the docker client only forwards the signal, and a container whose PID 1 is `sh` ignores SIGTERM), and the
 * process's clean-ups wait for it.
 */
async function withContainerName<T>(prefix: string, fn: (name: string) => Promise<T>): Promise<T> {
  const name = `${prefix}-${process.pid}-${Math.random().toString(16).slice(2, 10)}`;
  let removal: Promise<boolean> | undefined;
  const remove = (): Promise<boolean> => (removal ??= removeContainer(name));
  const onAbort = (): void => void remove();
  interruptSignal.addEventListener('abort', onAbort, { once: true });
  const unregister = onCleanup(() => remove().then(() => undefined));
  try {
    return await fn(name);
  } finally {
    interruptSignal.removeEventListener('abort', onAbort);
    await remove();
    unregister();
  }
}

/** Run a throw-away container; it is removed on success, failure and Ctrl-C. */
export function runContainer(image: string, args: string[], script: string, opts: { timeoutMs: number; log?: Log; purpose: string; allowFailure?: boolean }) {
  return withContainerName('cgpu', (name) =>
    docker(['run', '--rm', '--name', name, ...args, image, 'sh', '-ec', script], {
      timeoutMs: opts.timeoutMs,
      purpose: opts.purpose,
      allowFailure: opts.allowFailure ?? false,
      ...(opts.log ? { onLine: (l: string) => opts.log!(l) } : {}),
    }),
  );
}

/** Run a container with the network (for apt), then commit it as `tag`; the container is removed either way. */
export function commitContainer(from: string, tag: string, args: string[], script: string, log: Log | undefined, purpose: string): Promise<void> {
  return withContainerName('cgpu-img', async (name) => {
    await docker(['run', '--name', name, '--network', 'host', ...args, from, 'sh', '-ec', script], {
      timeoutMs: 30 * 60_000,
      purpose,
      ...(log ? { onLine: (l: string) => log(l) } : {}),
    });
    await docker(['commit', '--change', 'CMD ["/bin/bash"]', name, tag], { timeoutMs: 10 * 60_000, purpose: `committing ${tag}` });
  });
}
