/**
 * The uncompressed ELF vmlinux of an amd64 bzImage, for a PVH boot (the guest does not decompress itself, which
 * is most of a bare boot under TCG). Extracted once per kernel with the distro's decompressor, checked (size,
 * ELF64 x86-64, PVH note), cached next to the bzImage keyed by its SHA256.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CgpuError, CommandError, CommandMissingError, commandWorks, errorText, onCleanup, readJson, run, sha256, sha256FileStamped, withLock, writeFileAtomic } from '@cgpu/common';
import { NotPvhBootableError, compressionOf, parseSetupHeader, splitPayload, type Compression } from './bzimage.js';
import { findPvhNote, type ReadAt } from './elf-pvh.js';

/** How each payload format is undone: the Debian package and a file-to-file command. */
const TOOLS: Record<Compression, { pkg: string; ext: string; cmd: (input: string, output: string) => [string, string[]] }> = {
  gzip: { pkg: 'gzip', ext: 'gz', cmd: (i) => ['gzip', ['-d', '-k', '-f', '-q', i]] },
  bzip2: { pkg: 'bzip2', ext: 'bz2', cmd: (i) => ['bzip2', ['-d', '-k', '-f', '-q', i]] },
  lzma: { pkg: 'xz-utils', ext: 'lzma', cmd: (i) => ['xz', ['--format=lzma', '-d', '-k', '-f', '-q', i]] },
  xz: { pkg: 'xz-utils', ext: 'xz', cmd: (i) => ['xz', ['-d', '-k', '-f', '-q', i]] },
  lzo: { pkg: 'lzop', ext: 'lzo', cmd: (i, o) => ['lzop', ['-d', '-f', '-q', '-o', o, i]] },
  lz4: { pkg: 'lz4', ext: 'lz4', cmd: (i, o) => ['lz4', ['-d', '-f', '-q', i, o]] },
  zstd: { pkg: 'zstd', ext: 'zst', cmd: (i, o) => ['zstd', ['-d', '-f', '-q', i, '-o', o]] },
};

export type PvhOutcome =
  | { ok: true; file: string; compression: Compression; entry: number; size: number; extractMs: number }
  | { ok: false; why: string };

interface Meta {
  sha256: string;
  ok: boolean;
  why?: string;
  compression?: Compression;
  entry?: number;
  size?: number;
}

/** Sync reads of an open file, for the ELF note walk (a few small reads, not the whole 60 MB). */
function fileReader(fd: number): ReadAt {
  return (offset, length) => {
    const b = Buffer.alloc(length);
    const n = readSync(fd, b, 0, length, offset);
    return b.subarray(0, n);
  };
}

function pvhNoteOf(path: string): { entry: number } {
  const fd = openSync(path, 'r');
  try {
    return findPvhNote(fileReader(fd));
  } finally {
    closeSync(fd);
  }
}

/** Where the vmlinux of this bzImage is cached: beside it, named by its SHA256. */
export function vmlinuxCachePath(vmlinuz: string, sha: string): string {
  return join(dirname(vmlinuz), `vmlinux-${sha.slice(0, 16)}`);
}

async function fromCache(base: string, sha: string): Promise<PvhOutcome | undefined> {
  const meta = await readJson<Meta>(`${base}.json`);
  if (meta?.sha256 !== sha) return undefined;
  if (!meta.ok) return { ok: false, why: meta.why ?? 'no PVH entry (cached)' };
  const size = (await stat(base).catch(() => undefined))?.size;
  if (size === undefined || size !== meta.size || !meta.compression) return undefined;
  try {
    const { entry } = pvhNoteOf(base);
    return { ok: true, file: base, compression: meta.compression, entry, size, extractMs: 0 };
  } catch (e) {
    if (e instanceof NotPvhBootableError) return undefined; // damaged cache: extract again
    throw e;
  }
}

/**
 * The PVH-bootable vmlinux of `vmlinuz`, or why there is none. Concurrent runs wait for one extraction;
 * files appear whole (temp dir + rename). A decision that depends only on the image's bytes (not a
 * bzImage, no PVH note) is cached too; a missing or failing decompressor is not.
 */
export async function pvhVmlinux(vmlinuz: string, log?: (m: string) => void): Promise<PvhOutcome> {
  const sha = await sha256FileStamped(vmlinuz);
  const base = vmlinuxCachePath(vmlinuz, sha);
  const hit = await fromCache(base, sha);
  if (hit) return hit;
  return withLock(`${base}.lock`, 10 * 60_000, async () => {
    const again = await fromCache(base, sha);
    if (again) return again;
    const started = Date.now();
    try {
      const img = await readFile(vmlinuz);
      if (sha256(img) !== sha) throw new CgpuError({ code: 'KERNEL_CHANGED', message: `${vmlinuz} changed while it was read`, hint: 'run again' });
      const r = await extract(img, base, log);
      await writeFileAtomic(`${base}.json`, JSON.stringify({ sha256: sha, ok: true, compression: r.compression, entry: r.entry, size: r.size } satisfies Meta));
      return { ok: true, file: base, ...r, extractMs: Date.now() - started };
    } catch (e) {
      if (e instanceof NotPvhBootableError) {
        await writeFileAtomic(`${base}.json`, JSON.stringify({ sha256: sha, ok: false, why: e.message } satisfies Meta));
        return { ok: false, why: e.message };
      }
      if (e instanceof CommandMissingError || (e instanceof CommandError && !e.result.timedOut)) return { ok: false, why: errorText(e).split('\n')[0]! };
      throw e;
    }
  });
}

async function extract(img: Buffer, dest: string, log?: (m: string) => void): Promise<{ compression: Compression; entry: number; size: number }> {
  const h = parseSetupHeader(img);
  const payload = img.subarray(h.payloadStart, h.payloadStart + h.payloadLength);
  const compression = compressionOf(payload);
  const { stream, size } = splitPayload(payload, compression);
  const tool = TOOLS[compression];
  // Under the lock for this image, a temp dir of the same image is a leftover of a killed run.
  const prefix = `.${basename(dest)}.extract-`;
  for (const name of await readdir(dirname(dest))) if (name.startsWith(prefix)) await rm(join(dirname(dest), name), { recursive: true, force: true });
  const tmp = await mkdtemp(join(dirname(dest), prefix));
  const unregister = onCleanup(() => rm(tmp, { recursive: true, force: true }));
  try {
    const out = join(tmp, 'vmlinux');
    const input = `${out}.${tool.ext}`;
    await writeFile(input, stream);
    const [cmd, args] = tool.cmd(input, out);
    if (!(await commandWorks(cmd))) throw new CommandMissingError(cmd, `apt-get install ${tool.pkg} (or run ci/setup.sh)`);
    log?.(`extracting the ${compression} payload of the bzImage for a PVH boot (once per kernel)`);
    await run(cmd, args, { timeoutMs: 180_000, purpose: `decompressing the ${compression} kernel payload` });
    const got = (await stat(out)).size;
    // size_append/ISIZE hold the size modulo 2^32; a kernel is far smaller.
    if (got !== size) throw new NotPvhBootableError(`the payload decompressed to ${got} bytes, but the image says ${size}`);
    const { entry } = pvhNoteOf(out);
    await rename(out, dest);
    return { compression, entry, size };
  } finally {
    unregister();
    await rm(tmp, { recursive: true, force: true });
  }
}
