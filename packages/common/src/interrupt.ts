/** One process-wide abort signal for Ctrl-C, and clean-up hooks that run before the process exits. */
import { InterruptedError } from './errors.js';

const controller = new AbortController();
const cleanups = new Set<() => Promise<void> | void>();

/** Aborted on the first SIGINT/SIGTERM once `installInterruptHandlers` ran. */
export const interruptSignal: AbortSignal = controller.signal;

/** Register clean-up work (kill a VM, remove a container); returns the function that unregisters it. */
export function onCleanup(fn: () => Promise<void> | void): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

let running: Promise<void> | undefined;

/**
 * Run every registered clean-up once, newest first; errors are swallowed (best effort). A second caller (the
 * CLI's `finally` while the Ctrl-C handler is still removing a container) waits for the same run instead of
 * finding the set empty and letting the process end half-way through it.
 */
export function runCleanups(): Promise<void> {
  running ??= (async () => {
    while (cleanups.size > 0) {
      const fns = [...cleanups].reverse();
      cleanups.clear();
      for (const fn of fns) {
        try {
          await fn();
        } catch {
          /* best effort */
        }
      }
    }
  })().finally(() => {
    running = undefined;
  });
  return running;
}

/** For the CLI: Ctrl-C aborts running work, runs clean-ups, exits 130. A second Ctrl-C exits at once. */
export function installInterruptHandlers(): void {
  let count = 0;
  const handler = (sig: NodeJS.Signals): void => {
    count += 1;
    if (count > 1) process.exit(130);
    controller.abort(new InterruptedError(`running (${sig})`));
    void runCleanups().finally(() => process.exit(130));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

export function throwIfInterrupted(what: string, signal: AbortSignal = interruptSignal): void {
  if (signal.aborted) throw new InterruptedError(what);
}

/**
 * Resolves when `p` settles or after `ms`, whichever is first. The timer never outlives `p`: a bare
 * `Promise.race` with `setTimeout` holds the process open for the rest of `ms` after the work is done.
 */
export function settledWithin(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((res) => {
    const timer = setTimeout(res, ms);
    const done = (): void => {
      clearTimeout(timer);
      res();
    };
    p.then(done, done);
  });
}
