// The PVH boot path's pure parts on synthetic kernels (fixtures/pvh-fixtures.ts says where each layout fact
// comes from), the extraction with the distro's decompressors, and the fallback decision.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NotPvhBootableError, compressionOf, parseSetupHeader, splitPayload, type Compression } from '../src/bzimage.js';
import { bufferReader, findPvhNote } from '../src/elf-pvh.js';
import { decideBootFile } from '../src/boot-file.js';
import { pvhVmlinux, vmlinuxCachePath } from '../src/vmlinux.js';
import { sha256 } from '@cgpu/common';
import { bzImage, elf64, le32, le64 } from './fixtures/pvh-fixtures.js';

const pvhNote = (entry: number, desc: 'le32' | 'le64' = 'le32') => ({ name: 'Xen', type: 18, desc: desc === 'le32' ? le32(entry) : le64(entry) });
// A GNU build-id note (NT_GNU_BUILD_ID = 3, elf(5)) in front, as in a real vmlinux, so the walk has to skip one.
const buildId = { name: 'GNU', type: 3, desc: Buffer.alloc(20, 0xab) };

describe('parseSetupHeader', () => {
  it('finds the payload at (setup_sects + 1) * 512 + payload_offset', () => {
    const payload = Buffer.from('payload-bytes');
    const h = parseSetupHeader(bzImage(payload, { setupSects: 3, payloadOffset: 0x300 }));
    expect(h).toEqual({ version: 0x020f, setupSects: 3, protectedModeStart: 2048, payloadStart: 2048 + 0x300, payloadLength: payload.length });
  });

  it('reads setup_sects 0 as 4', () => {
    const h = parseSetupHeader(bzImage(Buffer.from('p'), { setupSects: 0 }));
    expect(h.setupSects).toBe(4);
    expect(h.protectedModeStart).toBe(5 * 512);
  });

  it('refuses a file without "HdrS", a protocol before 2.08, and a payload past the end', () => {
    expect(() => parseSetupHeader(bzImage(Buffer.from('p'), { magic: 'Hdr!' }))).toThrow(/no "HdrS" magic/);
    expect(() => parseSetupHeader(bzImage(Buffer.from('p'), { version: 0x0207 }))).toThrow(/boot protocol 2\.07 has no payload fields/);
    expect(() => parseSetupHeader(bzImage(Buffer.from('p'), { payloadLength: 1 << 20 }))).toThrow(/runs past the end/);
    expect(() => parseSetupHeader(Buffer.alloc(100))).toThrow(NotPvhBootableError);
  });
});

describe('compressionOf and splitPayload', () => {
  it.each<[Compression, number[]]>([
    ['gzip', [0x1f, 0x8b, 0x08]],
    ['gzip', [0x1f, 0x9e]],
    ['bzip2', [0x42, 0x5a, 0x68, 0x39]],
    ['lzma', [0x5d, 0x00, 0x00, 0x80]],
    ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
    ['lzo', [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a]],
    ['lz4', [0x02, 0x21, 0x4c, 0x18]],
    ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ])('%s by its magic', (kind, magic) => {
    expect(compressionOf(Buffer.from([...magic, 0, 0, 0, 0]))).toBe(kind);
  });

  it('names the bytes of an unknown payload', () => {
    expect(() => compressionOf(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]))).toThrow(/starts with 7f 45 4c 46 02 01/);
  });

  it('cuts the appended size from every format but gzip, whose ISIZE is part of the stream', () => {
    const p = Buffer.concat([Buffer.from('stream'), le32(123456)]);
    expect(splitPayload(p, 'zstd')).toEqual({ stream: Buffer.from('stream'), size: 123456 });
    expect(splitPayload(p, 'gzip')).toEqual({ stream: p, size: 123456 });
  });
});

