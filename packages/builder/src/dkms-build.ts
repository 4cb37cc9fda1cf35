/**
 * A DKMS source tree built as dkms would, inside the kernel's own builder container, as root (as dkms runs):
 * the tree copied to dkms's build dir, PATCH[], PRE_BUILD, the make command of its dkms.conf, POST_BUILD,
 * each BUILT_MODULE_LOCATION/NAME.ko checked, stripped (-g) and collected. The container answers as the
 * target machine would: `uname -r` is the target release and /lib/modules/<release>/build is its headers.
 */
import { resolve } from 'node:path';
import { shQuote as q } from '@cgpu/common';
import type { KernelEntry } from '@cgpu/kernels';
import { JOBS, evalScript, parseEvalOutput, targetEnv, type DkmsPlan, type DkmsTarget, type EvaluatedConf } from '@cgpu/dkmsconf';
import { runContainer, type Log } from './containers.js';
import { ensureKernelImage } from './images.js';
import { runContainerBuild, type ModuleBuild } from './module-build.js';
import { headersDir, toolchain } from './recipes.js';

/**
 * Shell lines that make the container look like the target machine: a `uname` in /usr/local/bin (first in
 * PATH) that reports the target release, and /lib/modules/<release>/build -> the headers, as Debian's
 * headers package makes it (the arm64 layer only copies /usr, so the link may be missing).
 */
export function targetMachineSetup(release: string): string[] {
  return [
    `mkdir -p /lib/modules/${release}`,
    `[ -e /lib/modules/${release}/build ] || ln -s ${headersDir(release)} /lib/modules/${release}/build`,
    `printf '%s\\n' '#!/bin/sh' '# cgpu: answer as the target kernel ${release} would' 'real=$(/bin/uname -r)' 'case "$1" in -r|--kernel-release) [ $# -eq 1 ] && { echo ${release}; exit 0; };; esac' 'exec /bin/uname "$@" | sed "s/$real/${release}/g"' > /usr/local/bin/uname`,
    'chmod 755 /usr/local/bin/uname',
  ];
}

/** Source `<src>/dkms.conf` in the kernel's container with the variables dkms sets, and parse what it left. */
export async function evalDkmsConf(k: KernelEntry, src: string, t: DkmsTarget, log?: Log): Promise<EvaluatedConf & { stderr: string }> {
  const { tag } = await ensureKernelImage(k, log);
  const env = Object.entries(targetEnv(t)).flatMap(([n, v]) => ['-e', `${n}=${v}`]);
  const script = [...targetMachineSetup(k.release), `printf '%s' "$CGPU_DKMS_EVAL" > /tmp/eval.sh`, 'unset CGPU_DKMS_EVAL', 'exec bash /tmp/eval.sh /src/dkms.conf'].join('\n');
  const r = await runContainer(tag, ['--network', 'none', '-v', `${resolve(src)}:/src:ro`, ...env, '-e', `CGPU_DKMS_EVAL=${evalScript()}`], script, {
    timeoutMs: 120_000,
    purpose: `reading ${src}/dkms.conf for ${k.release}`,
  });
  return { ...parseEvalOutput(r.stdout), stderr: r.stderr };
}

/** The script dkms's do_build amounts to, for one plan. Pure: its text is part of the build key. */
export function dkmsBuildScript(k: Pick<KernelEntry, 'arch' | 'gccMajor' | 'release'>, plan: DkmsPlan): string {
  const tc = toolchain(k.arch, k.gccMajor);
  const cross = k.arch === 'arm64' ? ['export ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-'] : [];
  const strip = k.arch === 'arm64' ? 'aarch64-linux-gnu-strip' : 'strip';
  const script = (what: 'pre' | 'post', cmd: string | undefined): string[] =>
    cmd === undefined
      ? []
      : [
          `run="$bd/"${q(cmd)}`,
          `if [ -x "\${run%% *}" ]; then (cd "$bd" && eval "$run") 2>&1 || { echo "@@${what}-build-failed $?"; exit 5; }`,
          `else echo "@@warn the ${what === 'pre' ? 'PRE_BUILD' : 'POST_BUILD'} script is not executable: dkms only warns and goes on"; fi`,
        ];
  const lines = [
    ...targetMachineSetup(k.release),
    ...cross,
    `bd=${q(plan.buildDir)}`,
    'mkdir -p "$(dirname "$bd")"',
    'cp -a /src "$bd"',
    'cd "$bd"',
    ...(plan.cc ? [`export CC=${q(plan.cc)} KERNEL_CC=${q(plan.cc)}`] : []),
    'JOBS=$(nproc)',
    ...plan.patches.map((p) => `patch -p1 < ./patches/${q(p)} 2>&1 || { echo "@@patch-failed ${p}"; exit 6; }`),
    ...script('pre', plan.preBuild),
    's=$(date +%s%N)',
    `eval ${q(plan.makeCommand.split(JOBS).join('$JOBS'))} 2>&1 || { echo "@@make-failed"; exit 3; }`,
    'e=$(date +%s%N)',
    'echo "@@make-ms $(( (e - s) / 1000000 ))"',
    `echo "@@gcc $(\${CC:-${tc.cc}} -dumpfullversion)"`,
    ...script('post', plan.postBuild),
    ...plan.modules
      .filter((m) => m.excluded === undefined)
      .flatMap((m) => {
        const rel = `${m.builtLocation}${m.builtName}.ko`;
        return [
          `[ -f ${q(rel)} ] || { echo "@@module-missing ${rel}"; exit 7; }`,
          ...(m.strip ? [`${strip} -g ${q(rel)}`] : []),
          `cp ${q(rel)} /out/${q(`${m.destName}.ko`)}`,
        ];
      }),
  ];
  return lines.join('\n');
}

export interface DkmsBuildRequest {
  kernel: KernelEntry;
  src: string;
  plan: DkmsPlan;
  /** The result goes to `<out>/<release>/`. */
  out: string;
  manifest?: Record<string, unknown>;
  log?: Log;
  timeoutMs?: number;
}

const ERROR = /(^|\s)(error|fatal error):|^ERROR:|\*\*\* |^@@(make|pre-build|post-build|patch)-failed|^@@module-missing/;

export function buildDkmsTree(req: DkmsBuildRequest): Promise<ModuleBuild> {
  return runContainerBuild({
    kernel: req.kernel,
    src: req.src,
    out: req.out,
    command: `bash -ec ${q(dkmsBuildScript(req.kernel, req.plan))}`,
    purpose: `building ${req.plan.packageName} ${req.plan.packageVersion} for ${req.kernel.release}`,
    errorLine: ERROR,
    vermagicHint: 'the tree built for another kernel: does its Makefile ignore KERNELRELEASE and the make command of dkms.conf?',
    ...(req.manifest ? { manifest: req.manifest } : {}),
    ...(req.log ? { log: req.log } : {}),
    ...(req.timeoutMs !== undefined ? { timeoutMs: req.timeoutMs } : {}),
  });
}
