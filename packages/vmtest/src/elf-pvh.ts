/** Is a file an ELF64 x86-64 kernel with a PVH entry note (what QEMU needs to boot it with -kernel)? */
import { NotPvhBootableError } from './bzimage.js';

// ELF facts from the System V gABI (elf(5)): e_ident "\x7fELF", EI_CLASS (byte 4) 2 = ELFCLASS64,
// EI_DATA (byte 5) 1 = little-endian; in the 64-bit header e_type @16/2 (2 = ET_EXEC), e_machine @18/2
// (62 = EM_X86_64), e_phoff @32/8, e_phentsize @54/2, e_phnum @56/2. A 64-bit program header (56 bytes):
// p_type @0/4 (4 = PT_NOTE), p_offset @8/8, p_filesz @32/8. A note: n_namesz/4, n_descsz/4, n_type/4, then
// the name and the descriptor, each padded to 4 bytes.
// The PVH entry: a note named "Xen" of type XEN_ELFNOTE_PHYS32_ENTRY = 18 (Xen's public/elfnote.h, the
// kernel's include/xen/interface/elfnote.h), emitted by arch/x86/platform/pvh/head.S when CONFIG_PVH=y;
// its descriptor is the 32-bit physical entry address (4 bytes, or 8 where the kernel emits a pointer).
// QEMU (hw/i386/x86.c, load_elfboot) looks for it in the PT_NOTE segments and boots the ELF only if found.
const ET_EXEC = 2;
const EM_X86_64 = 62;
const PT_NOTE = 4;
const PHDR_SIZE = 56;
export const XEN_ELFNOTE_PHYS32_ENTRY = 18;

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
export type ReadAt = (offset: number, length: number) => Buffer;

export function bufferReader(b: Buffer): ReadAt {
  return (offset, length) => b.subarray(offset, offset + length);
}

export interface PvhNote {
  /** Physical entry address of the PVH start code. */
  entry: number;
}

function checkElfHeader(h: Buffer): { phoff: number; phentsize: number; phnum: number } {
  if (h.length < 64 || h.readUInt32BE(0) !== 0x7f454c46) throw new NotPvhBootableError('the uncompressed payload is not an ELF file');
  if (h[4] !== 2) throw new NotPvhBootableError(`the payload is ELF class ${h[4]}, not ELF64`);
  if (h[5] !== 1) throw new NotPvhBootableError('the payload ELF is not little-endian');
  const type = h.readUInt16LE(16);
  if (type !== ET_EXEC) throw new NotPvhBootableError(`the payload ELF is of type ${type}, not an executable`);
  const machine = h.readUInt16LE(18);
  if (machine !== EM_X86_64) throw new NotPvhBootableError(`the payload ELF is for machine ${machine}, not x86-64 (62)`);
  return { phoff: Number(h.readBigUInt64LE(32)), phentsize: h.readUInt16LE(54), phnum: h.readUInt16LE(56) };
}

const pad4 = (n: number): number => (n + 3) & ~3;

/** Walk every PT_NOTE segment for a "Xen" note of type 18; throw NotPvhBootableError when there is none. */
export function findPvhNote(read: ReadAt): PvhNote {
  const { phoff, phentsize, phnum } = checkElfHeader(read(0, 64));
  if (phentsize !== PHDR_SIZE) throw new NotPvhBootableError(`the payload ELF has ${phentsize}-byte program headers, not ${PHDR_SIZE}`);
  const phdrs = read(phoff, phnum * PHDR_SIZE);
  if (phdrs.length < phnum * PHDR_SIZE) throw new NotPvhBootableError('the payload ELF is truncated inside its program headers');
  let notes = 0;
  for (let i = 0; i < phnum; i++) {
    const ph = phdrs.subarray(i * PHDR_SIZE, (i + 1) * PHDR_SIZE);
    if (ph.readUInt32LE(0) !== PT_NOTE) continue;
    notes++;
    const size = Number(ph.readBigUInt64LE(32));
    const seg = read(Number(ph.readBigUInt64LE(8)), size);
    if (seg.length < size) throw new NotPvhBootableError('the payload ELF is truncated inside a note segment');
    for (let at = 0; at + 12 <= seg.length; ) {
      const namesz = seg.readUInt32LE(at);
      const descsz = seg.readUInt32LE(at + 4);
      const type = seg.readUInt32LE(at + 8);
      const nameAt = at + 12;
      const descAt = nameAt + pad4(namesz);
      const next = descAt + pad4(descsz);
      if (next > seg.length) throw new NotPvhBootableError('a note in the payload ELF runs past its segment');
      const name = seg.subarray(nameAt, nameAt + namesz).toString('latin1').replace(/\0+$/, '');
      if (name === 'Xen' && type === XEN_ELFNOTE_PHYS32_ENTRY) {
        if (descsz === 4) return { entry: seg.readUInt32LE(descAt) };
        if (descsz === 8) return { entry: Number(seg.readBigUInt64LE(descAt)) };
        throw new NotPvhBootableError(`the PVH entry note has a ${descsz}-byte descriptor, not 4 or 8`);
      }
      at = next;
    }
  }
  throw new NotPvhBootableError(
    notes === 0 ? 'the payload ELF has no PT_NOTE segment, so no PVH entry' : 'the payload ELF has no Xen PHYS32_ENTRY note (kernel built without CONFIG_PVH)',
  );
}
