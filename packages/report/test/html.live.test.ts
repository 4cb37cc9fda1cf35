import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '@cgpu/common';
import type { MatrixReport } from '../src/index.js';
import { fixtureReport } from './helpers.js';

/** Debian's chromium, headless, with nothing that talks to the network and a profile of its own. */
async function dumpDom(file: string): Promise<string> {
  const profile = await mkdtemp(join(tmpdir(), 'cgpu-chromium-'));
  try {
    const r = await run(
      'chromium',
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, '--dump-dom', pathToFileURL(file).href],
      { timeoutMs: 120_000, purpose: 'rendering index.html in headless Chromium' },
    );
    return r.stdout;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

describe('index.html in headless Chromium', () => {
  it('draws a kernel x arch grid whose cells and verdicts are those of matrix.json', async () => {
    const { files } = await fixtureReport();
    const dom = await dumpDom(files.html);
    const json = JSON.parse(await readFile(files.json, 'utf8')) as MatrixReport;
    // What the browser built (the page draws the grid from its data with JavaScript).
    const drawn = [...dom.matchAll(/<td class="(pass|fail)" data-cell="([^"]+)" data-verdict="(pass|fail)">/g)].map((m) => [m[2], m[3]]);
    const want = json.cells.map((c) => [c.cell, ['passed', 'cached'].includes(c.build.state) && ['passed', 'cached'].includes(c.smoke.state) ? 'pass' : 'fail']);
    expect(drawn.sort()).toEqual(want.sort());
    expect(drawn).toHaveLength(3);
    // Columns are the arches, rows the kernels; a kernel missing on an arch is a grey cell.
    expect(dom).toMatch(/<tr><th>kernel<\/th><th>amd64<\/th><th>arm64<\/th><\/tr>/);
    expect(dom.match(/<td class="none">/g)?.length).toBe(3);
    expect(dom).toContain('<span id="headline">1 of 3 cells passed</span>');
    // Each cell opens its verdict, console excerpt and reproduce.sh; console text stays text.
    expect(dom).toContain('<a href="cells/debian13-bpo73-amd64/reproduce.sh">reproduce.sh</a>');
    expect(dom).toContain('bad &lt;xml&gt; &amp; "quotes"');
    expect(dom).not.toContain('<xml>');
  });
});
