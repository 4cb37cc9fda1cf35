/**
 * `cgpu matrix adhoc build|smoke [cgpu build/smoke flags]`: what `nx run cgpu-module:build|smoke` runs after
 * its dependencies. Without --kernel the cells (its dependencies) did the work; with --kernel=<spec> it runs
 * `cgpu build|smoke` for that spec with every flag nx forwarded, into dist/adhoc/<spec>/<arch>/, the
 * output nx caches for that spec.
 */
import type { Command } from 'commander';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '@cgpu/common';
import { defaultOut } from '@cgpu/pipeline';

/** Where an ad-hoc run of `spec` writes: one directory per spec and arch, so nx can cache each on its own. */
export function adhocOut(spec: string, arch: string | undefined): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9.+~_-]*$/.test(spec)) throw new UsageError({ code: 'BAD_SPEC', message: `"${spec}" is not a kernel spec`, hint: 'e.g. --kernel=6.12, --kernel=latest, --kernel=trixie' });
  return join(defaultOut(), 'adhoc', spec, arch ?? 'amd64');
}

export function registerMatrixAdhoc(matrix: Command, program: Command): void {
  matrix
    .command('adhoc <stage>')
    .description('the nx aggregate build/smoke: nothing after the cells, or one ad-hoc --kernel=<spec> with every flag forwarded')
    .allowUnknownOption(true)
    .helpOption(false)
    .argument('[flags...]')
    .action(async (stage: string, flags: string[]) => {
      if (stage !== 'build' && stage !== 'smoke') throw new UsageError({ code: 'BAD_STAGE', message: `stage must be build or smoke, not "${stage}"` });
      const kernelFlag = flags.findIndex((f) => f === '--kernel' || f.startsWith('--kernel='));
      if (kernelFlag < 0) {
        process.stdout.write(`every cell of ci/matrix.yaml: ${stage} done (see the ${stage}-<cell> tasks above)\n`);
        return;
      }
      if (flags.some((f) => f === '--out' || f.startsWith('--out='))) {
        throw new UsageError({ code: 'BAD_USAGE', message: 'an ad-hoc nx run writes to dist/adhoc/<spec>/<arch>/ (what nx caches); drop --out', hint: 'run `./cgpu build --out <dir>` directly for another place' });
      }
      const value = (name: string): string | undefined => {
        const i = flags.findIndex((f) => f === name || f.startsWith(`${name}=`));
        if (i < 0) return undefined;
        const f = flags[i]!;
        return f.includes('=') ? f.slice(f.indexOf('=') + 1) : flags[i + 1];
      };
      const out = adhocOut(value('--kernel')!, value('--arch'));
      await rm(out, { recursive: true, force: true }); // a spec that moved on leaves no older release behind
      await program.parseAsync([stage, ...flags, `--out=${out}`], { from: 'user' });
    });
}
