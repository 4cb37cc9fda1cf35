/** Apply the selected patches to a copy of the source tree (the tree itself is never changed). */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CgpuError, onCleanup, run } from '@cgpu/common';

export class PatchApplyError extends CgpuError {
  constructor(patch: string, file: string, hunk: string, output: string) {
    super({
      code: 'PATCH_FAILED',
      message: `patch ${patch} does not apply: ${file}, hunk ${hunk}\n${output.trim().split('\n').slice(-8).join('\n')}`,
      hint: 'the source changed under the patch; regenerate it against the baseline kernel-src/',
      details: { patch, file, hunk },
    });
    this.name = 'PatchApplyError';
  }
}

export interface PatchedTree {
  dir: string;
  cleanup: () => Promise<void>;
}

/**
 * Applies the patches in order in one shell, so a series costs one process start, not one per patch (a warm
 * smoke run of a 7.x kernel spent ~0.25 s starting ten `patch` processes). Each patch's output follows a
 * marker line; the exit status names the patch that failed.
 */
const MARK = '@@cgpu-patch';
const APPLY_ALL = `d=$1; shift; i=0
for p in "$@"; do
  echo "${MARK} $i"
  patch -p1 --fuzz=0 --batch --forward --no-backup-if-mismatch -d "$d" -i "$p" || exit $((100 + i))
  i=$((i + 1))
done`;

/** Copy `src` to a temp dir and apply `patchFiles` in order with GNU patch, no fuzz. */
export async function applyPatches(src: string, patchFiles: ReadonlyArray<{ name: string; path: string }>): Promise<PatchedTree> {
  const base = await mkdtemp(join(tmpdir(), 'cgpu-src-'));
  const dir = join(base, 'src');
  const cleanup = async (): Promise<void> => {
    unregister();
    await rm(base, { recursive: true, force: true });
  };
  const unregister = onCleanup(() => rm(base, { recursive: true, force: true }));
  try {
    await cp(src, dir, { recursive: true, filter: (s) => !/\.(o|ko|mod|cmd|mod\.c|order|symvers)$/.test(s) });
    if (patchFiles.length === 0) return { dir, cleanup };
    const r = await run('sh', ['-c', APPLY_ALL, 'apply', dir, ...patchFiles.map((p) => resolve(p.path))], {
      timeoutMs: 60_000 + 10_000 * patchFiles.length,
      allowFailure: true,
      purpose: `applying ${patchFiles.map((p) => p.name).join(', ')}`,
    });
    if (r.exitCode !== 0) {
      const failed = patchFiles[r.exitCode - 100];
      if (!failed) throw new PatchApplyError(patchFiles.map((p) => p.name).join(', '), '?', '(none: the shell failed)', `${r.stdout}\n${r.stderr}`);
      const out = `${r.stdout.split(`${MARK} ${r.exitCode - 100}\n`).pop() ?? r.stdout}\n${r.stderr}`;
      const files = [...out.matchAll(/^patching file (\S+)/gm)].map((m) => m[1]!);
      const hunk = out.match(/Hunk #(\d+) FAILED at (\d+)/);
      throw new PatchApplyError(failed.name, files.at(-1) ?? '?', hunk ? `#${hunk[1]} at line ${hunk[2]}` : '(none: the patch itself is malformed)', out);
    }
    return { dir, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
