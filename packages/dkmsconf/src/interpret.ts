/**
 * From the evaluated arrays to what dkms would do for one kernel: the modules, the make command, the build
 * scripts, and whether BUILD_EXCLUSIVE_* skips the build. Facts from dkms.in (dkms-project/dkms at 04154266):
 * `read_conf` (defaults, checks, MAKE/MAKE_MATCH, LLVM=1), `check_build_exclusive_for_module`, `do_build`
 * (`make` -> `make -j<n> KERNELRELEASE=<kernelver>`, CC from CONFIG_CC_VERSION_TEXT, strip -g).
 */
import type { EvaluatedConf } from './parse.js';
import { compareVer } from './version.js';
import { ereMatch } from './ere.js';
import { dkmsBuildDir, kernelSourceDir, type DkmsTarget } from './variables.js';

export interface DkmsModule {
  index: number;
  /** BUILT_MODULE_NAME (no .ko); PACKAGE_NAME when the only module has none. */
  builtName: string;
  /** BUILT_MODULE_LOCATION relative to the build dir, '' or ending in '/'. */
  builtLocation: string;
  destName: string;
  destLocation: string;
  strip: boolean;
  /** Why BUILD_EXCLUSIVE_* leaves this module out for the target, when it does. */
  excluded?: string;
}

export interface DkmsPlan {
  packageName: string;
  packageVersion: string;
  modules: DkmsModule[];
  /** The MAKE[] entry chosen (or dkms's default), before dkms adds -j and KERNELRELEASE. */
  make: string;
  /** Where the command came from: "MAKE[2] (MAKE_MATCH[2] matched)", "MAKE[0]", "dkms default". */
  makeFrom: string;
  /** The command as dkms runs it; `${JOBS}` stands for the parallel job count. */
  makeCommand: string;
  /** PATCH[] entries that apply to this kernel, in order (files in the tree's patches/). */
  patches: string[];
  preBuild?: string;
  postBuild?: string;
  /** CC dkms exports: the compiler named by CONFIG_CC_VERSION_TEXT, when it is installed. */
  cc?: string;
  /** Every module is excluded by BUILD_EXCLUSIVE_*: dkms exits 77 ("skipped") and builds nothing. */
  skip?: string;
  /** What makes dkms refuse this dkms.conf (read_conf returns 1: dkms dies). */
  errors: string[];
  warnings: string[];
  buildDir: string;
}

/** The placeholder for the job count in `makeCommand` (dkms uses the number of CPUs). */
export const JOBS = '${JOBS}';

const first = (c: EvaluatedConf, name: string): string => c.vars[name]?.[0] ?? '';
const at = (c: EvaluatedConf, name: string, i: number): string => c.vars[name]?.[i] ?? '';
const indices = (c: EvaluatedConf, name: string): number[] => Object.keys(c.vars[name] ?? {}).map(Number).sort((a, b) => a - b);

/** PACKAGE_NAME and PACKAGE_VERSION, which dkms takes as module and module_version when a tree is added. */
export function packageOf(c: EvaluatedConf): { name: string; version: string } {
  return { name: first(c, 'PACKAGE_NAME'), version: first(c, 'PACKAGE_VERSION') };
}

function regexTest(s: string, re: string, what: string, errors: string[]): boolean {
  try {
    return ereMatch(s, re);
  } catch {
    errors.push(`${what} "${re}" is not a valid regular expression`);
    return false;
  }
}

export interface InterpretOptions {
  /**
   * The BUILD_EXCLUSIVE rules of dkms before 3.0.11 (Debian 11's 2.8.4, Debian 12's 3.0.10): only _KERNEL and
   * _ARCH, global only; _CONFIG, _KERNEL_MIN/_MAX and per-module entries are ignored there.
   */
  legacyExclusive?: boolean;
}

/** Which dkms a Debian suite ships, as far as BUILD_EXCLUSIVE goes (bullseye 2.8.4, bookworm 3.0.10). */
export function legacyExclusiveFor(debianSuite: string): boolean {
  return ['bullseye', 'bookworm'].includes(debianSuite);
}

