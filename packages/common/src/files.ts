/** Files written atomically (temp name + rename) and a lock directory, so concurrent runs never see half files. */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile, stat, readFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { CgpuError } from './errors.js';
import { interruptSignal } from './interrupt.js';

/** A temp path beside `dest` that no other process uses. */
export function tempPathFor(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
}

/** Remove temp files in `dir` left by processes that died without cleaning up (SIGKILL, power loss). */
export async function sweepStaleTemps(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = name.match(/^\..*\.(\d+)\.[0-9a-f]{8}\.part$/);
    if (m && !pidAlive(Number(m[1]))) await rm(join(dir, name), { force: true });
  }
}

export async function writeFileAtomic(dest: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = tempPathFor(dest);
  try {
    await writeFile(tmp, data);
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * Hold an exclusive lock (a directory created with mkdir, which is atomic) while `fn` runs.
 * A lock whose owner pid is gone is taken over. Waits up to `waitMs`.
 */
export async function withLock<T>(lockPath: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
  await mkdir(dirname(lockPath), { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      await mkdir(lockPath);
      await writeFile(join(lockPath, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number((await readFile(join(lockPath, 'pid'), 'utf8').catch(() => '')) || 0);
      if (owner > 0 && !pidAlive(owner)) {
        await rm(lockPath, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - started > waitMs) {
        throw new CgpuError({
          code: 'LOCK_TIMEOUT',
          message: `waited ${Math.round(waitMs / 1000)} s for ${lockPath} held by pid ${owner || '?'}`,
          hint: 'another cgpu run is using the same cache entry; wait for it or remove the lock directory if that process is gone',
        });
      }
      if (interruptSignal.aborted) throw interruptSignal.reason;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { recursive: true, force: true });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
