/** What a module build made (checked, never assumed), how it is published, and the container build both kinds share. */
import { chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CgpuError, CommandError, onCleanup, sha256File, withLock } from '@cgpu/common';
import type { KernelEntry } from '@cgpu/kernels';
import { runContainer, type Log } from './containers.js';
import { EM_AARCH64, EM_X86_64, elfFacts, moduleInfo } from './elf.js';
import { ensureKernelImage } from './images.js';

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

const WARNING = /(^|\s)warning:|^WARNING:/;

/** One module build in the kernel's builder container, as `buildModule` and `buildDkmsTree` each describe it. */
export interface ContainerBuild {
  kernel: KernelEntry;
  /** Mounted read-only at /src. */
  src: string;
  /** The result goes to `<out>/<release>/`; a failed build leaves `<out>/<release>.failed.log`. */
  out: string;
  /** Shell lines run first, as root; a failure there fails the build. */
  prepare?: string[];
  /**
   * The build, run as root with /src and /out (an empty temp dir) mounted and no network; `@@` lines are markers.
   * Whatever its exit status, /out is handed back to the calling user before the container ends.
   */
  command: string;
  purpose: string;
  /** Lines that are errors, shown (at most 10) when the script fails. */
  errorLine: RegExp;
  /** What a module built for another kernel means in this kind of build. */
  vermagicHint: string;
  werror?: boolean;
  manifest?: Record<string, unknown>;
  /** Each log line the user should see (markers are not passed on, except `@@warn <text>` as its text). */
  log?: Log;
  timeoutMs?: number;
}

/**
 * Runs the script in a fresh temp dir under `out`, keeps every line in build.log, fails with the error lines,
 * checks every .ko it made (vermagic, ELF machine) and the tools under /out/tools, then swaps the result into
 * `<out>/<release>/` with build.json. The temp dir is removed on every path, Ctrl-C included.
 */
export async function runContainerBuild(b: ContainerBuild): Promise<ModuleBuild> {
  const started = Date.now();
  const k = b.kernel;
  const { tag, recipe } = await ensureKernelImage(k, b.log);
  const outRoot = resolve(b.out);
  const finalDir = join(outRoot, k.release);
  const failedLog = join(outRoot, `${k.release}.failed.log`);
  await mkdir(outRoot, { recursive: true });
  const tmp = await mkdtemp(join(outRoot, `.${k.release}.build-`));
  const unregister = onCleanup(() => rm(tmp, { recursive: true, force: true }));
  const fail = async (errors: string[]): Promise<never> => {
    await rename(join(tmp, 'build.log'), failedLog);
    throw new BuildFailedError(k, tag, errors, failedLog);
  };
  const owner = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
  const script = [...(b.prepare ?? []), 'rc=0', `${b.command} || rc=$?`, `chown -R ${owner} /out`, 'exit $rc'].join('\n');
  try {
    const lines: string[] = [];
    const log = (l: string): void => {
      lines.push(l);
      if (!l.startsWith('@@')) b.log?.(l);
      else if (l.startsWith('@@warn ')) b.log?.(l.slice(7));
    };
    let result;
    try {
      result = await runContainer(tag, ['--network', 'none', '-v', `${resolve(b.src)}:/src:ro`, '-v', `${tmp}:/out`], script, {
        timeoutMs: b.timeoutMs ?? 20 * 60_000,
        log,
        purpose: b.purpose,
        allowFailure: true,
      });
    } catch (e) {
      if (e instanceof CommandError) lines.push(e.message);
      throw e;
    } finally {
      await writeFile(join(tmp, 'build.log'), `${lines.join('\n')}\n`);
    }
    const marker = (name: string): string | undefined => lines.find((l) => l.startsWith(`@@${name} `))?.slice(name.length + 3).trim();
    const warningLines = lines.filter((l) => WARNING.test(l));
    if (result.exitCode !== 0) {
      const errors = lines.filter((l) => b.errorLine.test(l)).map((l) => l.replace(/^@@/, '')).slice(0, 10);
      await fail(errors.length ? errors : lines.slice(-10));
    }
    if (b.werror && warningLines.length > 0) await fail([`--werror: ${warningLines.length} warnings`, ...warningLines.slice(0, 10)]);
    const modules = await collectModules(tmp, k, b.vermagicHint);
    if (modules.length === 0) await fail(['the build succeeded but left no .ko']);
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
      gccVersion: marker('gcc') ?? '',
      warnings: warningLines.length,
      warningLines,
      durationMs: Date.now() - started,
      makeMs: Number(marker('make-ms') ?? 0),
      modules,
      tools,
      dir: finalDir,
    };
    await publishBuild(tmp, finalDir, res, b.manifest);
    return res;
  } finally {
    unregister();
    await rm(tmp, { recursive: true, force: true });
  }
}
