/** Probe compilers: kbuild in the kernel's builder container (real), and host gcc over a fake header tree (tests). */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, onCleanup, readJson, run, sha256, writeFileAtomic } from '@cgpu/common';
import { ensureKernelImage, headersDir, runContainer, toolchain } from '@cgpu/builder';
import type { KernelEntry } from '@cgpu/kernels';
import { errorsFor, probeFileName, probeSource, type ProbeCompiler, type ProbeOutcome } from './probes.js';

/** Warnings that mean a missing API on older compilers are made errors, as gcc 14 does by default. */
const PROBE_CFLAGS = ['-Werror=implicit-function-declaration', '-Werror=incompatible-pointer-types', '-Werror=int-conversion'];

async function writeProbes(dir: string, probes: ReadonlyArray<{ name: string; source: string }>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const p of probes) await writeFile(join(dir, `${probeFileName(p.name)}.c`), probeSource({ name: p.name, probe: p.source }));
  await writeFile(join(dir, 'Kbuild'), `obj-m := ${probes.map((p) => `${probeFileName(p.name)}.o`).join(' ')}\nccflags-y := ${PROBE_CFLAGS.join(' ')}\n`);
}

/**
 * Run every probe with one `make -k` in the kernel's own container (its compiler, its headers),
 * cached per headers image and probe text.
 */
export function containerCompiler(k: KernelEntry, log?: (l: string) => void): ProbeCompiler {
  return async (probes) => {
    const { tag } = await ensureKernelImage(k, log);
    const key = sha256(JSON.stringify({ tag, probes, PROBE_CFLAGS }));
    const file = cacheDir('probes', `${k.release}-${key.slice(0, 16)}.json`);
    const cached = await readJson<Record<string, ProbeOutcome>>(file);
    if (cached) return new Map(Object.entries(cached));
    const tmp = await mkdtemp(join(tmpdir(), 'cgpu-probes-'));
    const unregister = onCleanup(() => rm(tmp, { recursive: true, force: true }));
    try {
      await writeProbes(tmp, probes);
      await chmod(tmp, 0o755); // the probes compile as an unprivileged user
      const tc = toolchain(k.arch, k.gccMajor);
      const make = ['make', '-k', `-j${availableParallelism()}`, '-C', headersDir(k.release), 'M=/tmp/p', ...tc.makeArgs, 'modules'].join(' ');
      const r = await runContainer(
        tag,
        ['--network', 'none', '-u', '1000:1000', '-e', 'HOME=/tmp', '-v', `${tmp}:/src:ro`],
        `cp -r /src /tmp/p; ${make} 2>&1 || true; for f in /tmp/p/*.o; do echo "@@built $(basename $f .o)"; done`,
        { timeoutMs: 10 * 60_000, purpose: `running the compile probes for ${k.release}` },
      );
      const out = new Map<string, ProbeOutcome>();
      for (const p of probes) {
        const f = probeFileName(p.name);
        const compiles = r.stdout.includes(`@@built ${f}\n`);
        out.set(p.name, { compiles, errors: compiles ? [] : errorsFor(r.stdout, f) });
      }
      await writeFileAtomic(file, JSON.stringify(Object.fromEntries(out)));
      return out;
    } finally {
      unregister();
      await rm(tmp, { recursive: true, force: true });
    }
  };
}

/**
 * Host gcc, syntax only, against a header tree (TuxMake-style fake kernel tree): fast tests of the selection
 * logic without Docker. Real kernels use `containerCompiler`.
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
