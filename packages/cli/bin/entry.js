// Which code the cgpu CLI runs: the bundle (packages/cli/src/bundle.ts) when every source it was made of is
// unchanged, else dist/. A missing, unreadable or stale bundle only costs the slower load. Plain JS: it runs
// before anything is loaded, like cgpu.js.
import { readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';

/**
 * Where cgpu.js finds dist/, the bundle and the root: the bundle is packages/cli/bundle/ (bundle.ts BUNDLE_DIR).
 * @param {URL} bin the URL of bin/cgpu.js
 * @returns {{ dist: URL, bundle: URL, root: URL }}
 */
export function entryPlaces(bin) {
  return { dist: new URL('../dist/main.js', bin), bundle: new URL('../bundle/', bin), root: new URL('../../../', bin) };
}

/**
 * @param {{ dist: URL, bundle: URL, root: URL }} at dist/main.js, the bundle directory (with a trailing
 *   slash) and the repository root (with a trailing slash) its manifest's paths are relative to
 * @returns {URL} the module to import; `CGPU_NO_BUNDLE=1` asks for dist/
 */
export function cliEntry(at) {
  if (process.env.CGPU_NO_BUNDLE === '1') return at.dist;
  try {
    const manifest = JSON.parse(readFileSync(new URL('manifest.json', at.bundle), 'utf8'));
    const inputs = Object.entries(manifest.inputs);
    if (inputs.length === 0 || typeof manifest.entry !== 'string') return at.dist;
    for (const [file, was] of inputs) {
      const path = new URL(file, at.root);
      // Unchanged as git's index judges it (size, inode, mtime, ctime: bundle.ts BundleInput), else by content.
      const st = statSync(path, { bigint: true });
      if (`${st.size}` === was.size && `${st.ino}` === was.ino && `${st.mtimeNs}` === was.mtimeNs && `${st.ctimeNs}` === was.ctimeNs) continue;
      if (createHash('sha256').update(readFileSync(path)).digest('hex') !== was.sha256) return at.dist;
    }
    return new URL(manifest.entry, at.bundle);
  } catch {
    return at.dist;
  }
}
