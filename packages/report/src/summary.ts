/** summary.md (a CI step summary) and the terminal table: cell, release, patches, build, smoke, fairness, times. */
import type { CellReport, MatrixReport, StageReport } from './model.js';
import { cellPassed } from './model.js';
import { cleanConsole, mdCell, seconds } from './text.js';

export function stageText(s: StageReport): string {
  const t = s.durationMs === undefined ? '' : ` ${seconds(s.durationMs)}`;
  return s.state === 'cached' ? `cached${t}` : `${s.state}${t}`;
}

export const TABLE_HEADER = ['cell', 'release', 'patches', 'build', 'smoke', 'fairness', 'boot'];

export function tableRow(c: CellReport): string[] {
  return [c.cell, c.release, String(c.patches.length), stageText(c.build), stageText(c.smoke), c.fairness, seconds(c.bootMs)];
}

/** The heading of a debug kernel's boot-time warnings, wherever they are listed apart from the reasons. */
export const BOOT_SPLATS_HEADING = "the debug kernel's own boot-time warnings (before insmod; not the module's failure)";

/**
 * What a person needs under the terminal table for a failed cell: its reasons, a debug kernel's boot-time
 * warnings apart from them, the console lines around the failure and how to reproduce it; console text is
 * cleaned of control characters first.
 */
export function failureText(c: CellReport, reportDir: string): string[] {
  const out = [`${cleanConsole(c.cell)} (${cleanConsole(c.release)}): build ${c.build.state}, smoke ${c.smoke.state}`];
  for (const why of c.reasons.length ? c.reasons : ['no reason recorded: see the console log']) out.push(`  - ${cleanConsole(why)}`);
  if (c.bootSplats.length) out.push(`  ${BOOT_SPLATS_HEADING}:`, ...c.bootSplats.map((l) => `    ${cleanConsole(l)}`));
  if (c.excerpt.length) out.push('  console:', ...c.excerpt.map((l) => `    ${cleanConsole(l)}`));
  out.push(`  reproduce: sh ${reportDir}/${c.files.reproduce}`);
  return out;
}

export function summaryMarkdown(r: MatrixReport): string {
  const passed = r.cells.filter(cellPassed).length;
  const lines = [
    `## cgpu matrix: ${passed} of ${r.cells.length} cells passed`,
    '',
    `| ${TABLE_HEADER.join(' | ')} |`,
    `|${TABLE_HEADER.map(() => '---').join('|')}|`,
    ...r.cells.map((c) => `| ${tableRow(c).map((v, i) => (i === 0 ? `${cellPassed(c) ? '✅' : '❌'} ${mdCell(v)}` : mdCell(v))).join(' | ')} |`),
  ];
  const failed = r.cells.filter((c) => !cellPassed(c));
  for (const c of failed) {
    lines.push('', `### ${mdCell(c.cell)} (${mdCell(c.release)})`, '', ...c.reasons.map((why) => `- ${mdCell(why)}`));
    if (c.bootSplats.length) lines.push('', `${BOOT_SPLATS_HEADING[0]!.toUpperCase()}${BOOT_SPLATS_HEADING.slice(1)}:`, '', ...c.bootSplats.map((l) => `- ${mdCell(l)}`));
    if (c.excerpt.length) lines.push('', '```', ...c.excerpt.map((l) => mdCell(l).replace(/```/g, "'''")), '```');
    lines.push('', `Reproduce: \`sh dist/report/${c.files.reproduce}\``);
  }
  lines.push('', `Generated ${r.generatedAt}. Open \`dist/report/index.html\` for the grid.`, '');
  return lines.join('\n');
}
