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

const SCHEMA = 1;

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

export function baseTag(suite: string, mirror: string): string {
  return `cgpu-base:${suite}-${sha256(JSON.stringify({ SCHEMA, suite, mirror, APT_CONF })).slice(0, 12)}`;
}

/** The tag is the content hash of the recipe: a rebuild happens only when the recipe changes. */
export function builderTag(r: BuilderRecipe): string {
  return `cgpu-builder:${r.suite}-gcc${r.gccMajor}-${r.targetArch}-${sha256(JSON.stringify({ r, APT_CONF })).slice(0, 12)}`;
}

/** Per-kernel layer: the builder plus that kernel's headers (by the SHA256 of its debs). */
export function kernelTag(builder: string, k: KernelEntry): string {
  const debs = k.debs.filter((d) => d.role !== 'image').map((d) => d.sha256);
  return `cgpu-kernel:${k.release.replace(/[^a-zA-Z0-9_.-]/g, '_')}-${sha256(JSON.stringify({ builder, debs, SCHEMA })).slice(0, 12)}`;
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

/** Where Debian's headers package puts a kernel's build tree, inside the builder image. */
export function headersDir(release: string): string {
  return `/usr/src/linux-headers-${release}`;
}
