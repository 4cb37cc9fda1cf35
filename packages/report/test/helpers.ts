/** Builds a report from the fixture dist/ into a temp copy, as `cgpu matrix report` would. */
import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLock, loadMatrix } from '@cgpu/matrix';
import { collectReport, writeReport, type MatrixReport, type ReportFiles } from '../src/index.js';

export const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));

/** `ci` (three stock cells) or `ci-debug` (a stock cell and the debug-6.12 cell). */
export async function fixtureReport(ci: 'ci' | 'ci-debug' = 'ci'): Promise<{ report: MatrixReport; files: ReportFiles; dist: string }> {
  const dist = join(await mkdtemp(join(tmpdir(), 'cgpu-report-')), 'dist');
  await cp(join(fixtures, 'dist'), dist, { recursive: true });
  const status = join(dist, 'report', '.status');
  await mkdir(status, { recursive: true });
  // This run: the 6.1 build ran (its smoke came from the nx cache); the 7.3 smoke ran and failed; arm64 never ran.
  await writeFile(join(status, 'debian12-amd64.build.json'), JSON.stringify({ state: 'passed', durationMs: 41_000 }));
  await writeFile(join(status, 'debian13-bpo73-amd64.smoke.json'), JSON.stringify({ state: 'failed', durationMs: 30_500 }));
  const m = await loadMatrix(join(fixtures, ci, 'matrix.yaml'));
  const lock = await loadLock(join(fixtures, ci, 'kernels.lock'));
  const report = await collectReport(m, lock, dist, status);
  return { report, files: await writeReport(report, dist), dist };
}
