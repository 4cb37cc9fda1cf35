/** The kernel-build image: the stock kernel's builder image plus what building a whole kernel needs. */
import { builderRecipe, commitContainer, ensureBuilderImage, imageExists, type Log } from '@cgpu/builder';
import { cacheDir, sha256, withLock } from '@cgpu/common';
import { mirrorUrl, type KernelEntry } from '@cgpu/kernels';

/** Debian packages a full kernel build needs beyond the module builder (which has make, bc, libelf-dev, gcc). */
export const KBUILD_PACKAGES = ['bison', 'flex', 'libssl-dev'];

export function kbuildTag(builder: string): string {
  return `cgpu-kbuild:${builder.replace(/^cgpu-builder:/, '')}-${sha256(JSON.stringify({ builder, KBUILD_PACKAGES })).slice(0, 8)}`;
}

/** Builds (once, under a lock shared by all processes) `cgpu-kbuild:<builder tag>-<hash>`. */
export async function ensureKbuildImage(stock: KernelEntry, log?: Log): Promise<string> {
  const builder = await ensureBuilderImage(builderRecipe(stock, mirrorUrl()), log);
  const tag = kbuildTag(builder);
  if (await imageExists(tag)) return tag;
  return withLock(cacheDir('locks', `${tag.replace(/[:/]/g, '_')}.lock`), 30 * 60_000, async () => {
    if (await imageExists(tag)) return tag;
    const script = `export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; apt-get install -y -qq ${KBUILD_PACKAGES.join(' ')}; apt-get clean; rm -rf /var/lib/apt/lists/*`;
    log?.(`apt-get install ${KBUILD_PACKAGES.join(' ')}`);
    await commitContainer(builder, tag, [], script, log, 'installing the kernel build dependencies');
    return tag;
  });
}
