/** The running kernel and every kernel whose headers are installed on this machine. */
import { readdir } from 'node:fs/promises';
import { release as osRelease } from 'node:os';
import { join } from 'node:path';
import { exists } from '@cgpu/common';
import { parseRelease, type ParsedRelease } from './release.js';

export interface InstalledKernel {
  release: string;
  parsed?: ParsedRelease;
  running: boolean;
  /** The headers' build tree, when installed. */
  headers?: string;
}

export async function detectKernels(roots: { modules?: string; src?: string; running?: string } = {}): Promise<InstalledKernel[]> {
  const modules = roots.modules ?? '/lib/modules';
  const src = roots.src ?? '/usr/src';
  const running = roots.running ?? osRelease();
  const found = new Map<string, InstalledKernel>();
  const add = (release: string, headers?: string): void => {
    const k = found.get(release) ?? { release, running: release === running };
    if (headers && !k.headers) k.headers = headers;
    found.set(release, k);
  };
  add(running);
  for (const rel of await readdir(modules).catch(() => [] as string[])) {
    const build = join(modules, rel, 'build');
    if (await exists(join(build, 'Makefile'))) add(rel, build);
  }
  for (const d of await readdir(src).catch(() => [] as string[])) {
    const m = d.match(/^linux-headers-(.+)$/);
    if (!m || /-common(-rt)?$/.test(m[1]!)) continue;
    if (await exists(join(src, d, 'Makefile'))) add(m[1]!, join(src, d));
  }
  return [...found.values()].map((k) => {
    try {
      return { ...k, parsed: parseRelease(k.release) };
    } catch {
      return k;
    }
  });
}
