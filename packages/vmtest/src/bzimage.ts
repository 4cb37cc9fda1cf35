/** Read an x86 bzImage's setup header and find its compressed payload and how it is compressed. */
import { CgpuError } from '@cgpu/common';

// Facts from the kernel's Documentation/arch/x86/boot.rst ("The Real-Mode Kernel Header", "Details of
// Header Fields", "Loading The Rest of The Kernel"); all fields are little-endian:
//   0x1f1/1 setup_sects: setup size in 512-byte sectors, 0 means 4; the real-mode part is the boot sector
//           plus the setup, so the protected-mode code starts at (setup_sects + 1) * 512 in the file.
//   0x1fe/2 boot_flag 0xAA55;  0x202/4 header "HdrS";  0x206/2 version, (major << 8) | minor.
//   0x248/4 payload_offset: from the start of the protected-mode code to the payload (protocol 2.08+).
//   0x24c/4 payload_length (2.08+).
const OFF = { setupSects: 0x1f1, bootFlag: 0x1fe, header: 0x202, version: 0x206, payloadOffset: 0x248, payloadLength: 0x24c } as const;
const HDRS = 0x53726448; // "HdrS" read as a little-endian u32
const BOOT_FLAG = 0xaa55;
/** Protocol 2.08 introduced payload_offset/payload_length. */
export const MIN_PAYLOAD_PROTOCOL = 0x0208;

/** The payload cannot be found: the file is not a bzImage we can take apart (the caller falls back). */
export class NotPvhBootableError extends CgpuError {
  constructor(message: string) {
    super({ code: 'PVH_UNAVAILABLE', message, hint: 'the bzImage is booted instead' });
    this.name = 'NotPvhBootableError';
  }
}

export interface SetupHeader {
  /** Boot protocol, (major << 8) | minor. */
  version: number;
  setupSects: number;
  /** File offset of the protected-mode code. */
  protectedModeStart: number;
  /** File offset and length of the compressed payload. */
  payloadStart: number;
  payloadLength: number;
}

export function protocolText(version: number): string {
  return `${version >> 8}.${String(version & 0xff).padStart(2, '0')}`;
}

export function parseSetupHeader(img: Buffer): SetupHeader {
  if (img.length < OFF.payloadLength + 4) throw new NotPvhBootableError(`the kernel image is too short for an x86 setup header (${img.length} bytes)`);
  if (img.readUInt32LE(OFF.header) !== HDRS) throw new NotPvhBootableError('no "HdrS" magic at 0x202: not an x86 bzImage');
  if (img.readUInt16LE(OFF.bootFlag) !== BOOT_FLAG) throw new NotPvhBootableError('boot_flag at 0x1fe is not 0xAA55: not an x86 bzImage');
  const version = img.readUInt16LE(OFF.version);
  if (version < MIN_PAYLOAD_PROTOCOL) {
    throw new NotPvhBootableError(`boot protocol ${protocolText(version)} has no payload fields (they came with ${protocolText(MIN_PAYLOAD_PROTOCOL)})`);
  }
  const setupSects = img.readUInt8(OFF.setupSects) || 4;
  const protectedModeStart = (setupSects + 1) * 512;
  const payloadOffset = img.readUInt32LE(OFF.payloadOffset);
  const payloadLength = img.readUInt32LE(OFF.payloadLength);
  if (payloadOffset === 0 || payloadLength === 0) throw new NotPvhBootableError('payload_offset or payload_length is 0: the image does not say where its payload is');
  const payloadStart = protectedModeStart + payloadOffset;
  if (payloadStart + payloadLength > img.length) {
    throw new NotPvhBootableError(`the payload (${payloadLength} bytes at ${payloadStart}) runs past the end of the ${img.length}-byte image`);
  }
  return { version, setupSects, protectedModeStart, payloadStart, payloadLength };
}

export type Compression = 'gzip' | 'bzip2' | 'lzma' | 'xz' | 'lzo' | 'lz4' | 'zstd';

// Magic numbers: boot.rst (payload_offset) lists gzip 1F 8B or 1F 9E, bzip2 42 5A, LZMA 5D 00, XZ FD 37,
// LZ4 02 21, ZSTD 28 B5; the kernel's lib/decompress.c adds LZO 89 4C. Where a format's own spec gives a
// longer magic we check all of it: xz "FD 37 7A 58 5A 00" (.xz file format 1.0.4, 2.1.1.1), zstd frame
// "28 B5 2F FD" (RFC 8878, 3.1.1), lzop "89 4C 5A 4F 00 0D 0A 1A 0A", lz4 legacy frame "02 21 4C 18" (lz4
// Frame format, "Legacy frame"; the kernel compresses with `lz4 -l`), bzip2 "BZh".
const MAGICS: ReadonlyArray<{ kind: Compression; bytes: number[] }> = [
  { kind: 'gzip', bytes: [0x1f, 0x8b] },
  { kind: 'gzip', bytes: [0x1f, 0x9e] },
  { kind: 'bzip2', bytes: [0x42, 0x5a, 0x68] },
  { kind: 'lzma', bytes: [0x5d, 0x00] },
  { kind: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { kind: 'lzo', bytes: [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a] },
  { kind: 'lz4', bytes: [0x02, 0x21, 0x4c, 0x18] },
  { kind: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
];

export function compressionOf(payload: Buffer): Compression {
  const m = MAGICS.find((x) => x.bytes.every((b, i) => payload[i] === b));
  if (!m) {
    const head = [...payload.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new NotPvhBootableError(`the payload starts with ${head}, which is no compression format the kernel uses`);
  }
  return m.kind;
}

/**
 * The compressed stream and the uncompressed size the kernel's boot code expects. arch/x86/boot/compressed/
 * mkpiggy.c reads the size from the payload's last 4 bytes (LE32). gzip streams end with it (ISIZE); every
 * other format gets it appended by scripts/Makefile.lib's size_append (the *_with_size commands), and the
 * tools reject those 4 extra bytes, so they are cut off here.
 */
export function splitPayload(payload: Buffer, kind: Compression): { stream: Buffer; size: number } {
  if (payload.length < 8) throw new NotPvhBootableError(`the payload is only ${payload.length} bytes`);
  const size = payload.readUInt32LE(payload.length - 4);
  return { stream: kind === 'gzip' ? payload : payload.subarray(0, payload.length - 4), size };
}
