/** Output helpers: tables for people, JSON for machines, colour only when wanted (NO_COLOR honoured). */
import { isCgpuError, errorText } from '@cgpu/common';

export interface GlobalOptions {
  json?: boolean;
}

export const useColor = (): boolean => !process.env['NO_COLOR'] && process.stdout.isTTY === true && process.env['TERM'] !== 'dumb';

const paint = (code: number) => (s: string): string => (useColor() ? `\u001b[${code}m${s}\u001b[0m` : s);
export const red = paint(31);
export const green = paint(32);
export const dim = paint(2);
export const bold = paint(1);

export function printJson(data: unknown): void {
  process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
}

/** A plain aligned table; `rows` are arrays of cells. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  process.stdout.write(`${bold(line(header))}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

/** Report an error on stderr (and as JSON on stdout with --json); returns the exit code. */
export function reportError(e: unknown, json: boolean): number {
  if (isCgpuError(e)) {
    if (json) printJson({ ok: false, error: e.toJSON() });
    process.stderr.write(`${red('error:')} ${e.message}\n`);
    if (e.hint) process.stderr.write(`${dim('hint:')} ${e.hint}\n`);
    return e.exitCode;
  }
  if (json) printJson({ ok: false, error: { code: 'INTERNAL', message: errorText(e) } });
  process.stderr.write(`${red('internal error:')} ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 1;
}

export function warn(msg: string): void {
  process.stderr.write(`${dim('warning:')} ${msg}\n`);
}

export function humanSize(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} KiB`;
  return `${n} B`;
}
