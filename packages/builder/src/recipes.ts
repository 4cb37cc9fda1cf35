/** Builder image recipes: what goes into the container for a suite, compiler and target arch. Pure data. */
import { sha256 } from '@cgpu/common';
import type { Arch, KernelEntry } from '@cgpu/kernels';

export interface BuilderRecipe {
  schema: number;
  /** Debian suite the rootfs is made of (backports kernels use their base suite). */
  suite: string;
  gccMajor: number;
  /** Arch the modules are built for; the container itself is always amd64. */
  targetArch: Arch;
  mirror: string;
  packages: string[];
  /** Shell commands run after the install. */
  setup: string[];
}

const SCHEMA = 2;

/** Lines written to /etc/apt/apt.conf.d/ in every image. The archive here can be a stale snapshot whose
 *  Valid-Until has passed; signatures are still checked, only the expiry is not. */
export const APT_CONF = [
  'Acquire::Check-Valid-Until "false";',
  'APT::Install-Recommends "false";',
  'APT::Install-Suggests "false";',
  'Acquire::Retries "3";',
  'Dpkg::Use-Pty "false";',
].join('\n');

export function builderRecipe(k: Pick<KernelEntry, 'baseSuite' | 'gccMajor' | 'arch'>, mirror: string): BuilderRecipe {
  const n = k.gccMajor;
  // binutils is listed on its own: --no-install-recommends drops it from gcc's dependencies.
  const packages = ['make', 'bc', 'kmod', 'libelf-dev', 'binutils', 'libc6-dev', `gcc-${n}`, 'cpio', 'xz-utils', 'ca-certificates'];
  const setup: string[] = [];
  if (k.arch === 'amd64') {
    packages.push(`gcc-${n}-multilib`);
    // What Debian's gcc-multilib (the default compiler's) would add: -m32 builds find the bi-arch asm headers.
    setup.push('[ -e /usr/include/asm ] || ln -s x86_64-linux-gnu/asm /usr/include/asm');
  }
  else
    packages.push(`gcc-${n}-aarch64-linux-gnu`, 'binutils-aarch64-linux-gnu', 'libc6-dev-arm64-cross', `gcc-${n}-arm-linux-gnueabihf`, 'libc6-dev-armhf-cross');
  return { schema: SCHEMA, suite: k.baseSuite, gccMajor: n, targetArch: k.arch, mirror, packages: packages.sort(), setup };
}

/** What `debootstrap` is run with for a base image (the mirror is appended). */
export function debootstrapArgs(suite: string): string[] {
  return ['--variant=minbase', suite];
}

/** The shell script that turns the base image into a builder: apt installs the recipe's packages, then its setup. */
export function builderScript(r: BuilderRecipe): string {
  return [
    'export DEBIAN_FRONTEND=noninteractive',
    'apt-get update -qq',
    `apt-get install -y -qq ${r.packages.join(' ')}`,
    'apt-get clean',
    'rm -rf /var/lib/apt/lists/*',
    ...r.setup,
    'true',
  ].join('; ');
}

/** Where a kernel's .debs are mounted inside the container that installs its headers. */
export function debMountPath(filename: string): string {
  return `/debs/${filename.slice(filename.lastIndexOf('/') + 1)}`;
}

/**
 * The script that installs a kernel's headers into its builder. amd64: the verified debs installed with apt
 * (which pulls their dependencies). arm64: the headers unpacked with dpkg-deb -x (installing them through
 * multiarch would drag in arm64 binaries) and the amd64 kbuild installed with apt.
 */
