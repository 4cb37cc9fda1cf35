/** Throw-away and committed containers with unique names, removed for sure on success, failure and Ctrl-C. */
import { interruptSignal, onCleanup, runForCleanup, settledWithin } from '@cgpu/common';
import { docker } from './engine.js';

export type Log = (line: string) => void;

/** How long removal may take before we give up on it (a container stuck in the daemon). */
const REMOVE_LIMIT_MS = 20_000;

/**
 * `docker rm -f`, repeated until the daemon says the container does not exist.
 * One `rm -f` is not enough: with `docker run --rm` the daemon's own auto-remove can race it, and `rm -f` then
 * answers "removal already in progress" while the container is still listed (seen in CI: Ctrl-C left one behind).
 */
export async function removeContainer(name: string): Promise<'gone' | 'still-listed' | 'unknown'> {
  const deadline = Date.now() + REMOVE_LIMIT_MS;
  for (;;) {
    await runForCleanup('docker', ['rm', '-f', name], 15_000);
    const r = await runForCleanup('docker', ['container', 'inspect', '--format', '{{.State.Status}}', name], 15_000);
    // Retry only while the daemon still lists it; a daemon that is gone or a missing CLI is not waited for.
    if (r?.exitCode !== 0) return r !== undefined && /no such (container|object)/i.test(r.stderr) ? 'gone' : 'unknown';
    if (Date.now() > deadline) return 'still-listed';
    await new Promise((res) => setTimeout(res, 250));
  }
}

/**
 * Gives `fn` a unique container name and removes that container afterwards. On Ctrl-C the removal starts at once
 * (the docker client only forwards the signal, and a container whose PID 1 is `sh` ignores SIGTERM). A second
 * removal runs once `fn` has settled (or 6 s passed): a Ctrl-C in the first moments of `docker run` can find no
 * container yet, and the daemon may still create it. The process's clean-ups wait for both.
 */
async function withContainerName<T>(prefix: string, fn: (name: string) => Promise<T>): Promise<T> {
  const name = `${prefix}-${process.pid}-${Math.random().toString(16).slice(2, 10)}`;
  let early: Promise<unknown> | undefined;
  const onAbort = (): void => void (early ??= removeContainer(name));
  let settled: Promise<void> = Promise.resolve();
  let final: Promise<void> | undefined;
  const finish = (): Promise<void> =>
    (final ??= (async () => {
      await early;
      await settledWithin(settled, 6000);
      // Only a container the daemon still lists after the limit is worth a word; an unreachable daemon has
      // already failed the work with its own error.
      if ((await removeContainer(name)) === 'still-listed') {
        process.stderr.write(`warning: container ${name} is still there after ${REMOVE_LIMIT_MS / 1000} s; remove it with \`docker rm -f ${name}\`\n`);
      }
    })());
  interruptSignal.addEventListener('abort', onAbort, { once: true });
  const unregister = onCleanup(finish);
  try {
    const work = fn(name);
    settled = work.then(
      () => undefined,
      () => undefined,
    );
    return await work;
  } finally {
    interruptSignal.removeEventListener('abort', onAbort);
    await finish();
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
