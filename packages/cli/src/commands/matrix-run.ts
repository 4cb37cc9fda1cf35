/**
 * `cgpu matrix [--only a,b] [--jobs N]`: run the cells' smoke-<cell> targets through nx (nx's cache is the
 * only cache), show one listr2 line per cell, keep going past failures, then print the table and write
 * dist/report/. `cgpu matrix report` writes the report from what dist/ holds (the CI merge job uses it).
 */
import type { Command } from 'commander';
import { Listr } from 'listr2';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readJson, repoRoot, run } from '@cgpu/common';
import { loadLock, loadMatrix, selectCells, type MatrixCell } from '@cgpu/matrix';
import { TABLE_HEADER, cellPassed, collectReport, failureText, tableRow, writeReport, type MatrixReport, type StageStatus } from '@cgpu/report';
import { parsePositiveInt } from '../args.js';
import { bold, green, printJson, printTable, red } from '../output.js';
import { renderer } from '../progress.js';
import { defaultOut } from '@cgpu/pipeline';
import { statusDir } from './matrix-cell.js';
import { remoteCacheEnv } from './matrix-cache.js';

interface RunOpts {
  only?: string;
  jobs?: string;
  json?: boolean;
  verbose?: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function liveTitle(cell: MatrixCell, release: string): Promise<string> {
  const dir = statusDir();
  const b = await readJson<StageStatus & { startedAt: string }>(join(dir, `${cell.name}.build.json`));
  const s = await readJson<StageStatus & { startedAt: string }>(join(dir, `${cell.name}.smoke.json`));
  const since = (x: { startedAt: string }): string => `${((Date.now() - Date.parse(x.startedAt)) / 1000).toFixed(0)} s`;
  if (s?.state === 'running') return `${cell.name} (${release}): smoke running, ${since(s)}`;
  if (s) return `${cell.name} (${release}): smoke ${s.state}`;
  if (b?.state === 'running') return `${cell.name} (${release}): build running, ${since(b)}`;
  if (b?.state === 'failed') return `${cell.name} (${release}): build failed`;
  if (b) return `${cell.name} (${release}): built, waiting for a free QEMU slot`;
  return `${cell.name} (${release}): waiting, or served from the nx cache`;
}

export async function writeMatrixReport(only?: readonly string[]): Promise<{ report: MatrixReport; dir: string }> {
  const m = await loadMatrix();
  const lock = await loadLock();
  const report = await collectReport(m, lock, defaultOut(), statusDir(), only);
  const files = await writeReport(report, defaultOut());
  return { report, dir: files.dir };
}

export function printMatrixTable(r: MatrixReport, reportDir: string): void {
  printTable(TABLE_HEADER, r.cells.map(tableRow));
  const passed = r.cells.filter(cellPassed).length;
  for (const c of r.cells.filter((x) => !cellPassed(x))) process.stdout.write(`\n${failureText(c, reportDir).join('\n')}\n`);
  if (passed !== r.cells.length) process.stdout.write('\n');
  process.stdout.write(`${passed === r.cells.length ? green('PASS') : red('FAIL')} ${passed} of ${r.cells.length} cells passed\n`);
}

export function registerMatrixRun(matrix: Command): void {
  matrix
    .option('--only <cells>', 'comma-separated cell names (default: every cell)')
    .option('--jobs <n>', 'nx --parallel: builds at once (smoke boots always run one at a time)', '2')
    .option('--verbose', 'stream nx output')
    .option('--json', 'print matrix.json instead of the table')
    .action(async (o: RunOpts) => {
      const m = await loadMatrix();
      const lock = await loadLock();
      const cells = selectCells(m, o.only);
      const jobs = parsePositiveInt('--jobs', o.jobs, 64) ?? 2;
      const root = repoRoot();
      const out = defaultOut();
      await rm(statusDir(), { recursive: true, force: true });
      await mkdir(join(out, 'report'), { recursive: true });
      const log: string[] = [];
      const started = Date.now();
      // In-process plugins and no daemon: on 2 busy cores, six plugin workers cost more than the whole warm run.
      const env = { NX_TUI: 'false', NX_NO_CLOUD: 'true', NX_ISOLATE_PLUGINS: 'false', NX_DAEMON: 'false', FORCE_COLOR: '0', ...(await remoteCacheEnv()) };
      const targets = cells.map((c) => `smoke-${c.name}`).join(',');
      const nx = run(join(root, 'node_modules/.bin/nx'), ['run-many', `--targets=${targets}`, '--projects=cgpu-module', `--parallel=${jobs}`, '--outputStyle=stream'], {
        cwd: root,
        env,
        timeoutMs: 6 * 3600_000,
        allowFailure: true,
        purpose: 'running the matrix through nx',
        onLine: (l) => {
          log.push(l);
          if (o.verbose) process.stderr.write(`${l}\n`);
        },
      });
      let done = false;
      const nxDone = nx.finally(() => void (done = true));
      const view = new Listr(
        cells.map((c) => ({
          title: `${c.name} (${lock.cells[c.name]?.release ?? 'unlocked'})`,
          task: async (_ctx: unknown, task: { title: string }) => {
            while (!done) {
              task.title = await liveTitle(c, lock.cells[c.name]?.release ?? 'unlocked');
              await sleep(500);
            }
          },
        })),
        { concurrent: true, exitOnError: false, renderer: o.verbose ? 'silent' : renderer(o.json === true), registerSignalListeners: false },
      );
      await Promise.all([view.run(), nxDone]);
      const result = await nx;
      await writeFile(join(out, 'report', 'nx.log'), `${log.join('\n')}\n`);
      const { report, dir } = await writeMatrixReport(cells.map((c) => c.name));
      if (o.json) printJson(report);
      else {
        printMatrixTable(report, dir);
        process.stdout.write(`${bold('report:')} ${join(dir, 'index.html')} (${((Date.now() - started) / 1000).toFixed(1)} s; nx exit ${result.exitCode}, log ${join(dir, 'nx.log')})\n`);
      }
      if (!report.ok || result.exitCode !== 0) process.exitCode = 1;
    });
  matrix
    .command('report')
    .description('write dist/report/{junit.xml,summary.md,matrix.json,index.html} from what dist/ holds')
    .option('--json', 'print matrix.json')
    .action(async (o: { json?: boolean }) => {
      const { report, dir } = await writeMatrixReport();
      if (o.json) return printJson(report);
      printMatrixTable(report, dir);
      process.stdout.write(`${join(dir, 'index.html')}\n`);
      if (!report.ok) process.exitCode = 1;
    });
}

/** Names of the cells whose tasks really ran in the last `cgpu matrix` (for tests and the bench). */
export async function ranStages(): Promise<string[]> {
  try {
    return (await readdir(statusDir())).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
  } catch {
    return [];
  }
}
