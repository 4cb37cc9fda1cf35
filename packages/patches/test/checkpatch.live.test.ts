// Live: the kernel's own checkpatch.pl (from Debian's linux-source-6.1, fetched through the signed archive
// and cached) over the module: clean with --strict once the whole series is applied; on the baseline only
// the strlcpy warning that patch 0007 removes.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { cacheDir } from '@cgpu/common';
import { ensureDeb, resolvePackage } from '@cgpu/kernels';
import { applyPatches } from '../src/apply.js';
import { loadSeries } from '../src/series.js';

const root = new URL('../../..', import.meta.url).pathname;

async function checkpatch(): Promise<string> {
  const deb = await resolvePackage('bookworm', 'amd64', 'linux-source-6.1');
  const dir = cacheDir('checkpatch', deb.version);
  const script = join(dir, 'linux-source-6.1/scripts/checkpatch.pl');
  if (existsSync(script)) return script;
  const { path } = await ensureDeb(deb);
  mkdirSync(dir, { recursive: true });
  // the deb holds usr/src/linux-source-6.1.tar.xz; take the three files checkpatch reads
  await execa('sh', ['-ec', `cd "${dir}" && dpkg-deb --fsys-tarfile "${path}" | tar -xO ./usr/src/linux-source-6.1.tar.xz | tar -xJ linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt linux-source-6.1/scripts/const_structs.checkpatch`], { timeout: 10 * 60_000 });
  return script;
}

async function findings(script: string, tree: string): Promise<string[]> {
  const c = (dir: string): string[] => readdirSync(join(tree, dir)).filter((f) => /\.[ch]$/.test(f)).map((f) => (dir === '.' ? f : `${dir}/${f}`));
  const files = [...c('.'), 'include/uapi/cgpu.h', ...c('tools')];
  const out: string[] = [];
  for (const f of files) {
    const r = await execa('perl', [script, '--no-tree', '--strict', '--terse', '-f', join(tree, f)], { reject: false });
    out.push(...r.stdout.split('\n').filter((l) => /: (ERROR|WARNING|CHECK):/.test(l)).map((l) => l.replace(`${tree}/`, '')));
  }
  return out;
}

describe('checkpatch.pl --strict', () => {
  it('the module with the whole series applied is clean', async () => {
    const script = await checkpatch();
    const s = await loadSeries(join(root, 'patches'));
    const t = await applyPatches(join(root, 'kernel-src'), s.patches.map((p) => ({ name: p.name, path: join(root, 'patches', p.file) })));
    try {
      expect(await findings(script, t.dir)).toEqual([]);
    } finally {
      await t.cleanup();
    }
  });

  it('the baseline has only the strlcpy that patch 0007 replaces', async () => {
    const script = await checkpatch();
    const f = await findings(script, join(root, 'kernel-src'));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatch(/^os-interface\.c:\d+: WARNING: Prefer strscpy over strlcpy/);
  });
});
