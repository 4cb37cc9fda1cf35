/** Write dist/report/{junit.xml,summary.md,matrix.json,index.html} and cells/<cell>/reproduce.sh. */
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readJson, writeFileAtomic } from '@cgpu/common';
import type { SmokeResult } from '@cgpu/vmtest';
import { indexHtml } from './html.js';
import { mergedJunit, type CellDetail } from './junit.js';
import type { MatrixReport } from './model.js';
import { reproduceScript } from './reproduce.js';
import { summaryMarkdown } from './summary.js';
import { cleanConsole } from './text.js';

export interface ReportFiles {
  dir: string;
  junit: string;
  summary: string;
  json: string;
  html: string;
}

async function consoleTail(path: string, n = 60): Promise<string[]> {
  try {
    return cleanConsole(await readFile(path, 'utf8')).split('\n').slice(-n);
  } catch {
    return [];
  }
}

export async function writeReport(r: MatrixReport, distDir: string, reportDir: string = join(distDir, 'report')): Promise<ReportFiles> {
  await mkdir(reportDir, { recursive: true });
  const details = new Map<string, CellDetail>();
  for (const c of r.cells) {
    const smoke = c.smoke.state === 'skipped' ? undefined : await readJson<SmokeResult>(join(distDir, c.release, 'smoke.json'));
    details.set(c.cell, { report: c, ...(smoke ? { smoke } : {}), consoleTail: smoke ? await consoleTail(join(distDir, c.release, 'console.log')) : [] });
    const dir = join(reportDir, 'cells', c.cell);
    await mkdir(dir, { recursive: true });
    const script = join(dir, 'reproduce.sh');
    await writeFileAtomic(script, reproduceScript(c));
    await chmod(script, 0o755);
  }
  const files: ReportFiles = {
    dir: reportDir,
    junit: join(reportDir, 'junit.xml'),
    summary: join(reportDir, 'summary.md'),
    json: join(reportDir, 'matrix.json'),
    html: join(reportDir, 'index.html'),
  };
  await writeFileAtomic(files.junit, mergedJunit(r, details));
  await writeFileAtomic(files.summary, summaryMarkdown(r));
  await writeFileAtomic(files.json, `${JSON.stringify(r, null, 2)}\n`);
  await writeFileAtomic(files.html, indexHtml(r));
  return files;
}
