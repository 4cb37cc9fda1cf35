// publish() on the host: layout, SHA256-only indexes, signatures that gpgv accepts with the published key,
// idempotence, older versions kept, a changed file under a published name refused, key rules.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KEYRING_GPG, parseParagraph, publish, releaseText, stanza } from '@cgpu/aptrepo';
import { killAgent, makeDeb, makeKey } from './fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'cgpu-pub-'));
process.env['CGPU_CONFIG_DIR'] = join(work, 'config');
const homes: string[] = [];
afterAll(async () => {
  for (const h of homes) await killAgent(h);
});
const sha = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex');

describe('control and Release text', () => {
  it('a Packages stanza: Filename, Size, SHA256 and no MD5sum, continuation lines kept', () => {
    const p = parseParagraph('Package: a\nVersion: 1\nArchitecture: all\nMD5sum: x\nDescription: d\n line\n .\n more\n');
    const s = stanza(p, { filename: 'pool/main/a/a/a_1_all.deb', size: 10, sha256: 'ab' });
    expect(s).toBe('Package: a\nVersion: 1\nArchitecture: all\nFilename: pool/main/a/a/a_1_all.deb\nSize: 10\nSHA256: ab\nDescription: d\n line\n .\n more\n');
  });
  it('Release: UTC date, SHA256 section only', () => {
    const t = releaseText({ origin: 'o', label: 'l', suite: 's', codename: 's', architectures: ['amd64'], components: ['main'], description: 'd', date: new Date(Date.UTC(2026, 10, 28, 1, 2, 3)), files: [{ path: 'main/binary-amd64/Packages', size: 5, sha256: 'cd' }] });
    expect(t).toContain('Date: Sat, 28 Nov 2026 01:02:03 UTC\n');
    expect(t).toContain('SHA256:\n cd 5 main/binary-amd64/Packages\n');
    expect(t).not.toMatch(/MD5Sum|SHA1/);
  });
});

describe('publish', () => {
  const repo = join(work, 'repo');
  it('lays out pool/ and dists/, lists the all package for amd64 and arm64, signs with a generated key', async () => {
    const deb = await makeDeb(work, '1.0.0');
    const r = await publish({ repo, debs: [deb] });
    expect(r.added).toEqual(['pool/main/c/cgpu/cgpu-dkms_1.0.0_all.deb']);
    expect(existsSync(join(work, 'config/apt-repo-key.asc'))).toBe(true);
    expect(statSync(join(work, 'config/apt-repo-key.asc')).mode & 0o077).toBe(0);
    const dist = join(repo, 'dists/stable');
    const rel = readFileSync(join(dist, 'Release'), 'utf8');
    for (const a of ['amd64', 'arm64']) {
      for (const f of ['Packages', 'Packages.xz']) {
        const p = join(dist, `main/binary-${a}/${f}`);
        expect(rel).toContain(` ${sha(p)} `);
      }
      expect(readFileSync(join(dist, `main/binary-${a}/Packages`), 'utf8')).toContain(`Filename: pool/main/c/cgpu/cgpu-dkms_1.0.0_all.deb\nSize: ${statSync(deb).size}\nSHA256: ${sha(deb)}\n`);
    }
    expect(rel).not.toMatch(/^(MD5Sum|SHA1):/m);
    const kr = join(repo, KEYRING_GPG);
    expect((await execa('gpgv', ['--keyring', kr, join(dist, 'InRelease')], { reject: false })).exitCode).toBe(0);
    expect((await execa('gpgv', ['--keyring', kr, join(dist, 'Release.gpg'), join(dist, 'Release')], { reject: false })).exitCode).toBe(0);
    const xz = await execa('xz', ['-dc', join(dist, 'main/binary-amd64/Packages.xz')], { encoding: 'utf8', stripFinalNewline: false });
    expect(xz.stdout).toBe(readFileSync(join(dist, 'main/binary-amd64/Packages'), 'utf8'));
  });

  it('the same version again changes nothing (not even the signature); the generated key is reused', async () => {
    const before = readFileSync(join(repo, 'dists/stable/InRelease'));
    const r = await publish({ repo, debs: [await makeDeb(work, '1.0.0')] });
    expect(r.changed).toBe(false);
    expect(r.present).toEqual(['pool/main/c/cgpu/cgpu-dkms_1.0.0_all.deb']);
    expect(readFileSync(join(repo, 'dists/stable/InRelease')).equals(before)).toBe(true);
  });

  it('a second version keeps the first in pool/ and in Packages', async () => {
    const r = await publish({ repo, debs: [await makeDeb(work, '1.1.0')] });
    expect(r.changed).toBe(true);
    expect(r.packages.map((p) => p.version)).toEqual(['1.0.0', '1.1.0']);
    const p = readFileSync(join(repo, 'dists/stable/main/binary-arm64/Packages'), 'utf8');
    expect(p.match(/^Package: cgpu-dkms$/gm)?.length).toBe(2);
  });

  it('a different file under a published name is refused', async () => {
    const other = await makeDeb(work, '1.0.0', 'changed');
    await expect(publish({ repo, debs: [other] })).rejects.toThrow(/already published with other content/);
  });

  it('signs with a given armoured key file, and the repository key file follows it', async () => {
    const k = await makeKey(work, 'vendor repo key');
    homes.push(k.home);
    const r = await publish({ repo: join(work, 'repo2'), debs: [await makeDeb(work, '1.0.0')], key: { file: k.file }, suite: 'testing' });
    const list = await execa('gpg', ['--homedir', k.home, '--with-colons', '--list-keys']);
    expect(list.stdout).toContain(`fpr:::::::::${r.fingerprint}:`);
    expect((await execa('gpgv', ['--keyring', join(work, 'repo2', KEYRING_GPG), join(work, 'repo2/dists/testing/InRelease')], { reject: false })).exitCode).toBe(0);
  });

  it('signs with a key id from the user\'s keyring (GNUPGHOME)', async () => {
    const k = await makeKey(work, 'keyring key');
    homes.push(k.home);
    const old = process.env['GNUPGHOME'];
    process.env['GNUPGHOME'] = k.home;
    try {
      const r = await publish({ repo: join(work, 'repo3'), debs: [await makeDeb(work, '1.0.0')], key: { id: 'keyring key' } });
      expect((await execa('gpgv', ['--keyring', join(work, 'repo3', KEYRING_GPG), join(work, 'repo3/dists/stable/InRelease')], { reject: false })).exitCode).toBe(0);
      expect(r.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    } finally {
      if (old === undefined) delete process.env['GNUPGHOME'];
      else process.env['GNUPGHOME'] = old;
    }
  });

  it('refuses a key with SHA-1 self-signatures (Debian 13 apt/sqv would reject the repository)', async () => {
    const k = await makeKey(work, 'old sha1 key', { sha1: true });
    homes.push(k.home);
    await expect(publish({ repo: join(work, 'repo4'), debs: [await makeDeb(work, '1.0.0')], key: { file: k.file } })).rejects.toThrow(/SHA-1/);
    expect(existsSync(join(work, 'repo4/dists'))).toBe(false);
  });
});
