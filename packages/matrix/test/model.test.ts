import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MatrixError, isDebugCell, loadMatrix, parseMatrix, selectCells } from '../src/model.js';

const fixture = readFileSync(new URL('./fixtures/matrix.yaml', import.meta.url), 'utf8');

describe('parseMatrix', () => {
  it('reads the cells in order with every field', () => {
    const m = parseMatrix(fixture);
    expect(m.cells.map((c) => c.name)).toEqual(['debian12-amd64', 'debian12-bpo-amd64', 'debian13-arm64']);
    expect(m.cells[1]).toEqual({ name: 'debian12-bpo-amd64', distro: 'Debian 12 backports', suite: 'bookworm-backports', series: '6.12', arch: 'amd64' });
  });

  it.each([
    ['cells: []', /non-empty "cells"/],
    ['cells: [{ name: a, distro: D, suite: bookworm, series: "6.1", arch: amd64 }, { name: a, distro: D, suite: bookworm, series: "6.1", arch: amd64 }]', /appears twice/],
    ['cells: [{ name: a, distro: D, suite: debian-12, series: "6.1", arch: amd64 }]', /unknown suite "debian-12"/],
    ['cells: [{ name: a, distro: D, suite: bookworm, series: "6", arch: amd64 }]', /not MAJOR.MINOR/],
    ['cells: [{ name: a, distro: D, suite: bookworm, series: "6.1", arch: i386 }]', /arch "i386"/],
    ['cells: [{ name: A_b, distro: D, suite: bookworm, series: "6.1", arch: amd64 }]', /lower-case/],
    ['cells: [{ name: a, distro: D, suite: bookworm, series: "6.1", arch: amd64, flavour: rt }]', /unknown field\(s\) flavour/],
    ['cells: [{ name: a, distro: D, suite: bookworm, series: "6.1", arch: amd64, kernel: x }]', /kernel "x" is not stock or debug/],
    ['cells: [{ name: a, distro: D, suite: trixie, series: "6.12", arch: arm64, kernel: debug }]', /kernel: debug is amd64 only .*not arm64/],
    ['cells: [{ name: a, distro: D, suite: bookworm, series: "6.1", arch: amd64, kernel: debug }]', /does not support series 6\.1; it builds 6\.12 \(trixie\)/],
    ['cells: [{ name: a, distro: D, suite: bookworm-backports, series: "6.12", arch: amd64, kernel: debug }]', /built from trixie's linux-source-6\.12, so its suite is trixie, not bookworm-backports/],
    ['cells: [{ name: a, suite: bookworm, series: "6.1", arch: amd64 }]', /"distro" must be/],
    ['cells: [ {', /not valid YAML/],
  ])('rejects %s', (text, msg) => {
    expect(() => parseMatrix(text)).toThrow(MatrixError);
    expect(() => parseMatrix(text)).toThrow(msg);
  });

  it('reads kernel: debug, and leaves kernel out of stock cells (explicit or default) so their lock entries keep their text', () => {
    const m = parseMatrix([
      'cells:',
      '  - { name: debug-6.12, distro: Debian 13 (debug build), suite: trixie, series: "6.12", arch: amd64, kernel: debug }',
      '  - { name: stock, distro: Debian 13, suite: trixie, series: "6.12", arch: amd64, kernel: stock }',
      '  - { name: plain, distro: Debian 13, suite: trixie, series: "6.12", arch: amd64 }',
    ].join('\n'));
    expect(m.cells[0]).toEqual({ name: 'debug-6.12', distro: 'Debian 13 (debug build)', suite: 'trixie', series: '6.12', arch: 'amd64', kernel: 'debug' });
    expect(m.cells.map(isDebugCell)).toEqual([true, false, false]);
    expect(m.cells[1]).not.toHaveProperty('kernel');
    expect(m.cells[1]).toEqual({ ...m.cells[2], name: 'stock' });
  });

  it('the checked-in ci/matrix.yaml has the cells the issue asks for', async () => {
    const m = await loadMatrix(new URL('../../../ci/matrix.yaml', import.meta.url).pathname);
    const key = (c: { suite: string; series: string; arch: string }): string => `${c.suite}/${c.series}/${c.arch}`;
    expect(m.cells.map(key)).toEqual(expect.arrayContaining([
      'bullseye/5.10/amd64', 'bookworm/6.1/amd64', 'bookworm-backports/6.12/amd64', 'trixie/6.12/amd64',
      'trixie-backports/7.2/amd64', 'trixie-backports/7.3/amd64', 'sid/7.2/amd64', 'bookworm/6.1/arm64', 'trixie/6.12/arm64',
    ]));
    // Issue 14: the debug kernel is a cell like any other.
    expect(m.cells.find((c) => c.name === 'debug-6.12')).toEqual({ name: 'debug-6.12', distro: 'Debian 13 (debug build)', suite: 'trixie', series: '6.12', arch: 'amd64', kernel: 'debug' });
  });
});

describe('selectCells', () => {
  const m = parseMatrix(fixture);
  it('keeps matrix order and rejects unknown names', () => {
    expect(selectCells(m, 'debian13-arm64,debian12-amd64').map((c) => c.name)).toEqual(['debian12-amd64', 'debian13-arm64']);
    expect(selectCells(m).length).toBe(3);
    expect(() => selectCells(m, 'debian99')).toThrow(/no cell named debian99/);
  });
});