export function kernelLayerScript(k: Pick<KernelEntry, 'arch' | 'suite' | 'baseSuite' | 'release' | 'debs'>, mirror: string): string {
  const debs = k.debs.filter((d) => d.role !== 'image');
  const inContainer = (role: string): string[] => debs.filter((d) => d.role === role).map((d) => debMountPath(d.filename));
  // A backports kernel's headers need backports packages (bookworm-backports: linux-base >= 4.12 and the
  // image), so the layer adds that suite and installs from it, as `apt install -t <suite>` does for users.
  const backports = k.suite !== k.baseSuite;
  const aptSetup = [
    'export DEBIAN_FRONTEND=noninteractive INITRD=No',
    ...(backports ? [`echo "deb ${mirror} ${k.suite} main" > /etc/apt/sources.list.d/${k.suite}.list`] : []),
    'apt-get update -qq',
  ];
  const install = (files: string[]): string => `apt-get install -y -qq ${backports ? `-t ${k.suite} ` : ''}${files.join(' ')}`;
  // Some headers (trixie's 6.12) depend on the image: INITRD=No spares building an initramfs nobody boots.
  // arm64: unpacked aside and only usr/ copied; a deb's ./lib would replace the /lib -> usr/lib symlink of a
  // merged-/usr system and break every dynamic binary.
  const steps =
    k.arch === 'amd64'
      ? [install(debs.map((d) => debMountPath(d.filename)))]
      : [
          install(inContainer('kbuild')),
          ...[...inContainer('headers'), ...inContainer('headers-common'), ...inContainer('base')].map(
            (p) => `rm -rf /tmp/x; dpkg-deb -x ${p} /tmp/x; cp -a /tmp/x/usr/. /usr/`,
          ),
        ];
  return [...aptSetup, ...steps, 'apt-get clean', 'rm -rf /var/lib/apt/lists/*', `test -f ${headersDir(k.release)}/Makefile`].join('; ');
}

/**
 * Image tags are content hashes of everything that made the image: the parent's tag, the recipe, and the
 * exact script text that ran (a changed install step is a new image, never a stale one).
 */
function imageHash(parts: unknown): string {
  return sha256(JSON.stringify({ SCHEMA, parts })).slice(0, 12);
}

export function baseTag(suite: string, mirror: string): string {
  return `cgpu-base:${suite}-${imageHash({ suite, mirror, debootstrap: debootstrapArgs(suite), APT_CONF })}`;
}

/** The tag is the content hash of the base, the recipe and its script: a rebuild happens only when one changes. */
export function builderTag(r: BuilderRecipe): string {
  return `cgpu-builder:${r.suite}-gcc${r.gccMajor}-${r.targetArch}-${imageHash({ base: baseTag(r.suite, r.mirror), r, script: builderScript(r) })}`;
}

/** Per-kernel layer: the builder plus that kernel's headers (by the SHA256 of its debs) and the script installing them. */
export function kernelTag(builder: string, k: KernelEntry, mirror: string): string {
  if (k.local) return `cgpu-kernel:${k.release.replace(/[^a-zA-Z0-9_.-]/g, '_')}-${imageHash({ builder, local: k.local.key, script: localLayerScript(k.release) })}`;
  const debs = k.debs.filter((d) => d.role !== 'image').map((d) => d.sha256);
  return `cgpu-kernel:${k.release.replace(/[^a-zA-Z0-9_.-]/g, '_')}-${imageHash({ builder, debs, script: kernelLayerScript(k, mirror) })}`;
}

/** Every tag of a kernel's image chain, computed without Docker (the pipeline puts the tag into the build key). */
export function kernelImagePlan(k: KernelEntry, mirror: string): { recipe: BuilderRecipe; builder: string; tag: string } {
  const recipe = builderRecipe(k, mirror);
  const builder = builderTag(recipe);
  return { recipe, builder, tag: kernelTag(builder, k, mirror) };
}

/** Compiler names for a target: the kernel build's CROSS_COMPILE and the user-space tools' CC and CC32. */
export function toolchain(arch: Arch, gccMajor: number): { makeArgs: string[]; cc: string; cc32: string } {
  if (arch === 'amd64') return { makeArgs: [], cc: `gcc-${gccMajor}`, cc32: `gcc-${gccMajor} -m32` };
  return {
    makeArgs: ['ARCH=arm64', 'CROSS_COMPILE=aarch64-linux-gnu-'],
    cc: `aarch64-linux-gnu-gcc-${gccMajor}`,
    cc32: `arm-linux-gnueabihf-gcc-${gccMajor}`,
  };
}

/** The layer of a kernel built here (`KernelEntry.local`): its headers tree, mounted at /in/headers, copied in. */
export function localLayerScript(release: string): string {
  const dest = headersDir(release);
  return `mkdir -p /usr/src && cp -a /in/headers ${dest} && test -f ${dest}/Module.symvers && test -f ${dest}/Makefile`;
}

/** Where Debian's headers package puts a kernel's build tree, inside the builder image. */
export function headersDir(release: string): string {
  return `/usr/src/linux-headers-${release}`;
}
