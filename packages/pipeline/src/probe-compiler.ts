/**
 * The real probe compiler: every probe built with one `make -k` in the kernel's own builder container (its
 * compiler, its headers). Injected into `selectPatches`, so @cgpu/patches never depends on the builder.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, onCleanup, readJson, sha256, writeFileAtomic } from '@cgpu/common';
import { ensureKernelImage, headersDir, kernelImagePlan, runContainer, toolchain } from '@cgpu/builder';
import { mirrorUrl, type KernelEntry } from '@cgpu/kernels';
import { PROBE_CFLAGS, errorsFor, outcomesAreAnswers, probeFileName, writeProbes, type ProbeCompiler, type ProbeOutcome } from '@cgpu/patches';

/** Cached per headers image and probe text; only answers are cached (see `outcomesAreAnswers`). */
export function containerCompiler(k: KernelEntry, log?: (l: string) => void): ProbeCompiler {
  return async (probes) => {
    // The tag is computed without Docker, so a warm run answers from the cache with no engine call.
    const planned = kernelImagePlan(k, mirrorUrl()).tag;
    const key = sha256(JSON.stringify({ tag: planned, probes, PROBE_CFLAGS }));
    const file = cacheDir('probes', `${k.release}-${key.slice(0, 16)}.json`);
    const cached = await readJson<Record<string, ProbeOutcome>>(file);
    if (cached) return new Map(Object.entries(cached));
    const { tag } = await ensureKernelImage(k, log);
    const tmp = await mkdtemp(join(tmpdir(), 'cgpu-probes-'));
    const unregister = onCleanup(() => rm(tmp, { recursive: true, force: true }));
    try {
      await writeProbes(tmp, probes);
      await chmod(tmp, 0o755); // the probes compile as an unprivileged user
      const tc = toolchain(k.arch, k.gccMajor);
      const make = ['make', '-k', '-j$(nproc)', '-C', headersDir(k.release), 'M=/tmp/p', ...tc.makeArgs, 'modules'].join(' ');
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
      if (outcomesAreAnswers(out)) await writeFileAtomic(file, JSON.stringify(Object.fromEntries(out)));
      return out;
    } finally {
      unregister();
      await rm(tmp, { recursive: true, force: true });
    }
  };
}
