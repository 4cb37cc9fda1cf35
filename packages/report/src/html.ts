/**
 * index.html: a kernel x arch grid a person reads at a glance. The page carries matrix.json and draws the
 * grid from it in the browser, so what a browser shows is what matrix.json says (the Chromium test checks).
 * Each cell opens its verdict, a console excerpt and links to reproduce.sh, console.log and smoke.json.
 */
import type { MatrixReport } from './model.js';
import { BOOT_SPLATS_HEADING } from './summary.js';
import { escapeXml } from './text.js';

/** JSON inside <script>: no `</script>`, no `<!--`, no U+2028/9 surprises. */
function scriptJson(data: unknown): string {
  return JSON.stringify(data).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table.grid { border-collapse: collapse; }
.grid th, .grid td { border: 1px solid #ccc; padding: .4em .6em; vertical-align: top; text-align: left; }
.grid td.pass { background: #dff5df; }
.grid td.fail { background: #fadada; }
.grid td.none { background: #f4f4f4; color: #888; }
.grid summary { cursor: pointer; font-weight: 600; }
pre { background: #111; color: #eee; padding: .5em; max-width: 70em; overflow-x: auto; font-size: 12px; }
.meta { color: #555; font-size: 12px; }
.boot-splat { color: #555; font-size: 12px; font-family: monospace; }
`;

// Runs in the browser: builds the grid from the embedded report (textContent only: console text is never HTML).
const SCRIPT = `
(function () {
  var BOOT_SPLATS_HEADING = ${JSON.stringify(BOOT_SPLATS_HEADING)};
  var r = JSON.parse(document.getElementById('matrix-data').textContent);
  var arches = [];
  var rows = [];
  r.cells.forEach(function (c) {
    if (arches.indexOf(c.arch) < 0) arches.push(c.arch);
    var key = c.distro + ' · ' + c.suite + ' · ' + c.series;
    if (rows.indexOf(key) < 0) rows.push(key);
  });
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function ok(c) {
    return (c.build.state === 'passed' || c.build.state === 'cached') && (c.smoke.state === 'passed' || c.smoke.state === 'cached');
  }
  var table = el('table', { 'class': 'grid', id: 'grid' });
  var head = el('tr');
  head.appendChild(el('th', {}, 'kernel'));
  arches.forEach(function (a) { head.appendChild(el('th', {}, a)); });
  table.appendChild(head);
  rows.forEach(function (key) {
    var tr = el('tr');
    tr.appendChild(el('th', {}, key));
    arches.forEach(function (a) {
      var c = r.cells.filter(function (x) { return x.arch === a && (x.distro + ' · ' + x.suite + ' · ' + x.series) === key; })[0];
      if (!c) { tr.appendChild(el('td', { 'class': 'none' }, 'not in the matrix')); return; }
      var verdict = ok(c) ? 'pass' : 'fail';
      var td = el('td', { 'class': verdict, 'data-cell': c.cell, 'data-verdict': verdict });
      var d = el('details');
      d.appendChild(el('summary', {}, (verdict === 'pass' ? 'PASS ' : 'FAIL ') + c.release));
      d.appendChild(el('div', { 'class': 'meta' }, 'build ' + c.build.state + ', smoke ' + c.smoke.state + ', ' + c.checks.passed + ' checks passed, ' + c.checks.failed + ' failed; fairness ' + c.fairness));
      d.appendChild(el('div', { 'class': 'meta' }, 'patches: ' + (c.patches.join(', ') || 'none') + (c.image ? '; image ' + c.image : '')));
      c.reasons.forEach(function (why) { d.appendChild(el('div', { 'class': 'reason' }, why)); });
      if (c.bootSplats && c.bootSplats.length) {
        d.appendChild(el('div', { 'class': 'meta' }, BOOT_SPLATS_HEADING + ':'));
        c.bootSplats.forEach(function (l) { d.appendChild(el('div', { 'class': 'boot-splat' }, l)); });
      }
      if (c.excerpt.length) d.appendChild(el('pre', {}, c.excerpt.join('\\n')));
      var links = el('div', { 'class': 'links' });
      [['reproduce.sh', c.files.reproduce], ['console.log', c.files.console], ['smoke.json', c.files.smoke], ['build.json', c.files.build]].forEach(function (l) {
        if (!l[1]) return;
        links.appendChild(el('a', { href: l[1] }, l[0]));
        links.appendChild(document.createTextNode(' '));
      });
      d.appendChild(links);
      td.appendChild(d);
      tr.appendChild(td);
    });
    table.appendChild(tr);
  });
  document.getElementById('grid-here').appendChild(table);
  var passed = r.cells.filter(ok).length;
  document.getElementById('headline').textContent = passed + ' of ' + r.cells.length + ' cells passed';
})();
`;

export function indexHtml(r: MatrixReport): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<title>cgpu matrix</title>',
    `<style>${STYLE}</style></head><body>`,
    '<h1>cgpu matrix: <span id="headline"></span></h1>',
    `<p class="meta">Generated ${escapeXml(r.generatedAt)} · data: <a href="matrix.json">matrix.json</a>, <a href="junit.xml">junit.xml</a>, <a href="summary.md">summary.md</a></p>`,
    '<div id="grid-here"></div>',
    '<noscript>This page draws its grid with JavaScript; summary.md has the same table.</noscript>',
    `<script type="application/json" id="matrix-data">${scriptJson(r)}</script>`,
    `<script>${SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
