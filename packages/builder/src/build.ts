/** Build an out-of-tree module (and its user-space tools) inside the kernel's own builder container. */
import { chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CgpuError, CommandError, onCleanup, sha256File, withLock } from '@cgpu/common';
import type { KernelEntry } from '@cgpu/kernels';
import { EM_AARCH64, EM_X86_64, elfFacts, moduleInfo } from './elf.js';
import { runContainer, type Log } from './containers.js';
import { ensureKernelImage } from './images.js';
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

export interface BuiltFile {
  file: string;
  sha256: string;
  elf: string;
}

/** What the builder made: facts read from the files, never assumed. */
export interface ModuleBuild {
  kernel: string;
  arch: string;
  suite: string;
  image: string;
  gcc: string;
  /** `gcc -dumpfullversion` of the compiler that built it, e.g. 12.2.0. */
  gccVersion: string;
  warnings: number;
  warningLines: string[];
  durationMs: number;
  /** Time of the `make modules` step alone, inside the container. */
  makeMs: number;
  modules: Array<BuiltFile & { vermagic: string }>;
  tools: BuiltFile[];
  dir: string;
}

export class BuildFailedError extends CgpuError {
  constructor(k: KernelEntry, image: string, errors: string[], log: string) {
    super({
      code: 'BUILD_FAILED',
      message: `the module does not build for ${k.release} (${k.arch}) in ${image}:\n${errors.join('\n')}`,
      hint: `full log: ${log}`,
      details: { kernel: k.release, arch: k.arch, image, errors },
    });
    this.name = 'BuildFailedError';
  }
}

const WARNING = /(^|\s)warning:|^WARNING:/;
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

/** Every .ko in `dir`, checked to be for `k` (vermagic, ELF machine); `hint` says what a wrong vermagic means here. */
export async function collectModules(dir: string, k: Pick<KernelEntry, 'release' | 'arch'>, hint: string): Promise<ModuleBuild['modules']> {
  const wantMachine = k.arch === 'amd64' ? EM_X86_64 : EM_AARCH64;
  const modules: ModuleBuild['modules'] = [];
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.ko')).sort()) {
    const p = join(dir, f);
    const [elf, info] = await Promise.all([elfFacts(p), moduleInfo(p)]);
    const vermagic = info['vermagic'] ?? '';
    if (!vermagic.startsWith(`${k.release} `)) {
      throw new CgpuError({ code: 'VERMAGIC_MISMATCH', message: `${f} has vermagic "${vermagic}", not ${k.release}`, hint });
    }
    if (elf.machine !== wantMachine) throw new CgpuError({ code: 'ELF_MACHINE_MISMATCH', message: `${f} is ${elf.machineName}, not ${k.arch}` });
    modules.push({ file: f, sha256: await sha256File(p), elf: elf.machineName, vermagic });
  }
  return modules;
}

/**
 * Write build.json (the result and the caller's manifest) and move the temp dir into place. Two builds of
 * the same kernel each build in their own temp dir; the swap is serialised.
 */
export async function publishBuild(tmp: string, finalDir: string, res: ModuleBuild, manifest?: Record<string, unknown>): Promise<void> {
  await writeFile(join(tmp, 'build.json'), `${JSON.stringify({ ...res, ...manifest }, null, 2)}\n`);
  await chmod(tmp, 0o755);
  await withLock(`${finalDir}.lock`, 120_000, async () => {
    await rm(finalDir, { recursive: true, force: true });
    await rename(tmp, finalDir);
  });
}

export async function buildModule(req: BuildRequest): Promise<ModuleBuild> {
  const started = Date.now();
  const k = req.kernel;
  const { tag, recipe } = await ensureKernelImage(k, req.log);
  const outRoot = resolve(req.out);
  const finalDir = join(outRoot, k.release);
  await mkdir(outRoot, { recursive: true });
  const tmp = await mkdtemp(join(outRoot, `.${k.release}.build-`));
  const unregister = onCleanup(() => rm(tmp, { recursive: true, force: true }));
  try {
    const build = buildScript(k, req.werror === true);
    // Root only copies the read-only source (whatever its permissions) and hands it over; make runs as
    // uid 1000; the output is given back to the calling user.
    const owner = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
    const script = [
      'cp -r /src /tmp/m && chown -R 1000:1000 /tmp/m /out',
      'rc=0',
      `setpriv --reuid=1000 --regid=1000 --clear-groups env HOME=/tmp sh -ec '${build.replace(/'/g, `'\\''`)}' || rc=$?`,
      `chown -R ${owner} /out`,
      'exit $rc',
    ].join('\n');
    const lines: string[] = [];
    const log = (l: string): void => {
      lines.push(l);
      if (!l.startsWith('@@')) req.log?.(l);
    };
    let result;
    try {
      result = await runContainer(
        tag,
        ['--network', 'none', '-v', `${resolve(req.src)}:/src:ro`, '-v', `${tmp}:/out`],
        script,
        { timeoutMs: req.timeoutMs ?? 20 * 60_000, log, purpose: `building ${k.release}`, allowFailure: true },
      );
    } catch (e) {
      if (e instanceof CommandError) lines.push(e.message);
      throw e;
    } finally {
      await writeFile(join(tmp, 'build.log'), `${lines.join('\n')}\n`);
    }
    const warningLines = lines.filter((l) => WARNING.test(l));
    const failedLog = join(outRoot, `${k.release}.failed.log`);
    if (result.exitCode !== 0) {
      const errors = lines.filter((l) => ERROR.test(l)).slice(0, 10);
      await rename(join(tmp, 'build.log'), failedLog);
      throw new BuildFailedError(k, tag, errors.length ? errors : lines.slice(-10), failedLog);
    }
    if (req.werror && warningLines.length > 0) {
      await rename(join(tmp, 'build.log'), failedLog);
      throw new BuildFailedError(k, tag, [`--werror: ${warningLines.length} warnings`, ...warningLines.slice(0, 10)], failedLog);
    }
    const makeMs = Number(lines.find((l) => l.startsWith('@@make-ms '))?.split(' ')[1] ?? 0);
    const modules = await collectModules(tmp, k, 'the headers in the image do not match the kernel; run `cgpu images prune` and build again');
    if (modules.length === 0) throw new BuildFailedError(k, tag, ['make succeeded but produced no .ko'], join(tmp, 'build.log'));
    const tools: BuiltFile[] = [];
    for (const f of await readdir(join(tmp, 'tools')).catch(() => [] as string[])) {
      const p = join(tmp, 'tools', f);
      tools.push({ file: `tools/${f}`, sha256: await sha256File(p), elf: (await elfFacts(p)).machineName });
    }
    const res: ModuleBuild = {
      kernel: k.release,
      arch: k.arch,
      suite: k.suite,
      image: tag,
      gcc: `gcc-${recipe.gccMajor}`,
      gccVersion: lines.find((l) => l.startsWith('@@gcc '))?.slice(6).trim() ?? '',
      warnings: warningLines.length,
      warningLines,
      durationMs: Date.now() - started,
      makeMs,
      modules,
      tools,
      dir: finalDir,
    };
    await publishBuild(tmp, finalDir, res, req.manifest);
    return res;
  } finally {
    unregister();
    await rm(tmp, { recursive: true, force: true });
  }
}
