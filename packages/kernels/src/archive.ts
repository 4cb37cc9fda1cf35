/** Debian archive metadata: signed InRelease (checked with gpgv) and Packages indexes (checked by hash). */
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { CgpuError, cacheDir, exists, interruptSignal, readJson, run, sha256, sha256File, withLock, writeFileAtomic } from '@cgpu/common';
import { StanzaParser, parseStanzas, releaseHashes, type Stanza } from './deb822.js';
import { DownloadError, IntegrityError, download } from './download.js';
import { keyringPath, mirrorUrl } from './suites.js';
import type { Arch } from './release.js';

export class SignatureError extends CgpuError {
  constructor(suite: string, output: string) {
    super({
      code: 'INRELEASE_SIGNATURE_BAD',
      message: `the InRelease of ${suite} does not carry a good signature from Debian's archive keyring:\n${output.trim()}`,
      hint: 'it was not used. Install or update debian-archive-keyring, or check CGPU_MIRROR; never use an unsigned index',
    });
    this.name = 'SignatureError';
  }
}

export type RefreshMode = 'auto' | 'always' | 'never';

export interface ArchiveOptions {
  refresh?: RefreshMode;
  /** In auto mode, a cached InRelease younger than this is used without asking the mirror. */
  maxAgeMs?: number;
  warn?: (msg: string) => void;
}

export interface VerifiedRelease {
  suite: string;
  /** The signed content only (never the text around the signature). */
  fields: Stanza;
  sha256: string;
  date?: string;
  validUntil?: string;
}

const DEFAULT_MAX_AGE = 6 * 3600_000;

function suiteDir(suite: string): string {
  return cacheDir('archive', suite);
}

/** Check an InRelease file's signature with gpgv and return only what the signature covers. */
export async function verifyInRelease(suite: string, path: string): Promise<VerifiedRelease> {
  const r = await run('gpgv', ['--keyring', keyringPath(), '--output', '-', path], {
    timeoutMs: 30_000,
    allowFailure: true,
    purpose: `checking the signature of ${suite}'s InRelease`,
  });
  if (r.exitCode !== 0) throw new SignatureError(suite, r.stderr);
  const [fields] = parseStanzas(r.stdout);
  if (!fields || !fields['SHA256']) throw new SignatureError(suite, 'the signed text has no SHA256 table');
  const out: VerifiedRelease = { suite, fields, sha256: await sha256File(path) };
  if (fields['Date']) out.date = fields['Date'];
  if (fields['Valid-Until']) out.validUntil = fields['Valid-Until'];
  return out;
}

/**
 * gpgv runs once per InRelease content: the signed fields are kept beside it, keyed by the file's SHA256,
 * so an unchanged file is not verified again (a changed or replaced one always is).
 */
async function verifiedCached(suite: string, path: string): Promise<VerifiedRelease> {
  const side = `${path}.verified.json`;
  const sha = await sha256File(path);
  const cached = await readJson<VerifiedRelease>(side);
  if (cached?.sha256 === sha && cached.suite === suite) return cached;
  const rel = await verifyInRelease(suite, path);
  await writeFileAtomic(side, JSON.stringify(rel));
  return rel;
}

/** The verified InRelease of `suite`, from cache or the mirror as `refresh` says. */
export async function loadInRelease(suite: string, opts: ArchiveOptions = {}): Promise<VerifiedRelease> {
  const path = join(suiteDir(suite), 'InRelease');
  const mode = opts.refresh ?? 'auto';
  const cached = await exists(path);
  const age = cached ? Date.now() - (await stat(path)).mtimeMs : Infinity;
  const url = `${mirrorUrl()}/dists/${suite}/InRelease`;
  if (mode === 'never' || (mode === 'auto' && age < (opts.maxAgeMs ?? DEFAULT_MAX_AGE))) {
    if (!cached) {
      throw new CgpuError({ code: 'CATALOGUE_COLD', message: `no cached InRelease for ${suite}`, hint: 'run once with the archive reachable (without --offline)' });
    }
    return verifiedCached(suite, path);
  }
  try {
    await withLock(join(suiteDir(suite), 'InRelease.lock'), 120_000, async () => {
      const tmp = join(suiteDir(suite), 'InRelease.new');
      await download(url, tmp, {}, 20_000);
      try {
        await verifyInRelease(suite, tmp); // a bad new one never replaces a good old one
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
      await rename(tmp, path);
    });
  } catch (e) {
    if (e instanceof DownloadError && cached) {
      opts.warn?.(`${url} unreachable (${e.message}); using the cached InRelease of ${suite}`);
      return verifiedCached(suite, path);
    }
    if (e instanceof DownloadError) {
      throw new DownloadError(url, `${e.message.replace(/^could not download \S+: /, '')}; nothing is cached yet for ${suite}`);
    }
    throw e;
  }
  const rel = await verifiedCached(suite, path);
  if (rel.validUntil && Date.parse(rel.validUntil) < Date.now()) {
    opts.warn?.(`${suite}: InRelease expired on ${rel.validUntil} (the mirror is stale); its signature is good, so it is used`);
  }
  return rel;
}

/** Stanzas of `linux-*` packages from `main/binary-<arch>/Packages.xz`, checked against the InRelease hash. */
export function loadKernelStanzas(rel: VerifiedRelease, arch: Arch): Promise<Stanza[]> {
  return loadStanzas(rel, arch, (name) => name.startsWith('linux-'));
}

/** Stanzas whose package name passes `keep`, from the hash-checked `main/binary-<arch>/Packages.xz`. */
export async function loadStanzas(rel: VerifiedRelease, arch: Arch, keep: (name: string) => boolean): Promise<Stanza[]> {
  const name = `main/binary-${arch}/Packages.xz`;
  const want = releaseHashes(rel.fields).get(name);
  if (!want) {
    throw new CgpuError({ code: 'INDEX_MISSING', message: `${rel.suite}'s InRelease lists no ${name}`, hint: 'this suite has no xz index for that arch' });
  }
  const path = join(suiteDir(rel.suite), `Packages-${arch}-${want.sha256.slice(0, 16)}.xz`);
  if (!(await exists(path)) || (await sha256File(path)) !== want.sha256) {
    await download(`${mirrorUrl()}/dists/${rel.suite}/${name}`, path, { sha256: want.sha256, size: want.size });
  }
  const out: Stanza[] = [];
  const parser = new StanzaParser((s) => {
    if (s['Package'] !== undefined && keep(s['Package'])) out.push(s);
  });
  const sub = execa('xz', ['-dc', path], { timeout: 120_000, cancelSignal: interruptSignal, buffer: false, stdin: 'ignore' });
  try {
    for await (const line of sub) parser.line(String(line));
  } catch (e) {
    throw new CgpuError({ code: 'INDEX_UNREADABLE', message: `could not decompress ${path}`, hint: 'install xz-utils', cause: e });
  }
  parser.end();
  return out;
}

/** Checks that fixtures and tests use: a Packages file against the InRelease table. */
export function checkIndexHash(rel: VerifiedRelease, name: string, data: Uint8Array): void {
  const want = releaseHashes(rel.fields).get(name);
  if (!want) throw new CgpuError({ code: 'INDEX_MISSING', message: `${rel.suite}'s InRelease lists no ${name}` });
  const got = sha256(data);
  if (got !== want.sha256) throw new IntegrityError(`SHA256 of ${name} in ${rel.suite}`, want.sha256, got);
}

