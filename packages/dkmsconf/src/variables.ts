/**
 * The variables dkms reads from a dkms.conf (its `dkms_conf_variables`, dkms-project/dkms `dkms.in` at
 * 04154266, 2026-08) and the ones it has set while the file is sourced (`read_conf` and the globals).
 */

/** Every array dkms clears before sourcing and copies out of the sourced file afterwards. */
export const CONF_VARIABLES = [
  'PACKAGE_NAME', 'PACKAGE_VERSION', 'POST_ADD', 'POST_BUILD', 'POST_INSTALL', 'POST_REMOVE', 'PRE_BUILD', 'PRE_INSTALL',
  'BUILD_DEPENDS', 'BUILD_EXCLUSIVE_ARCH', 'BUILD_EXCLUSIVE_CONFIG', 'BUILD_EXCLUSIVE_KERNEL', 'BUILD_EXCLUSIVE_KERNEL_MIN',
  'BUILD_EXCLUSIVE_KERNEL_MAX', 'MAKE', 'MAKE_MATCH', 'PATCH', 'PATCH_MATCH', 'BUILT_MODULE_NAME', 'BUILT_MODULE_LOCATION',
  'DEST_MODULE_NAME', 'DEST_MODULE_LOCATION', 'STRIP', 'AUTOINSTALL', 'NO_WEAK_MODULES', 'BUILD_DEPENDS_REBUILD',
  'OBSOLETE_BY', 'CLEAN', 'REMAKE_INITRD', 'MODULES_CONF', 'MODULES_CONF_OBSOLETES', 'MODULES_CONF_ALIAS_TYPE',
  'MODULES_CONF_OBSOLETE_ONLY',
] as const;

export type ConfVariable = (typeof CONF_VARIABLES)[number];

/** Where dkms keeps its trees (the globals `dkms_tree`, `source_tree`, `install_tree` on Debian). */
export const DKMS_TREE = '/var/lib/dkms';
export const SOURCE_TREE = '/usr/src';
export const INSTALL_TREE = '/lib/modules';

/** What the target machine is: the variables dkms has set when it sources dkms.conf for a kernel. */
export interface DkmsTarget {
  /** The kernel release, e.g. 6.1.0-50-amd64 (`kernelver`). */
  kernelver: string;
  /** `uname -m` of the target, as dkms takes it: x86_64, aarch64 (`arch`). */
  arch: string;
  /** dkms's `module` and `module_version`: PACKAGE_NAME/VERSION when the tree is added. */
  module: string;
  moduleVersion: string;
}

/** Debian arch -> what `uname -m` answers there (dkms's `arch`). */
export function unameMachine(debArch: 'amd64' | 'arm64'): string {
  return debArch === 'amd64' ? 'x86_64' : 'aarch64';
}

/** `kernel_source_dir`: dkms's `_get_kernel_dir` is `$install_tree/$kernelver/build`. */
export function kernelSourceDir(kernelver: string): string {
  return `${INSTALL_TREE}/${kernelver}/build`;
}

/** The directory dkms builds in: `$dkms_tree/$module/$module_version/build`. */
export function dkmsBuildDir(module: string, moduleVersion: string): string {
  return `${DKMS_TREE}/${module}/${moduleVersion}/build`;
}

/** The environment the evaluation script is run with: the variables dkms has set, by their dkms names. */
export function targetEnv(t: DkmsTarget): Record<string, string> {
  return {
    kernelver: t.kernelver,
    arch: t.arch,
    kernel_source_dir: kernelSourceDir(t.kernelver),
    dkms_tree: DKMS_TREE,
    source_tree: SOURCE_TREE,
    install_tree: INSTALL_TREE,
    module: t.module,
    module_version: t.moduleVersion,
    current_kernel: t.kernelver,
    current_os: 'Linux',
  };
}
