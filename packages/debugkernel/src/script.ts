/**
 * The shell run inside the kernel-build container. /in holds the source .deb and the fragment (read-only),
 * /work the scratch tree and /work/out the result. Lines starting `@@` are for us, the rest is make's.
 */

/** Bump when the scripts below change what they produce: it is part of the cache key. */
export const BUILD_RECIPE_VERSION = 1;

export interface ScriptInput {
  series: string;
  gccMajor: number;
  jobs: number;
}

/** make, niced (other work shares the cores), with the kernel's compiler named explicitly. */
function make(i: ScriptInput): string {
  return `nice -n 10 make -j${i.jobs} CC=gcc-${i.gccMajor} HOSTCC=gcc-${i.gccMajor}`;
}

/** Unpack the tree (once per work dir) and write .config: x86_64 defconfig + kvm_guest + our fragment. */
export function configureScript(i: ScriptInput): string {
  return [
    'cd /work',
    'if [ ! -e linux/.cgpu-unpacked ]; then',
    '  echo "@@step unpack"',
    `  rm -rf linux linux-source-${i.series}`,
    `  dpkg-deb --fsys-tarfile /in/source.deb | tar -xO ./usr/src/linux-source-${i.series}.tar.xz | tar -xJ`,
    `  mv linux-source-${i.series} linux`,
    '  touch linux/.cgpu-unpacked',
    'fi',
    'cd linux',
    'echo "@@step configure"',
    'cp /in/cgpu-debug.config kernel/configs/cgpu_debug.config',
    `${make(i)} x86_64_defconfig kvm_guest.config cgpu_debug.config`,
    'cp .config /work/config.final',
  ].join('\n');
}

/** bzImage, the full modules step (so Module.symvers exists and modpost is strict), then the headers tree. */
export function buildScript(i: ScriptInput, owner: string): string {
  const m = make(i);
  return [
    'cd /work/linux',
    'echo "@@step bzImage"',
    `${m} bzImage`,
    'echo "@@step modules"',
    `${m} modules`,
    'echo "@@step headers"',
    'rm -rf /work/out && mkdir -p /work/out',
    // The kernel's own recipe for the out-of-tree build tree (what its deb and rpm headers packages ship).
    `${m} run-command KBUILD_RUN_COMMAND='./scripts/package/install-extmod-build /work/out/build'`,
    // Debian's Makefile reads .kernelvariables (as its headers packages do): out-of-tree builds use our compiler.
    `printf 'CC = gcc-${i.gccMajor}\\nHOSTCC = gcc-${i.gccMajor}\\n' > /work/out/build/.kernelvariables`,
    'cp arch/x86/boot/bzImage /work/out/bzImage',
    'cp .config /work/out/config',
    'cp System.map /work/out/System.map',
    'cp Module.symvers /work/out/Module.symvers',
    `${m} -s kernelrelease > /work/out/release`,
    `chown -R ${owner} /work/out`,
  ].join('\n');
}
