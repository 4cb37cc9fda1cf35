/** One JUnit file for the whole matrix: a testsuite per cell (build, each smoke check, the run verdict). */
import type { SmokeResult } from '@cgpu/vmtest';
import type { CellReport, MatrixReport } from './model.js';
import { escapeXml as x } from './text.js';

export interface CellDetail {
  report: CellReport;
  smoke?: SmokeResult;
  consoleTail: string[];
}

function testcase(cls: string, name: string, state: 'ok' | 'failed' | 'skipped', message = '', body = '', timeS?: number): string {
  const t = timeS === undefined ? '' : ` time="${timeS.toFixed(3)}"`;
  const open = `    <testcase classname="${x(cls)}" name="${x(name)}"${t}`;
  if (state === 'ok') return `${open}/>`;
  if (state === 'skipped') return `${open}><skipped message="${x(message)}"/></testcase>`;
  return `${open}><failure message="${x(message)}">${x(body)}</failure></testcase>`;
}

export function mergedJunit(r: MatrixReport, details: ReadonlyMap<string, CellDetail>): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  for (const c of r.cells) {
    const d = details.get(c.cell);
    const cls = `cgpu.matrix.${c.cell}`;
    const cases: string[] = [];
    const b = c.build;
    cases.push(testcase(cls, `build ${c.release}`, b.state === 'failed' ? 'failed' : b.state === 'skipped' ? 'skipped' : 'ok', b.error ?? (b.state === 'skipped' ? 'not run' : ''), [b.error ?? '', ...c.excerpt].join('\n'), b.durationMs === undefined ? undefined : b.durationMs / 1000));
    const sm = d?.smoke;
    if (sm && c.smoke.state !== 'skipped') {
      for (const ch of sm.checks) cases.push(testcase(`${cls}.smoke${ch.abi}`, ch.name, ch.ok ? 'ok' : 'failed', ch.name, ch.name));
      cases.push(testcase(cls, 'boot, load, unload, no splat, clean taint', sm.ok ? 'ok' : 'failed', sm.reasons[0] ?? '', [...sm.reasons, '', ...sm.excerpt].join('\n'), sm.timings.wallMs / 1000));
    } else {
      cases.push(testcase(cls, 'smoke', c.smoke.state === 'failed' ? 'failed' : 'skipped', c.smoke.error ?? 'not run: the build did not pass', c.smoke.error ?? ''));
    }
    const nFail = cases.filter((s) => s.includes('<failure')).length;
    const nSkip = cases.filter((s) => s.includes('<skipped')).length;
    tests += cases.length;
    failures += nFail;
    skipped += nSkip;
    const out = d?.consoleTail.length ? `\n    <system-out>${x(d.consoleTail.join('\n'))}</system-out>` : '';
    suites.push(
      `  <testsuite name="${x(cls)}" tests="${cases.length}" failures="${nFail}" skipped="${nSkip}" timestamp="${x(r.generatedAt)}">\n${cases.join('\n')}${out}\n  </testsuite>`,
    );
  }
  return ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="cgpu matrix" tests="${tests}" failures="${failures}" skipped="${skipped}">`, ...suites, '</testsuites>', ''].join('\n');
}
