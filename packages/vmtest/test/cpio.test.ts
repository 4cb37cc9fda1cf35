import { describe, expect, it } from 'vitest';
import { S_IFCHR, S_IFDIR, S_IFREG, readCpio, writeCpio } from '../src/cpio.js';

describe('newc cpio', () => {
  it('round-trips files, directories and device nodes, 4-byte aligned, with a trailer', () => {
    const buf = writeCpio([
      { path: 'dev', mode: S_IFDIR | 0o755 },
      { path: 'dev/console', mode: S_IFCHR | 0o600, rdevMajor: 5, rdevMinor: 1 },
      { path: '/init', mode: S_IFREG | 0o755, data: Buffer.from('#!/bin/sh\n') },
      { path: 'odd', mode: S_IFREG | 0o644, data: Buffer.from('abc') },
    ]);
    expect(buf.length % 4).toBe(0);
    expect(buf.subarray(0, 6).toString()).toBe('070701');
    const back = readCpio(buf);
    expect(back.map((e) => e.path)).toEqual(['dev', 'dev/console', 'init', 'odd']);
    expect(back[1]).toMatchObject({ rdevMajor: 5, rdevMinor: 1, mode: S_IFCHR | 0o600 });
    expect(Buffer.from(back[2]!.data!).toString()).toBe('#!/bin/sh\n');
    expect(Buffer.from(back[3]!.data!).toString()).toBe('abc');
  });

  it('is reproducible: the same entries give the same bytes', () => {
    const e = [{ path: 'a', mode: S_IFREG | 0o644, data: Buffer.from('x') }];
    expect(writeCpio(e).equals(writeCpio(e))).toBe(true);
  });
});
