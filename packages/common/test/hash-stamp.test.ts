// The remembered SHA256 must follow the file: a replaced or rewritten file is hashed again.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashStampPath, sha256FileStamped } from '../src/hash-stamp.js';

const dir = mkdtempSync(join(tmpdir(), 'cgpu-stamp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('sha256FileStamped', () => {
  it('hashes, stamps, and answers from the stamp while the file is unchanged', async () => {
    const f = join(dir, 'a.deb');
    writeFileSync(f, 'one');
    expect(await sha256FileStamped(f)).toBe(sha('one'));
    expect(existsSync(hashStampPath(f))).toBe(true);
    // A forged stamp with the same identity is believed: proves the second call did not read the file.
    const stamp = JSON.parse(readFileSync(hashStampPath(f), 'utf8')) as { identity: string; sha256: string };
    writeFileSync(hashStampPath(f), JSON.stringify({ ...stamp, sha256: 'f'.repeat(64) }));
    expect(await sha256FileStamped(f)).toBe('f'.repeat(64));
  });

  it('hashes again when the file is replaced by rename, or rewritten in place with the same size', async () => {
    const f = join(dir, 'b.deb');
    writeFileSync(f, 'aaaa');
    expect(await sha256FileStamped(f)).toBe(sha('aaaa'));
    writeFileSync(join(dir, 'b.new'), 'bbbb');
    renameSync(join(dir, 'b.new'), f);
    expect(await sha256FileStamped(f)).toBe(sha('bbbb'));
    writeFileSync(f, 'cccc');
    utimesSync(f, new Date(0), new Date(0)); // even with an old mtime, ctime moves
    expect(await sha256FileStamped(f)).toBe(sha('cccc'));
  });
});