/** Why module `i` is excluded for the target (global directives are index 0, as `$X` is `${X[0]}` in bash). */
function exclusion(c: EvaluatedConf, t: DkmsTarget, i: number, errors: string[], legacy: boolean): string | undefined {
  if (legacy) {
    const kernel = first(c, 'BUILD_EXCLUSIVE_KERNEL');
    if (kernel && !regexTest(t.kernelver, kernel, 'BUILD_EXCLUSIVE_KERNEL', errors)) return `BUILD_EXCLUSIVE_KERNEL "${kernel}" does not match ${t.kernelver}`;
    const arch = first(c, 'BUILD_EXCLUSIVE_ARCH');
    if (arch && !regexTest(t.arch, arch, 'BUILD_EXCLUSIVE_ARCH', errors)) return `BUILD_EXCLUSIVE_ARCH "${arch}" does not match ${t.arch}`;
    return undefined;
  }
  for (const idx of i === 0 ? [0] : [0, i]) {
    const kernel = at(c, 'BUILD_EXCLUSIVE_KERNEL', idx);
    if (kernel && !regexTest(t.kernelver, kernel, 'BUILD_EXCLUSIVE_KERNEL', errors)) return `BUILD_EXCLUSIVE_KERNEL "${kernel}" does not match ${t.kernelver}`;
    const min = at(c, 'BUILD_EXCLUSIVE_KERNEL_MIN', idx);
    if (min && compareVer(t.kernelver, min) < 0) return `kernel ${t.kernelver} is older than BUILD_EXCLUSIVE_KERNEL_MIN ${min}`;
    const max = at(c, 'BUILD_EXCLUSIVE_KERNEL_MAX', idx);
    if (max && compareVer(t.kernelver, max) > 0) return `kernel ${t.kernelver} is newer than BUILD_EXCLUSIVE_KERNEL_MAX ${max}`;
    const arch = at(c, 'BUILD_EXCLUSIVE_ARCH', idx);
    if (arch && !regexTest(t.arch, arch, 'BUILD_EXCLUSIVE_ARCH', errors)) return `BUILD_EXCLUSIVE_ARCH "${arch}" does not match ${t.arch}`;
  }
  // dkms checks the config symbols only when the kernel's config file exists.
  if (c.facts['config_present'] !== 'yes') return undefined;
  for (const idx of i === 0 ? [0] : [0, i]) {
    for (const word of at(c, 'BUILD_EXCLUSIVE_CONFIG', idx).split(/\s+/).filter(Boolean)) {
      const neg = word.startsWith('!');
      const sym = neg ? word.slice(1) : word;
      const has = c.kconfig[sym] === true;
      if (neg && has) return `BUILD_EXCLUSIVE_CONFIG: the kernel has ${sym}`;
      if (!neg && !has) return `BUILD_EXCLUSIVE_CONFIG: the kernel lacks ${sym}`;
    }
  }
  return undefined;
}

function hasExclusiveDirectives(c: EvaluatedConf, legacy: boolean): boolean {
  const names = legacy ? ['BUILD_EXCLUSIVE_KERNEL', 'BUILD_EXCLUSIVE_ARCH'] : ['BUILD_EXCLUSIVE_KERNEL', 'BUILD_EXCLUSIVE_KERNEL_MIN', 'BUILD_EXCLUSIVE_KERNEL_MAX', 'BUILD_EXCLUSIVE_ARCH', 'BUILD_EXCLUSIVE_CONFIG'];
  return names.some((n) =>
    Object.values(c.vars[n] ?? {}).some((v) => v !== ''),
  );
}

