// Live-test helpers: Debian containers with the distro's real dkms (and a kernel's headers) installed from the
// archive, committed once as images (tag = content hash of the recipe) so later runs skip the apt downloads.
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { ensureBaseImage, imageExists } from '@cgpu/builder';
import { mirrorUrl, type KernelEntry } from '@cgpu/kernels';

const apt = 'export DEBIAN_FRONTEND=noninteractive INITRD=No';

async function docker(args: string[], timeout = 30 * 60_000) {
  return execa('docker', args, { reject: false, timeout, all: true });
}

async function commit(from: string, tag: string, script: string): Promise<string> {
  if (await imageExists(tag)) return tag;
  const name = `cgpu-dkmstest-build-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  try {
    const r = await docker(['run', '--name', name, '--network', 'host', from, 'sh', '-ec', script]);
    if (r.exitCode !== 0) throw new Error(`building ${tag} failed:\n${r.all.slice(-3000)}`);
    const c = await docker(['commit', '--change', 'CMD ["/bin/bash"]', name, tag]);
    if (c.exitCode !== 0) throw new Error(`docker commit ${tag}: ${c.all}`);
    return tag;
  } finally {
    await docker(['rm', '-f', name]);
  }
}

const hash = (x: unknown): string => createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 12);

/** The suite's minbase + dkms (and openssl, which dkms >= 3 needs to make its MOK key), no headers. */
export async function dkmsImage(suite: string): Promise<string> {
  const base = await ensureBaseImage(suite);
  const pkgs = ['dkms', 'openssl', 'kmod', 'ca-certificates'];
  return commit(base, `cgpu-dkmstest:${suite}-dkms-${hash({ base, pkgs })}`, `${apt}; apt-get update -qq; apt-get install -y -qq ${pkgs.join(' ')} >/dev/null; apt-get clean`);
}

/** `apt-get install linux-headers-<release>` as a user would (backports: -t <suite> with that suite added). */
export function headersInstall(k: KernelEntry): string {
  const bp = k.suite !== k.baseSuite;
  return [
    apt,
    ...(bp ? [`echo "deb ${mirrorUrl()} ${k.suite} main" > /etc/apt/sources.list.d/${k.suite}.list`] : []),
    'apt-get update -qq',
    `apt-get install -y -qq ${bp ? `-t ${k.suite} ` : ''}linux-headers-${k.release} >/dev/null`,
  ].join('; ');
}

/** dkmsImage plus one kernel's headers (and through them its compiler). */
export async function headersImage(k: KernelEntry): Promise<string> {
  const from = await dkmsImage(k.baseSuite);
  return commit(from, `cgpu-dkmstest:${k.release.replace(/[^a-zA-Z0-9_.-]/g, '_')}-${hash({ from, k: k.packageVersion, s: k.suite })}`, `${headersInstall(k)}; apt-get clean`);
}

export interface Box {
  name: string;
  sh(script: string, timeoutMs?: number): Promise<{ exitCode: number; out: string }>;
  cpIn(host: string, path: string): Promise<void>;
  cpOut(path: string, host: string): Promise<void>;
  remove(): Promise<void>;
}

/** A long-lived container (network host: apt reaches the archive and 127.0.0.1 servers). */
export async function startBox(image: string, label: string): Promise<Box> {
  const name = `cgpu-dkmstest-${label.replace(/[^a-zA-Z0-9_.-]/g, '_')}-${process.pid}`;
  await docker(['rm', '-f', name]);
  const r = await docker(['run', '-d', '--name', name, '--network', 'host', image, 'sleep', '7200']);
  if (r.exitCode !== 0) throw new Error(`docker run ${image}: ${r.all}`);
  return {
    name,
    sh: async (script, timeoutMs = 20 * 60_000) => {
      const x = await docker(['exec', name, 'bash', '-c', script], timeoutMs);
      return { exitCode: x.exitCode ?? -1, out: x.all ?? '' };
    },
    cpIn: async (host, path) => void (await docker(['cp', host, `${name}:${path}`])),
    cpOut: async (path, host) => {
      const x = await docker(['cp', `${name}:${path}`, host]);
      if (x.exitCode !== 0) throw new Error(`docker cp ${path}: ${x.all}`);
    },
    remove: async () => void (await docker(['rm', '-f', name])),
  };
}
