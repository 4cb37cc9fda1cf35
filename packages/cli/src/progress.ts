/** listr2 for the pipeline's steps: the live renderer on a terminal, plain lines otherwise, nothing with --json. */
import { Listr } from 'listr2';
import type { Step } from '@cgpu/pipeline';

export function renderer(json: boolean): 'default' | 'simple' | 'silent' {
  if (json) return 'silent';
  return process.stderr.isTTY && !process.env['CI'] ? 'default' : 'simple';
}

/**
 * Run pipeline steps under listr2. `verbose` streams every output line to stderr instead of the task's
 * one-line output.
 */
export async function runWithProgress<C>(steps: ReadonlyArray<Step<C>>, ctx: C, o: { json?: boolean; verbose?: boolean }): Promise<C> {
  await new Listr(
    steps.map((s) => ({
      title: s.title,
      task: async (_c: unknown, task: { output: string; title: string }) => {
        await s.run(ctx, {
          output: (l) => {
            if (o.verbose) process.stderr.write(`${l}\n`);
            else task.output = l;
          },
          title: (t) => (task.title = t),
        });
      },
    })),
    { renderer: renderer(o.json === true), exitOnError: true, registerSignalListeners: false },
  ).run();
  return ctx;
}
