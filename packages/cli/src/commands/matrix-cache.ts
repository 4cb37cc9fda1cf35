/**
 * The shared nx cache, no cloud account: `CGPU_NX_CACHE_DIR=<dir>` makes `cgpu matrix` serve that directory
 * as nx's self-hosted remote cache for its nx run; `cgpu matrix cache-server --dir <dir>` serves it for
 * plain `nx` runs and CI (export NX_SELF_HOSTED_REMOTE_CACHE_SERVER=<printed url>).
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { onCleanup } from '@cgpu/common';
import { startCacheServer, type CacheServer } from '@cgpu/nx-plugin/cache-server';
import { parsePositiveInt } from '../args.js';

export interface RemoteCacheEnv {
  [k: string]: string | undefined;
}

let running: CacheServer | undefined;

/** The environment for an nx child: the remote cache server's URL when CGPU_NX_CACHE_DIR is set. */
export async function remoteCacheEnv(): Promise<RemoteCacheEnv> {
  const dir = process.env['CGPU_NX_CACHE_DIR'];
  if (!dir || process.env['NX_SELF_HOSTED_REMOTE_CACHE_SERVER']) return {};
  if (!running) {
    running = await startCacheServer({ dir: resolve(dir) });
    const s = running;
    onCleanup(() => s.close());
    process.stderr.write(`nx remote cache: ${s.dir} at ${s.url}\n`);
  }
  return { NX_SELF_HOSTED_REMOTE_CACHE_SERVER: running.url };
}

export function registerMatrixCache(matrix: Command): void {
  matrix
    .command('cache-server')
    .description("serve a directory as nx's self-hosted remote cache (for nx runs and CI)")
    .requiredOption('--dir <dir>', 'where the cached task outputs are kept')
    .option('--port <port>', 'TCP port (default: a free one, printed)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (o: { dir: string; port?: string; host: string }) => {
      const port = parsePositiveInt('--port', o.port, 65535);
      const token = process.env['NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN'];
      const s = await startCacheServer({ dir: resolve(o.dir), host: o.host, ...(port ? { port } : {}), ...(token ? { token } : {}) });
      process.stdout.write(`export NX_SELF_HOSTED_REMOTE_CACHE_SERVER=${s.url}\n`);
      await new Promise<void>((done) => {
        const stop = (): void => void s.close().then(done);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
