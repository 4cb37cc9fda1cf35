/** reproduce.sh for one cell: the builder image, the lock entry, the patches and the qemu command, to rerun by hand. */
import { basename } from 'node:path';
import { shQuote } from '@cgpu/common';
import { qemuArgs, qemuBinary } from '@cgpu/vmtest';
import type { CellReport } from './model.js';
import { cleanConsole } from './text.js';

export function reproduceScript(c: CellReport): string {
  const e = c.lockEntry;
  // The smoke run's firmware by its bare name: QEMU looks that up in its own data directories, so the script
  // also works where QEMU keeps them elsewhere (/usr/local, Homebrew, Nix).
  const firmware = c.firmware ? { firmware: { name: 'qboot' as const, file: basename(c.firmware), why: 'as in the smoke run' } } : {};
  const qemu = [qemuBinary(e.arch), ...qemuArgs({ arch: e.arch, kernel: '"$VMLINUZ"', initrd: '"$INITRD"', append: [], accel: 'tcg', timeoutMs: 0, ...firmware })]
    .map((a) => (a.startsWith('"$') ? a : /^[\w@%+=:,./-]+$/.test(a) ? a : shQuote(a)))
    .join(' ');
  // A debug cell's kernel is not in the archive: it is the build-debug kernel of the locked plan.
  const kernel = e.debug
    ? {
        pinned: `# Run from anywhere inside the cgpu repository; it uses the debug kernel built from the plan pinned in ci/kernels.lock (key ${e.debug.key.slice(0, 16)}).`,
        how: `(the debug kernel of the locked plan, built first when missing: ~20 min cold on 2 cores; patches checked against the lock)`,
        vmlinuz: `VMLINUZ="$(./cgpu kernels build-debug ${e.series} --json | jq -r .files.vmlinuz)"`,
        from: 'the debug-kernel cache',
      }
    : {
        pinned: '# Run from anywhere inside the cgpu repository; it uses exactly the kernel pinned in ci/kernels.lock.',
        how: '(locked debs, SHA256-checked; patches checked against the lock)',
        vmlinuz: `VMLINUZ="$(./cgpu kernels fetch ${e.release} --arch ${e.arch} --offline --json | jq -r .vmlinuz)"`,
        from: 'the fetched image deb',
      };
  return [
    '#!/bin/sh',
    `# Reproduce matrix cell ${c.cell} by hand: ${cleanConsole(c.distro)} ${e.arch}, kernel ${e.release} (${e.packageVersion}).`,
    kernel.pinned,
    'set -eu',
    'cd "$(git rev-parse --show-toplevel)"',
    '',
    `# Builder image: ${c.image ?? '(not built yet; `cgpu build` makes it)'}`,
    `# Compiler: ${c.gcc ?? e.gcc}`,
    `# Patches (probe-selected, locked): ${e.patches.map((p) => p.file).join(' ') || 'none'}`,
    '# Lock entry:',
    ...JSON.stringify(e, null, 2).split('\n').map((l) => `#   ${cleanConsole(l)}`),
    '',
    `# 1. The same cell through the toolchain ${kernel.how}:`,
    `./cgpu matrix cell ${c.cell} build`,
    `./cgpu matrix cell ${c.cell} smoke --accel tcg --verbose`,
    '',
    `# 2. Or boot it by hand, as cgpu smoke does (VMLINUZ from ${kernel.from}, INITRD from the smoke run):`,
    kernel.vmlinuz,
    'INITRD="${INITRD:?set INITRD to an initramfs made by cgpu smoke (its smoke.json says which: .initrd)}"',
    `exec ${qemu}`,
    '',
  ].join('\n');
}