describe('findPvhNote', () => {
  it('finds the Xen PHYS32_ENTRY note after another note (4- and 8-byte descriptors)', () => {
    expect(findPvhNote(bufferReader(elf64({ notes: [buildId, pvhNote(0x1000850)] })))).toEqual({ entry: 0x1000850 });
    expect(findPvhNote(bufferReader(elf64({ notes: [pvhNote(0x1234000, 'le64')] })))).toEqual({ entry: 0x1234000 });
  });

  it('says there is no PVH entry when the notes lack it, or there are no notes', () => {
    expect(() => findPvhNote(bufferReader(elf64({ notes: [buildId, { name: 'Xen', type: 17, desc: le32(1) }] })))).toThrow(/no Xen PHYS32_ENTRY note/);
    expect(() => findPvhNote(bufferReader(elf64({ notes: [{ name: 'Linux', type: 18, desc: le32(1) }] })))).toThrow(/no Xen PHYS32_ENTRY note/);
    expect(() => findPvhNote(bufferReader(elf64()))).toThrow(/no PT_NOTE segment/);
  });

  it('refuses what is not an ELF64 x86-64 executable', () => {
    expect(() => findPvhNote(bufferReader(Buffer.alloc(64)))).toThrow(/not an ELF file/);
    expect(() => findPvhNote(bufferReader(elf64({ elfClass: 1, notes: [pvhNote(1)] })))).toThrow(/not ELF64/);
    expect(() => findPvhNote(bufferReader(elf64({ machine: 183, notes: [pvhNote(1)] })))).toThrow(/machine 183, not x86-64/);
    expect(() => findPvhNote(bufferReader(elf64({ type: 3, notes: [pvhNote(1)] })))).toThrow(/not an executable/);
  });

  it('refuses a note that runs past its segment', () => {
    const e = elf64({ notes: [pvhNote(1)] });
    e.writeUInt32LE(4096, 64 + 56 * 2 + 4); // descsz of the note, far larger than the segment
    expect(() => findPvhNote(bufferReader(e))).toThrow(/runs past its segment/);
  });
});

describe('decideBootFile (the fallback decision)', () => {
  const ok = { ok: true as const, file: '/c/vmlinux-x', compression: 'xz' as const, entry: 0x1000850, size: 10, extractMs: 0 };
  it('boots the PVH vmlinux when the extraction found the entry', () => {
    expect(decideBootFile('amd64', 'auto', '/c/vmlinuz', ok)).toMatchObject({ kind: 'pvh', file: '/c/vmlinux-x', why: /xz payload with a PVH entry at 0x1000850/ });
  });
  it('falls back to the bzImage and says why', () => {
    const d = decideBootFile('amd64', 'auto', '/c/vmlinuz', { ok: false, why: 'the payload ELF has no Xen PHYS32_ENTRY note (kernel built without CONFIG_PVH)' });
    expect(d).toEqual({ kind: 'bzimage', file: '/c/vmlinuz', why: 'no PVH boot: the payload ELF has no Xen PHYS32_ENTRY note (kernel built without CONFIG_PVH)' });
  });
  it('boots the bzImage when asked, and leaves arm64 on its compressed Image', () => {
    expect(decideBootFile('amd64', 'bzimage', '/c/vmlinuz', ok)).toMatchObject({ kind: 'bzimage', file: '/c/vmlinuz' });
    expect(decideBootFile('arm64', 'auto', '/c/vmlinuz', ok)).toMatchObject({ kind: 'image', file: '/c/vmlinuz' });
  });
});

// The kernel's recipes (scripts/Makefile.lib, arch/x86/boot/compressed/Makefile): gzip -n -9; bzip2 -9,
// lzma -9, lzop -9, lz4 -l -9, xz --check=crc32 (xz_wrap.sh), zstd -22 --ultra, each followed by size_append.
const compressors: Record<Compression, [string, string[]]> = {
  gzip: ['gzip', ['-n', '-9', '-c']],
  bzip2: ['bzip2', ['-9', '-c']],
  lzma: ['xz', ['--format=lzma', '-9', '-c']],
  xz: ['xz', ['--check=crc32', '-c']],
  lzo: ['lzop', ['-9', '-c']],
  lz4: ['lz4', ['-l', '-9', '-c']],
  zstd: ['zstd', ['-19', '-c']], // the kernel uses -22 --ultra: same frame format, but 6 s per call here
};

