// Test fixtures made on the spot: tiny .debs (dpkg-deb) and gpg keys (a throw-away GNUPGHOME).
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A minimal Architecture-all package; `salt` changes its content but not its name. */
export async function makeDeb(dir: string, version: string, salt = '', pkg = 'cgpu-dkms'): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'cgpu-fixdeb-'));
  mkdirSync(join(root, 'DEBIAN'));
  mkdirSync(join(root, 'usr/share/doc', pkg), { recursive: true });
  writeFileSync(join(root, 'DEBIAN/control'), `Package: ${pkg}\nSource: cgpu\nVersion: ${version}\nArchitecture: all\nMaintainer: t <t@example.com>\nDepends: dkms\nDescription: test package\n multi-line\n .\n description\n`);
  writeFileSync(join(root, 'usr/share/doc', pkg, 'x'), `${version}${salt}\n`);
  const out = join(dir, `${pkg}_${version}_all${salt ? `-${salt}` : ''}.deb`);
  await execa('dpkg-deb', ['--root-owner-group', '--build', root, out], { env: { ...process.env, SOURCE_DATE_EPOCH: '1790000000' } });
  return out;
}

/** A secret key, armoured, no passphrase. `sha1` makes its self-signature SHA-1 (what sqv rejects). */
export async function makeKey(dir: string, name: string, opts: { sha1?: boolean } = {}): Promise<{ file: string; home: string }> {
  const home = mkdtempSync(join(tmpdir(), 'cgpu-gpgfix-'));
  const g = (args: string[]) => execa('gpg', ['--homedir', home, '--batch', '--no-tty', '--quiet', ...args]);
  await g([...(opts.sha1 ? ['--cert-digest-algo', 'SHA1', '--allow-weak-key-signatures'] : []), '--passphrase', '', '--pinentry-mode', 'loopback', '--quick-gen-key', name, 'ed25519', 'sign', 'never']);
  const file = join(dir, `${name.replace(/\W+/g, '_')}.asc`);
  writeFileSync(file, (await g(['--armor', '--export-secret-keys'])).stdout);
  return { file, home };
}

export async function killAgent(home: string): Promise<void> {
  await execa('gpgconf', ['--homedir', home, '--kill', 'all'], { reject: false });
}
