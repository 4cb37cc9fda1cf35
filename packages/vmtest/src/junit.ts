/** JUnit XML for CI systems: one test case per smoke check, plus one for the run as a whole. */
import type { Verdict } from './verdict.js';

const esc = (s: string): string => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

export function junitXml(suite: string, v: Verdict, seconds: number): string {
  const cases = v.checks.map(
    (c) =>
      `    <testcase classname="${esc(suite)}.smoke${c.abi}" name="${esc(c.name)}">${c.ok ? '' : `<failure message="${esc(c.name)}"/>`}</testcase>`,
  );
  const run = v.ok
    ? `    <testcase classname="${esc(suite)}" name="boot, load, unload, no splat, clean taint"/>`
    : `    <testcase classname="${esc(suite)}" name="boot, load, unload, no splat, clean taint"><failure message="${esc(v.reasons[0] ?? '')}">${esc([...v.reasons, '', ...v.excerpt].join('\n'))}</failure></testcase>`;
  const failures = v.checks.filter((c) => !c.ok).length + (v.ok ? 0 : 1);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites><testsuite name="${esc(suite)}" tests="${v.checks.length + 1}" failures="${failures}" time="${seconds.toFixed(3)}">`,
    ...cases,
    run,
    '</testsuite></testsuites>',
    '',
  ].join('\n');
}
