/**
 * A self-hosted nx remote cache in one directory, served over HTTP as nx's remote cache OpenAPI
 * specification describes (nx >= 20.8: NX_SELF_HOSTED_REMOTE_CACHE_SERVER): `GET /v1/cache/<hash>` gives
 * the tar archive of a task's outputs or 404, `PUT /v1/cache/<hash>` stores one (409 when it is there).
 * No account and no activation key: @nx/shared-fs-cache needs both (a key from cloud.nx.app) and its
 * 5.0.4 peer range stops before nx 23.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface CacheServer {
  url: string;
  dir: string;
  /** Requests served, for tests and logs. */
  stats: { hits: number; misses: number; stores: number };
  close(): Promise<void>;
}

export interface CacheServerOptions {
  dir: string;
  host?: string;
  port?: number;
  /** When set, requests must carry `Authorization: Bearer <token>` (NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN). */
  token?: string;
}

const HASH = /^[A-Za-z0-9_-]{1,128}$/;

function reply(res: ServerResponse, code: number, text = ''): void {
  res.writeHead(code, { 'content-type': 'text/plain' }).end(text);
}

async function handle(o: CacheServerOptions, stats: CacheServer['stats'], req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (o.token && req.headers.authorization !== `Bearer ${o.token}`) return reply(res, 401, 'missing or wrong bearer token');
  const m = (req.url ?? '').match(/^\/v1\/cache\/([^/?]+)$/);
  if (!m || !HASH.test(m[1]!)) return reply(res, 404, 'not a cache path');
  const file = join(o.dir, m[1]!);
  if (req.method === 'GET') {
    const st = await stat(file).catch(() => undefined);
    if (!st) {
      stats.misses++;
      return reply(res, 404, 'not in the cache');
    }
    stats.hits++;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(st.size) });
    await pipeline(createReadStream(file), res);
    return;
  }
  if (req.method === 'PUT') {
    if (await stat(file).catch(() => undefined)) {
      req.resume();
      return reply(res, 409, 'already in the cache');
    }
    const tmp = `${file}.${process.pid}.${Date.now()}.part`;
    try {
      await pipeline(req, createWriteStream(tmp));
      await rename(tmp, file); // whole archives only: a reader never sees a torn one
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    stats.stores++;
    return reply(res, 200);
  }
  return reply(res, 405, 'GET or PUT');
}

export async function startCacheServer(o: CacheServerOptions): Promise<CacheServer> {
  await mkdir(o.dir, { recursive: true });
  const stats = { hits: 0, misses: 0, stores: 0 };
  const server: Server = createServer((req, res) => {
    handle(o, stats, req, res).catch((e: unknown) => {
      if (!res.headersSent) reply(res, 500, (e as Error).message);
      else res.destroy();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => ok());
  });
  const a = server.address() as AddressInfo;
  return {
    url: `http://${o.host ?? '127.0.0.1'}:${a.port}`,
    dir: o.dir,
    stats,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