describe('pvhVmlinux: extraction with the distro decompressors, and the cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cgpu-pvh-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const elf = elf64({ notes: [buildId, pvhNote(0x1000850)], bodyBytes: 64 * 1024 });

  function kernelWith(kind: Compression, name: string, data = elf, trailer = data.length): string {
    const [cmd, args] = compressors[kind];
    const stream = execFileSync(cmd, args, { input: data, maxBuffer: 64 << 20 });
    const payload = kind === 'gzip' ? stream : Buffer.concat([stream, le32(trailer)]);
    const file = join(dir, name, 'vmlinuz');
    execFileSync('mkdir', ['-p', join(dir, name)]);
    writeFileSync(file, bzImage(payload));
    return file;
  }

  it.each(Object.keys(compressors) as Compression[])('%s: extracts, checks and caches the vmlinux', async (kind) => {
    const vmlinuz = kernelWith(kind, kind);
    const first = await pvhVmlinux(vmlinuz);
    expect(first).toMatchObject({ ok: true, compression: kind, entry: 0x1000850, size: elf.length });
    if (!first.ok) return;
    expect(first.file).toBe(vmlinuxCachePath(vmlinuz, sha256(readFileSync(vmlinuz))));
    expect(readFileSync(first.file).equals(elf)).toBe(true);
    const second = await pvhVmlinux(vmlinuz);
    expect(second).toMatchObject({ ok: true, file: first.file, extractMs: 0 });
  });

  it('a size that does not match the trailer is refused (and that decision cached)', async () => {
    const vmlinuz = kernelWith('zstd', 'badsize', elf, elf.length + 1);
    const r = await pvhVmlinux(vmlinuz);
    expect(r).toEqual({ ok: false, why: `the payload decompressed to ${elf.length} bytes, but the image says ${elf.length + 1}` });
    expect(existsSync(`${vmlinuxCachePath(vmlinuz, sha256(readFileSync(vmlinuz)))}.json`)).toBe(true);
    expect(await pvhVmlinux(vmlinuz)).toEqual(r);
  });

  it('a kernel without the PVH note falls back, and so does a file that is no bzImage', async () => {
    const noPvh = kernelWith('xz', 'nopvh', elf64({ notes: [buildId] }));
    expect(await pvhVmlinux(noPvh)).toEqual({ ok: false, why: 'the payload ELF has no Xen PHYS32_ENTRY note (kernel built without CONFIG_PVH)' });
    const junk = join(dir, 'junk');
    writeFileSync(junk, Buffer.alloc(4096, 0x41));
    expect(await pvhVmlinux(junk)).toEqual({ ok: false, why: 'no "HdrS" magic at 0x202: not an x86 bzImage' });
  });

  it('a temp dir left by a killed extraction is removed by the next one', async () => {
    const vmlinuz = kernelWith('lz4', 'killed');
    const cached = vmlinuxCachePath(vmlinuz, sha256(readFileSync(vmlinuz)));
    const leftover = `${join(dir, 'killed')}/.${basename(cached)}.extract-AbC123`;
    mkdirSync(leftover);
    writeFileSync(join(leftover, 'vmlinux.lz4'), 'partial');
    expect(await pvhVmlinux(vmlinuz)).toMatchObject({ ok: true });
    expect(existsSync(leftover)).toBe(false);
  });

  it('a damaged cached vmlinux is extracted again', async () => {
    const vmlinuz = kernelWith('gzip', 'damaged');
    const first = await pvhVmlinux(vmlinuz);
    if (!first.ok) throw new Error(first.why);
    writeFileSync(first.file, Buffer.alloc(first.size)); // same size, no ELF
    const again = await pvhVmlinux(vmlinuz);
    expect(again).toMatchObject({ ok: true, file: first.file });
    expect(readFileSync(first.file).equals(elf)).toBe(true);
  });
});
