/**
 * Probe compilers that need no container: the probe module tree both compilers build, and host gcc over a
 * fake header tree (tests). The real compiler (kbuild in the kernel's builder container) is in @cgpu/pipeline
 * and is injected into `selectPatches`, so this package never depends on the builder.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '@cgpu/common';
import { errorsFor, isMissingApi, probeFileName, probeSource, type ProbeCompiler, type ProbeOutcome } from './probes.js';

/** Warnings that mean a missing API on older compilers are made errors, as gcc 14 does by default. */
export const PROBE_CFLAGS = ['-Werror=implicit-function-declaration', '-Werror=incompatible-pointer-types', '-Werror=int-conversion'];

/** Write the probes as one module tree (a .c per probe and a Kbuild) into `dir`. */
export async function writeProbes(dir: string, probes: ReadonlyArray<{ name: string; source: string }>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const p of probes) await writeFile(join(dir, `${probeFileName(p.name)}.c`), probeSource({ name: p.name, probe: p.source }));
  await writeFile(join(dir, 'Kbuild'), `obj-m := ${probes.map((p) => `${probeFileName(p.name)}.o`).join(' ')}\nccflags-y := ${PROBE_CFLAGS.join(' ')}\n`);
}

/**
 * Should these outcomes be cached? Only when every probe gave an answer: it compiled, or it failed for a
 * missing API. A broken run (a dead container, a toolchain error, a typo in a probe) is never cached, so
 * it cannot poison later selections.
 */
export function outcomesAreAnswers(out: ReadonlyMap<string, ProbeOutcome>): boolean {
  return [...out.values()].every((o) => o.compiles || isMissingApi(o.errors));
}

/**
 * Host gcc, syntax only, against a header tree (TuxMake-style fake kernel tree): fast tests of the selection
 * logic without Docker. Real kernels use `containerCompiler` from @cgpu/pipeline.
 */
export function headerTreeCompiler(includeDir: string): ProbeCompiler {
  return async (probes) => {
    const tmp = await mkdtemp(join(tmpdir(), 'cgpu-fake-probes-'));
    try {
      await writeProbes(tmp, probes);
      const out = new Map<string, ProbeOutcome>();
      for (const p of probes) {
        const f = probeFileName(p.name);
        const r = await run('gcc', ['-fsyntax-only', '-nostdinc', '-isystem', includeDir, ...PROBE_CFLAGS, join(tmp, `${f}.c`)], {
          timeoutMs: 30_000,
          allowFailure: true,
        });
        out.set(p.name, { compiles: r.exitCode === 0, errors: r.exitCode === 0 ? [] : errorsFor(r.stderr, f) });
      }
      return out;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  };
}
