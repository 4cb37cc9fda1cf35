/**
 * A static, signed apt repository: pool/, dists/<suite>/{Release,InRelease,Release.gpg} and
 * main/binary-<arch>/Packages{,.xz} (an `all` package listed for every arch), SHA256 only. Adding a package
 * keeps the older versions; adding the same file again changes nothing (not even the signature).
 */
import { copyFile, mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { CgpuError, UsageError, exists, run, sha256, sha256File, writeFileAtomic } from '@cgpu/common';
import { parseParagraph, poolDir, stanza, type Paragraph } from './control.js';
import { openSigner, type KeySpec } from './keys.js';
import { releaseText, type IndexFile } from './release.js';

export interface PublishRequest {
  repo: string;
  debs: readonly string[];
  suite?: string;
  codename?: string;
  component?: string;
  architectures?: readonly string[];
  key?: KeySpec;
  origin?: string;
  log?: (l: string) => void;
  /** For tests: the Release date. */
  now?: Date;
}

export interface PublishResult {
  repo: string;
  suite: string;
  added: string[];
  /** Files already in the pool with the same content. */
  present: string[];
  packages: Array<{ package: string; version: string; architecture: string; filename: string }>;
  /** False when the indexes were already up to date (nothing re-signed). */
  changed: boolean;
  fingerprint: string;
  publicKey: string;
}

export const KEYRING_ASC = 'cgpu-archive-keyring.asc';
export const KEYRING_GPG = 'cgpu-archive-keyring.gpg';

async function debControl(deb: string): Promise<Paragraph> {
  const r = await run('dpkg-deb', ['-f', deb], { timeoutMs: 60_000, purpose: `reading the control file of ${deb}` });
  return parseParagraph(r.stdout);
}

async function walkDebs(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walkDebs(p)));
    else if (e.isFile() && e.name.endsWith('.deb')) out.push(p);
  }
  return out;
}

async function xz(data: string): Promise<Buffer> {
  const r = await run('sh', ['-c', 'xz -9 -c | base64 -w0'], { timeoutMs: 60_000, input: data, purpose: 'compressing Packages' });
  return Buffer.from(r.stdout, 'base64');
}

function validName(s: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s)) throw new UsageError({ code: 'REPO_NAME', message: `${what} "${s}" is not a valid name`, hint: 'letters, digits, . _ -' });
  return s;
}

