import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkIndexHash, verifyInRelease } from '../src/archive.js';
import { releaseHashes } from '../src/deb822.js';

const inRelease = new URL('./fixtures/trixie-backports.InRelease', import.meta.url).pathname;

describe('InRelease verification (gpgv + debian-archive-keyring)', () => {
  it('accepts the real signed file and returns only the signed fields', async () => {
    const rel = await verifyInRelease('trixie-backports', inRelease);
    expect(rel.fields['Codename']).toBe('trixie-backports');
    const h = releaseHashes(rel.fields).get('main/binary-amd64/Packages.xz');
    expect(h?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects the same file with one changed hash byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cgpu-sig-'));
    const text = readFileSync(inRelease, 'utf8');
    const i = text.indexOf(' main/binary-amd64/Packages.xz') - 80;
    const bad = text.slice(0, i) + (text[i] === 'a' ? 'b' : 'a') + text.slice(i + 1);
    writeFileSync(join(dir, 'InRelease'), bad);
    await expect(verifyInRelease('trixie-backports', join(dir, 'InRelease'))).rejects.toMatchObject({ code: 'INRELEASE_SIGNATURE_BAD' });
  });

  it('rejects an index whose hash does not match InRelease', async () => {
    const rel = await verifyInRelease('trixie-backports', inRelease);
    expect(() => checkIndexHash(rel, 'main/binary-amd64/Packages.xz', new Uint8Array([1, 2, 3]))).toThrowError(/SHA256 of main\/binary-amd64\/Packages.xz/);
  });
});
