// Fetch a Debian *-dkms package (signed index, SHA256-checked) and unpack its /usr/src/<name>-<ver>/ tree.
// usage: node bench/dkms-tree.mjs <suite> <package> <dest-dir>   prints the tree's path
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '@cgpu/common';
import { ensureDeb, resolvePackage } from '@cgpu/kernels';

const [suite, name, dest] = process.argv.slice(2);
if (!suite || !name || !dest) {
  process.stderr.write('usage: node bench/dkms-tree.mjs <suite> <package> <dest-dir>\n');
  process.exit(2);
}
const deb = await resolvePackage(suite, 'amd64', name);
const { path } = await ensureDeb(deb);
const root = join(dest, `${name}_${deb.version.replace(/[^A-Za-z0-9.+~-]/g, '_')}`);
await mkdir(root, { recursive: true });
await run('dpkg-deb', ['-x', path, root], { timeoutMs: 120_000, purpose: `unpacking ${name}` });
const trees = (await readdir(join(root, 'usr/src'))).filter((d) => !d.startsWith('.'));
if (trees.length !== 1) throw new Error(`${name}: expected one tree in /usr/src, found ${trees.join(', ')}`);
process.stdout.write(`${join(root, 'usr/src', trees[0])}\n`);
