/** Build an out-of-tree module (and its user-space tools) inside the kernel's own builder container. */
import { shQuote } from '@cgpu/common';
import type { KernelEntry } from '@cgpu/kernels';
import type { Log } from './containers.js';
import { runContainerBuild, type ModuleBuild } from './module-build.js';
import { headersDir, toolchain } from './recipes.js';

export interface BuildRequest {
  kernel: KernelEntry;
  /** Module source; mounted read-only. */
  src: string;
  /** `dist/`; the result goes to `<out>/<release>/`. */
  out: string;
  werror?: boolean;
  /** More fields for build.json, written with the result in the same atomic swap (the pipeline's key). */
  manifest?: Record<string, unknown>;
  /** Each build-log line as it arrives; the builder's own `@@` markers are not passed on. */
  log?: Log;
  timeoutMs?: number;
}

const ERROR = /(^|\s)(error|fatal error):|^ERROR:|\*\*\* /;

/**
 * The script make runs in, as uid 1000 inside the builder (source at /tmp/m, output to /out). Pure: its text
 * is part of the pipeline's build key, so a change to how we build is a rebuild.
 */
export function buildScript(k: Pick<KernelEntry, 'arch' | 'gccMajor' | 'release'>, werror: boolean): string {
  const tc = toolchain(k.arch, k.gccMajor);
  const make = ['make', '-j$(nproc)', '-C', headersDir(k.release), 'M=/tmp/m', ...tc.makeArgs, ...(werror ? ['KCFLAGS=-Werror'] : [])].join(' ');
  return [
    's=$(date +%s%N)',
    `${make} modules 2>&1 || { echo "@@make-failed"; exit 3; }`,
    'e=$(date +%s%N)',
    'echo "@@make-ms $(( (e - s) / 1000000 ))"',
    `echo "@@gcc $(${tc.cc.split(' ')[0]} -dumpfullversion)"`,
    'cp /tmp/m/*.ko /out/',
    'if [ -f /tmp/m/tools/Makefile ]; then',
    `  make -C /tmp/m/tools CC="${tc.cc}" CC32="${tc.cc32}" OUT=/out/tools 2>&1 || { echo "@@tools-failed"; exit 4; }`,
    'fi',
  ].join('\n');
}

export async function buildModule(req: BuildRequest): Promise<ModuleBuild> {
  // Root only copies the read-only source (whatever its permissions) and hands it over; make runs as uid 1000.
  return runContainerBuild({
    kernel: req.kernel,
    src: req.src,
    out: req.out,
    prepare: ['cp -r /src /tmp/m && chown -R 1000:1000 /tmp/m /out'],
    command: `setpriv --reuid=1000 --regid=1000 --clear-groups env HOME=/tmp sh -ec ${shQuote(buildScript(req.kernel, req.werror === true))}`,
    purpose: `building ${req.kernel.release}`,
    errorLine: ERROR,
    vermagicHint: 'the headers in the image do not match the kernel; run `cgpu images prune` and build again',
    ...(req.werror !== undefined ? { werror: req.werror } : {}),
    ...(req.manifest ? { manifest: req.manifest } : {}),
    ...(req.log ? { log: req.log } : {}),
    ...(req.timeoutMs !== undefined ? { timeoutMs: req.timeoutMs } : {}),
  });
}