export function interpret(c: EvaluatedConf, t: DkmsTarget, opts: InterpretOptions = {}): DkmsPlan {
  const legacy = opts.legacyExclusive === true;
  const errors: string[] = [];
  const warnings: string[] = [];
  const { name, version } = packageOf(c);
  if (!name) errors.push(`No 'PACKAGE_NAME' directive specified.`);
  if (!version) errors.push(`No 'PACKAGE_VERSION' directive specified.`);

  // The arrays may be sparse: the module count is the highest index of the four naming arrays, plus one.
  const naming = ['BUILT_MODULE_NAME', 'BUILT_MODULE_LOCATION', 'DEST_MODULE_NAME', 'DEST_MODULE_LOCATION'];
  const count = Math.max(-1, ...naming.flatMap((n) => indices(c, n))) + 1;
  if (count === 0) errors.push(`No 'BUILT_MODULE_NAME' or 'DEST_MODULE_LOCATION' directive: no module to build.`);
  const modules: DkmsModule[] = [];
  let strip0 = true;
  for (let i = 0; i < count; i++) {
    let builtName = at(c, 'BUILT_MODULE_NAME', i);
    if (!builtName && count === 1) builtName = name;
    let builtLocation = at(c, 'BUILT_MODULE_LOCATION', i);
    if (builtLocation && !builtLocation.endsWith('/')) builtLocation += '/';
    const destName = at(c, 'DEST_MODULE_NAME', i) || builtName;
    const destLocation = at(c, 'DEST_MODULE_LOCATION', i);
    const s = at(c, 'STRIP', i);
    const strip: boolean = /^[nN]/.test(s) ? false : /^[yY]/.test(s) ? true : strip0;
    if (i === 0) strip0 = strip;
    if (!builtName) errors.push(`No 'BUILT_MODULE_NAME' directive specified for record #${i}.`);
    if (/\.k?o$/.test(builtName)) errors.push(`'BUILT_MODULE_NAME' directive ends in '.o' or '.ko' in record #${i}.`);
    if (/\.k?o$/.test(destName)) errors.push(`'DEST_MODULE_NAME' directive ends in '.o' or '.ko' in record #${i}.`);
    if (!destLocation) errors.push(`No 'DEST_MODULE_LOCATION' directive specified for record #${i}.`);
    else if (!/^\/(kernel|updates|extra)/.test(destLocation)) errors.push(`Directive 'DEST_MODULE_LOCATION' does not begin with '/kernel', '/updates', or '/extra' in record #${i}.`);
    const excluded = exclusion(c, t, i, errors, legacy);
    modules.push({ index: i, builtName, builtLocation, destName, destLocation, strip, ...(excluded ? { excluded } : {}) });
  }

  // MAKE[0] unless MAKE_MATCH[0] is set; then the last MAKE[i] whose MAKE_MATCH[i] matches kernelver. Like
  // dkms, the loop runs over the element count of MAKE, not its highest index.
  let make = '';
  let makeFrom = '';
  if (!at(c, 'MAKE_MATCH', 0)) {
    make = at(c, 'MAKE', 0);
    makeFrom = 'MAKE[0]';
  }
  const makeCount = indices(c, 'MAKE').length;
  for (let i = 0; i < makeCount; i++) {
    const m = at(c, 'MAKE', i);
    const re = at(c, 'MAKE_MATCH', i);
    if (m && re && regexTest(t.kernelver, re, `MAKE_MATCH[${i}]`, errors)) {
      make = m;
      makeFrom = `MAKE[${i}] (MAKE_MATCH[${i}] "${re}" matched)`;
    }
  }
  if (!make) {
    make = `make -C ${kernelSourceDir(t.kernelver)} M=${dkmsBuildDir(t.module, t.moduleVersion)}`;
    makeFrom = 'dkms default';
  }
  if (c.facts['clang'] === 'yes') make += ' LLVM=1';
  const makeCommand = make.replace(/^make/, `make -j${JOBS} KERNELRELEASE=${t.kernelver}`);

  const clean = first(c, 'CLEAN');
  if (clean && !['true', '/bin/true', '/usr/bin/true'].includes(clean)) warnings.push('CLEAN is deprecated (dkms ignores it)');
  // PATCH[i] applies when PATCH_MATCH[i] is empty or matches kernelver (patches/ of the tree, patch -p1).
  const patches: string[] = [];
  for (let i = 0; i < indices(c, 'PATCH').length; i++) {
    const p = at(c, 'PATCH', i);
    const re = at(c, 'PATCH_MATCH', i);
    if (p && (!re || regexTest(t.kernelver, re, `PATCH_MATCH[${i}]`, errors))) {
      if (p.includes('/../') || p.startsWith('../')) errors.push(`Patch ${p} as specified in dkms.conf contains '..' path component.`);
      patches.push(p);
    }
  }
  if (indices(c, 'BUILD_DEPENDS').length) warnings.push('BUILD_DEPENDS is not checked by cgpu build');

  const excludedAll = modules.length > 0 && modules.every((m) => m.excluded !== undefined) && hasExclusiveDirectives(c, legacy);
  const plan: DkmsPlan = {
    packageName: name,
    packageVersion: version,
    modules,
    make,
    makeFrom,
    makeCommand,
    patches,
    errors,
    warnings,
    buildDir: dkmsBuildDir(t.module, t.moduleVersion),
  };
  const pre = first(c, 'PRE_BUILD');
  const post = first(c, 'POST_BUILD');
  if (pre) plan.preBuild = pre;
  if (post) plan.postBuild = post;
  if (c.facts['cc']) plan.cc = c.facts['cc'];
  if (excludedAll) plan.skip = modules[0]!.excluded!;
  return plan;
}
