/** `cgpu package dkms`: the .deb, the ldtarball and the RPM from one DKMS tree, skipped when nothing changed. */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError, exists, readJson, run, sha256, writeFileAtomic } from '@cgpu/common';
import { loadSeries } from '@cgpu/patches';
import { buildDeb, debPackageName } from './deb.js';
import { buildRpm } from './rpm.js';
import { buildTarball } from './tarball.js';
import { dkmsTree, type TreeFile } from './tree.js';
import { moduleVersion } from './version.js';

export interface PackageDkmsRequest {
  /** Module source (kernel-src/). */
  src: string;
  /** Patch series dir (patches/). */
  seriesDir: string;
  /** Output dir, e.g. dist/dkms. */
  out: string;
  name?: string;
  maintainer?: string;
  /** A vendor signing key and certificate: paths ON THE TARGET MACHINES, written into a dkms conffile. */
  signKey?: string;
  signCert?: string;
  /** Seconds since the epoch for every timestamp (default: SOURCE_DATE_EPOCH, else the last commit's time). */
  epoch?: number;
  log?: (l: string) => void;
}

export interface PackageDkmsResult {
  name: string;
  version: string;
  deb: string;
  tarball: string;
  rpm: string;
  /** Nothing changed since the last run: the files on disk were kept. */
  cached: boolean;
  durationMs: number;
}

export const DEFAULT_MAINTAINER = 'cgpu maintainers <cgpu-maintainers@example.com>';

async function defaultEpoch(src: string): Promise<number> {
  const env = process.env['SOURCE_DATE_EPOCH'];
  if (env && /^\d+$/.test(env)) return Number(env);
  const r = await run('git', ['-C', src, 'log', '-1', '--format=%ct'], { timeoutMs: 10_000, allowFailure: true }).catch(() => undefined);
  const t = Number(r?.stdout.trim());
  return r?.exitCode === 0 && Number.isInteger(t) && t > 0 ? t : 0;
}

/** The dkms framework conffile that points dkms at a vendor's key instead of its own MOK key. */
export function signingConf(key: string, cert: string): string {
  for (const p of [key, cert]) {
    if (!/^\/[A-Za-z0-9._/+-]+$/.test(p)) throw new UsageError({ code: 'SIGN_PATH_INVALID', message: `--sign-key/--sign-cert must be absolute paths on the target machines, not "${p}"`, hint: 'e.g. --sign-key /etc/cgpu/signing.key --sign-cert /etc/cgpu/signing.der' });
  }
  return `# Written by \`cgpu package dkms --sign-key/--sign-cert\`: dkms signs modules with this key instead of its own
# MOK key (/var/lib/dkms/mok.key). The key is not in this package: put it at this path on each machine.
# dkms reads this for every module it builds.
mok_signing_key="${key}"
mok_certificate="${cert}"
`;
}

export async function packageDkms(req: PackageDkmsRequest): Promise<PackageDkmsResult> {
  const started = Date.now();
  const name = req.name ?? 'cgpu';
  const maintainer = req.maintainer ?? DEFAULT_MAINTAINER;
  if ((req.signKey === undefined) !== (req.signCert === undefined)) {
    throw new UsageError({ code: 'SIGN_OPTIONS', message: '--sign-key and --sign-cert go together', hint: 'give both, or neither to let dkms use its own MOK key' });
  }
  const src = resolve(req.src);
  const version = await moduleVersion(src);
  const series = await loadSeries(resolve(req.seriesDir));
  const tree: TreeFile[] = await dkmsTree({ src, series, name, version });
  const epoch = req.epoch ?? (await defaultEpoch(src));
  const extra = req.signKey && req.signCert
    ? [{ path: `/etc/dkms/framework.conf.d/${name}-signing.conf`, content: signingConf(req.signKey, req.signCert), mode: 0o644, conffile: true }]
    : [];
  const out = resolve(req.out);
  const key = sha256(JSON.stringify({ schema: 1, name, version, maintainer, epoch, extra, tree: tree.map((f) => [f.path, f.mode, sha256(f.content)]) }));
  const files = {
    deb: join(out, `${debPackageName(name)}_${version}_all.deb`),
    tarball: join(out, `${name}-${version}.dkms.tar.gz`),
    rpm: join(out, `${debPackageName(name)}-${version}-1.noarch.rpm`),
  };
  const stamp = join(out, '.package.json');
  const prev = await readJson<{ key: string }>(stamp);
  if (prev?.key === key && (await exists(files.deb)) && (await exists(files.tarball)) && (await exists(files.rpm))) {
    return { name, version, ...files, cached: true, durationMs: Date.now() - started };
  }
  await mkdir(out, { recursive: true });
  await rm(stamp, { force: true });
  req.log?.(`packaging ${name} ${version}`);
  const [deb, tarball, rpm] = await Promise.all([
    buildDeb({ name, version, tree, maintainer, epoch, extra, out }),
    buildTarball({ name, version, tree, epoch, out }),
    buildRpm({ name, version, tree, maintainer, epoch, out }),
  ]);
  if (rpm !== files.rpm) throw new Error(`rpmbuild named the package ${rpm}, not ${files.rpm}`);
  // Older versions' files stay; only stray temp files from killed runs go.
  for (const f of await readdir(out)) if (f.endsWith('.part')) await rm(join(out, f), { force: true });
  await writeFileAtomic(stamp, JSON.stringify({ key, version, deb, tarball, rpm }));
  return { name, version, deb, tarball, rpm, cached: false, durationMs: Date.now() - started };
}
