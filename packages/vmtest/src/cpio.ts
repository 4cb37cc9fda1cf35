/** A newc cpio writer: the initramfs is built without root, with owners, modes and device nodes set here. */

export interface CpioEntry {
  path: string;
  /** File type and permission bits, e.g. 0o100755 for an executable, 0o040755 for a directory. */
  mode: number;
  data?: Uint8Array;
  /** Target of a symlink (mode 0o120777). */
  target?: string;
  /** Device numbers of a char/block node. */
  rdevMajor?: number;
  rdevMinor?: number;
}

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(len: number): Buffer {
  return Buffer.alloc((4 - (len % 4)) % 4);
}

/** Serialise entries (parents before children) with uid/gid 0 and mtime 0, so the output is reproducible. */
export function writeCpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const add = (name: string, mode: number, body: Buffer, rdevMajor = 0, rdevMinor = 0): void => {
    const nameBuf = Buffer.from(`${name}\0`);
    const header =
      '070701' + hex8(ino++) + hex8(mode) + hex8(0) + hex8(0) + hex8(1) + hex8(0) + hex8(body.length) +
      hex8(0) + hex8(0) + hex8(rdevMajor) + hex8(rdevMinor) + hex8(nameBuf.length) + hex8(0);
    parts.push(Buffer.from(header, 'ascii'), nameBuf, pad4(110 + nameBuf.length), body, pad4(body.length));
  };
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    const body = e.target !== undefined ? Buffer.from(e.target) : Buffer.from(e.data ?? new Uint8Array());
    add(name, e.mode, body, e.rdevMajor, e.rdevMinor);
  }
  add('TRAILER!!!', 0, Buffer.alloc(0));
  return Buffer.concat(parts);
}

/** Parse a newc archive (used by tests to check what we wrote). */
export function readCpio(buf: Buffer): CpioEntry[] {
  const out: CpioEntry[] = [];
  let off = 0;
  for (;;) {
    const h = buf.subarray(off, off + 110).toString('ascii');
    if (!h.startsWith('070701')) throw new Error(`bad cpio magic at ${off}`);
    const field = (i: number): number => Number.parseInt(h.slice(6 + i * 8, 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const name = buf.subarray(off + 110, off + 110 + nameSize - 1).toString();
    off += 110 + nameSize;
    off += (4 - (off % 4)) % 4;
    const data = buf.subarray(off, off + size);
    off += size;
    off += (4 - (off % 4)) % 4;
    if (name === 'TRAILER!!!') return out;
    const e: CpioEntry = { path: name, mode, data: new Uint8Array(data) };
    if ((mode & 0o170000) === S_IFLNK) e.target = data.toString();
    if ((mode & 0o170000) === S_IFCHR) {
      e.rdevMajor = field(9);
      e.rdevMinor = field(10);
    }
    out.push(e);
  }
}