export async function publish(req: PublishRequest): Promise<PublishResult> {
  const repo = resolve(req.repo);
  const suite = validName(req.suite ?? 'stable', 'suite');
  const codename = validName(req.codename ?? suite, 'codename');
  const component = validName(req.component ?? 'main', 'component');
  const archs = [...(req.architectures ?? ['amd64', 'arm64'])].map((a) => validName(a, 'architecture'));
  if (req.debs.length === 0) throw new UsageError({ code: 'PUBLISH_NOTHING', message: 'no .deb to publish', hint: 'run `cgpu package dkms` first, or give --deb <file>' });

  // 1. The pool: copy new files; the same name with other content is an error (apt caches by name and hash).
  const added: string[] = [];
  const present: string[] = [];
  for (const deb of req.debs.map((d) => resolve(d))) {
    if (!(await exists(deb))) throw new UsageError({ code: 'PUBLISH_DEB_MISSING', message: `${deb} does not exist` });
    const c = await debControl(deb);
    const pkg = c.get('Package');
    const version = c.get('Version');
    const arch = c.get('Architecture');
    if (!pkg || !version || !arch) throw new UsageError({ code: 'PUBLISH_DEB_INVALID', message: `${deb} has no Package, Version or Architecture` });
    const source = (c.get('Source') ?? pkg).split(' ')[0]!;
    const name = `${pkg}_${version.replace(/^\d+:/, '')}_${arch}.deb`;
    const dest = join(repo, poolDir(component, source), name);
    if (await exists(dest)) {
      if ((await sha256File(dest)) !== (await sha256File(deb))) {
        throw new CgpuError({ code: 'PUBLISH_VERSION_CLASH', message: `${relative(repo, dest)} is already published with other content`, hint: `a published version never changes: raise the version of ${pkg} (MODULE_VERSION) and package again`, exitCode: 1 });
      }
      present.push(relative(repo, dest));
      continue;
    }
    await mkdir(join(repo, poolDir(component, source)), { recursive: true });
    await copyFile(deb, `${dest}.part`);
    await rename(`${dest}.part`, dest);
    added.push(relative(repo, dest));
    req.log?.(`added ${relative(repo, dest)}`);
  }

  // 2. The indexes, from everything in the pool.
  const entries: Array<{ control: Paragraph; filename: string; size: number; sha256: string }> = [];
  for (const f of (await walkDebs(join(repo, 'pool'))).sort()) {
    entries.push({ control: await debControl(f), filename: relative(repo, f), size: (await stat(f)).size, sha256: await sha256File(f) });
  }
  const byName = (a: (typeof entries)[number], b: (typeof entries)[number]): number =>
    (a.control.get('Package') ?? '').localeCompare(b.control.get('Package') ?? '') || a.filename.localeCompare(b.filename);
  entries.sort(byName);
  const dist = join(repo, 'dists', suite);
  const files: Array<IndexFile & { data: Buffer }> = [];
  for (const arch of archs) {
    const text = entries
      .filter((e) => e.control.get('Architecture') === arch || e.control.get('Architecture') === 'all')
      .map((e) => stanza(e.control, e))
      .join('\n');
    const plain = Buffer.from(text);
    const comp = await xz(text);
    const base = `${component}/binary-${arch}`;
    files.push({ path: `${base}/Packages`, size: plain.length, sha256: sha256(plain), data: plain });
    files.push({ path: `${base}/Packages.xz`, size: comp.length, sha256: sha256(comp), data: comp });
  }

  // 3. Unchanged indexes, same key, signatures there: nothing to do (idempotent, the signature stays valid).
  const signer = await openSigner(req.key ?? { generated: true }, req.log);
  try {
    const keyAsc = join(repo, KEYRING_ASC);
    let same = (await exists(join(dist, 'InRelease'))) && (await exists(join(dist, 'Release.gpg'))) && (await readFile(keyAsc, 'utf8').catch(() => '')) === signer.publicKey;
    for (const f of files) same &&= (await readFile(join(dist, f.path)).catch(() => Buffer.alloc(0))).equals(f.data);
    const oldRelease = await readFile(join(dist, 'Release'), 'utf8').catch(() => '');
    same &&= files.every((f) => oldRelease.includes(` ${f.sha256} `));
    if (!same) {
      for (const f of files) await writeFileAtomic(join(dist, f.path), f.data);
      const release = releaseText({
        origin: req.origin ?? 'cgpu',
        label: req.origin ?? 'cgpu',
        suite,
        codename,
        architectures: archs,
        components: [component],
        description: 'cgpu packages',
        date: req.now ?? new Date(),
        files,
      });
      const inRelease = await signer.clearsign(release);
      const detached = await signer.detachSign(release);
      await writeFileAtomic(join(dist, 'Release'), release);
      await writeFileAtomic(join(dist, 'Release.gpg'), detached);
      await writeFileAtomic(join(dist, 'InRelease'), inRelease);
      await writeFileAtomic(keyAsc, signer.publicKey);
      await dearmorTo(signer.publicKey, join(repo, KEYRING_GPG));
      // Indexes of architectures no longer published would still be listed nowhere; leave other suites alone.
      await rm(join(dist, `${component}/binary-all`), { recursive: true, force: true });
    }
    return {
      repo,
      suite,
      added,
      present,
      packages: entries.map((e) => ({ package: e.control.get('Package')!, version: e.control.get('Version')!, architecture: e.control.get('Architecture')!, filename: e.filename })),
      changed: !same,
      fingerprint: signer.fingerprint,
      publicKey: keyAsc,
    };
  } finally {
    await signer.close();
  }
}

/** The binary keyring beside the armoured one (`gpg --dearmor`), for apt versions that want .gpg. */
async function dearmorTo(armoured: string, file: string): Promise<void> {
  const r = await run('sh', ['-c', 'gpg --dearmor | base64 -w0'], { timeoutMs: 30_000, input: armoured, purpose: 'dearmoring the public key' });
  await writeFileAtomic(file, Buffer.from(r.stdout, 'base64'));
}

export function debsIn(dir: string): Promise<string[]> {
  return readdir(dir).then((l) => l.filter((f) => f.endsWith('.deb')).sort().map((f) => join(dir, basename(f))), () => []);
}
