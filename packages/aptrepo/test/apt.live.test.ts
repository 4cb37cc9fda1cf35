// Live: a repository made by publish(), served on 127.0.0.1 by a tiny node server, used by the real apt of
// clean Debian 11, 12 and 13 containers (--network host) through a deb822 .sources file with Signed-By: the
// published key. `apt-get update && apt-get install cgpu-dkms` builds the module with that release's dkms; a
// tampered Packages file, and a Release signed by another key, make apt refuse.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inScope } from '@cgpu/common';
import { execa } from 'execa';
import { loadCatalogue, resolveSpec } from '@cgpu/kernels';
import { packageDkms } from '@cgpu/dkms';
import { KEYRING_ASC, publish } from '@cgpu/aptrepo';
import { headersImage, startBox, type Box } from '../../dkms/test/containers.js';
import { killAgent, makeKey } from './fixtures.js';

const root = new URL('../../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'cgpu-apt-live-'));
process.env['CGPU_CONFIG_DIR'] = join(work, 'config');
let server: Server;
let port = 0;
const boxes: Box[] = [];
let otherHome = '';

/** Serves work/<name>/... read-only; anything outside work is 404. */
function serve(): Promise<void> {
  server = createServer((req, res) => {
    const p = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]!));
    try {
      if (p.includes('..')) throw new Error('no');
      const body = readFileSync(join(work, 'srv', p));
      res.writeHead(200, { 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => {
    port = (server.address() as { port: number }).port;
    ok();
  }));
}

let version = '';
beforeAll(async () => {
  const pkg = await packageDkms({ src: join(root, 'kernel-src'), seriesDir: join(root, 'patches'), out: join(work, 'pkg') });
  version = pkg.version;
  const good = join(work, 'srv/good');
  await publish({ repo: good, debs: [pkg.deb] });
  // The same repository with one byte of Packages changed (and Packages.xz made from it), Release untouched.
  const bad = join(work, 'srv/tampered');
  cpSync(good, bad, { recursive: true });
  for (const a of ['amd64', 'arm64']) {
    const p = join(bad, `dists/stable/main/binary-${a}/Packages`);
    writeFileSync(p, readFileSync(p, 'utf8').replace('Priority: optional', 'Priority: required'));
    await execa('sh', ['-c', `xz -9 -c "${p}" > "${p}.xz"`]);
  }
  // The same indexes, signed by a key the users do not trust.
  const other = join(work, 'srv/otherkey');
  cpSync(good, other, { recursive: true });
  const k = await makeKey(work, 'someone else');
  otherHome = k.home;
  await publish({ repo: other, debs: [pkg.deb], key: { file: k.file } });
  await serve();
}, 10 * 60_000);

afterAll(async () => {
  for (const b of boxes) await b.remove();
  await new Promise((ok) => (server ? server.close(() => ok(undefined)) : ok(undefined)));
  if (otherHome) await killAgent(otherHome);
  rmSync(work, { recursive: true, force: true });
});

const sources = (name: string): string =>
  `Types: deb\nURIs: http://127.0.0.1:${port}/${name}/\nSuites: stable\nComponents: main\nSigned-By: /usr/share/keyrings/cgpu-archive-keyring.asc\n`;

// In the `ci` live scope only Debian 13 (apt with sqv, the strictest verifier); all three with CGPU_LIVE_SCOPE=full.
const distros = inScope([
  { label: 'Debian 11', spec: '5.10' },
  { label: 'Debian 12', spec: '6.1.0-50-amd64' },
  { label: 'Debian 13', spec: '6.12.117', ci: true },
]);

describe.each(distros)('$label apt and the signed repository', ({ label, spec }) => {
  let box: Box;
  let release = '';
  beforeAll(async () => {
    const k = resolveSpec(spec, await loadCatalogue(), { arch: 'amd64' });
    release = k.release;
    box = await startBox(await headersImage(k), `apt-${label}`);
    boxes.push(box);
    await box.cpIn(join(work, 'srv/good', KEYRING_ASC), '/usr/share/keyrings/cgpu-archive-keyring.asc');
  }, 30 * 60_000);

  it('apt-get update && apt-get install cgpu-dkms builds the module', async () => {
    const t0 = Date.now();
    const r = await box.sh(`printf '%s' '${sources('good')}' > /etc/apt/sources.list.d/cgpu.sources; export DEBIAN_FRONTEND=noninteractive; apt-get update 2>&1 && apt-get install -y cgpu-dkms 2>&1; echo "@@rc $?"; dkms status`);
    expect(r.out, r.out).toMatch(/@@rc 0/);
    expect(r.out).toMatch(new RegExp(`^cgpu[/,] ?${version.replace(/\./g, '\\.')}, ${release.replace(/[.+]/g, '\\$&')}, x86_64: installed`, 'm'));
    console.log(`${label}: apt-get update + install cgpu-dkms from the repository (incl. dkms build) ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  });

  it('a tampered Packages file is refused', async () => {
    const r = await box.sh(`printf '%s' '${sources('tampered')}' > /etc/apt/sources.list.d/cgpu.sources; apt-get update 2>&1; echo "@@rc $?"`);
    expect(r.out).toMatch(/(Hash Sum mismatch|unexpected size)/i);
    expect(r.out).not.toMatch(/@@rc 0/);
  });

  it('a Release signed by another key is refused', async () => {
    const r = await box.sh(`printf '%s' '${sources('otherkey')}' > /etc/apt/sources.list.d/cgpu.sources; apt-get update 2>&1; echo "@@rc $?"`);
    expect(r.out).toMatch(/(NO_PUBKEY|not signed|Missing key|signature)/i);
    expect(r.out).not.toMatch(/@@rc 0/);
  });
});
