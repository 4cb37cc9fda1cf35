/**
 * A pipeline is a list of steps over one context. Front ends decide how to show them: the CLI hands them to
 * listr2, the nx executor, benchmarks and tests run them plainly with `runSteps`.
 */

/** What a running step may tell its front end. */
export interface StepReporter {
  /** One line of progress (a build-log line, a download). */
  output(line: string): void;
  /** The step's final title: what it did, e.g. "patches: procfs-proc-ops". */
  title(text: string): void;
}

export interface Step<C> {
  title: string;
  run(ctx: C, report: StepReporter): Promise<void>;
}

/** Run steps in order without a progress view; `log` gets every line and final title. */
export async function runSteps<C>(steps: ReadonlyArray<Step<C>>, ctx: C, log?: (line: string) => void): Promise<C> {
  for (const s of steps) {
    await s.run(ctx, { output: (l) => log?.(l), title: (t) => log?.(t) });
  }
  return ctx;
}
