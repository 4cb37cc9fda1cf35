/** HTTP downloads into the cache: streamed to a temp file, checked (size, SHA256), then renamed into place. */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CgpuError, InterruptedError, interruptSignal, onCleanup, tempPathFor } from '@cgpu/common';

export interface Expect {
  sha256?: string;
  size?: number;
}

export class DownloadError extends CgpuError {
  constructor(url: string, why: string, cause?: unknown) {
    super({
      code: 'DOWNLOAD_FAILED',
      message: `could not download ${url}: ${why}`,
      hint: 'check that the Debian archive is reachable (set CGPU_MIRROR to use another mirror); a warm cache works offline',
      details: { url },
      cause,
    });
    this.name = 'DownloadError';
  }
}

export class IntegrityError extends CgpuError {
  constructor(what: string, expected: string, got: string) {
    super({
      code: 'INTEGRITY_MISMATCH',
      message: `${what}: expected ${expected}, got ${got}`,
      hint: 'the file was corrupted in transit or the mirror is inconsistent; it was not used. Try again, or another mirror (CGPU_MIRROR)',
    });
    this.name = 'IntegrityError';
  }
}

/** Download `url` to `dest` atomically. Aborts if no byte arrives for `idleMs`. Returns the SHA256. */
export async function download(url: string, dest: string, expect: Expect = {}, idleMs = 60_000): Promise<string> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = tempPathFor(dest);
  const idle = new AbortController();
  let timer = setTimeout(() => idle.abort(), idleMs);
  const bump = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(), idleMs);
  };
  const unregister = onCleanup(() => rm(tmp, { force: true }));
  const hash = createHash('sha256');
  let size = 0;
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.any([interruptSignal, idle.signal]) });
    } catch (e) {
      if (interruptSignal.aborted) throw new InterruptedError(`downloading ${url}`);
      throw new DownloadError(url, idle.signal.aborted ? `no answer in ${idleMs / 1000} s` : causeText(e), e);
    }
    if (!res.ok || !res.body) throw new DownloadError(url, `HTTP ${res.status} ${res.statusText}`);
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (c: Buffer) => {
      hash.update(c);
      size += c.length;
      bump();
    });
    try {
      await pipeline(body, createWriteStream(tmp));
    } catch (e) {
      if (interruptSignal.aborted) throw new InterruptedError(`downloading ${url}`);
      throw new DownloadError(url, idle.signal.aborted ? `stalled for ${idleMs / 1000} s` : causeText(e), e);
    }
    const sha = hash.digest('hex');
    if (expect.size !== undefined && size !== expect.size) throw new IntegrityError(`size of ${url}`, String(expect.size), String(size));
    if (expect.sha256 !== undefined && sha !== expect.sha256) throw new IntegrityError(`SHA256 of ${url}`, expect.sha256, sha);
    await rename(tmp, dest);
    return sha;
  } finally {
    clearTimeout(timer);
    unregister();
    await rm(tmp, { force: true });
  }
}

function causeText(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } }).cause;
  if (c?.code) return `${c.code}${c.message ? ` (${c.message})` : ''}`;
  return e instanceof Error ? e.message : String(e);
}
