// Debug-kernel reports in the verdict. The kmemleak lines follow print_unreferenced() of mm/kmemleak.c
// (6.12), the KASAN and lockdep first lines mm/kasan/report.c and kernel/locking/lockdep.c; the rest of each
// console is the real 6.1 golden log (fixtures/consoles/6.1-amd64-good.log).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isModuleFrame, parseKmemleak } from '../src/debug-reports.js';
import { parseConsole } from '../src/verdict.js';

const good = readFileSync(new URL('./fixtures/consoles/6.1-amd64-good.log', import.meta.url), 'utf8').split('\n');
const at = (re: RegExp): number => good.findIndex((l) => re.test(l));
const insert = (i: number, ...lines: string[]): string[] => [...good.slice(0, i), ...lines, ...good.slice(i)];

const LEAK = [
  '@@cgpu kmemleak unreferenced object 0xffff888004b7c400 (size 256):',
  '@@cgpu kmemleak   comm "cgpu-smoke", pid 77, jiffies 4294893022',
  '@@cgpu kmemleak   hex dump (first 32 bytes):',
  '@@cgpu kmemleak     61 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  a...............',
  '@@cgpu kmemleak   backtrace (crc 5d1f3a7b):',
  '@@cgpu kmemleak     __kmalloc_cache_noprof+0x2a1/0x3b0',
  '@@cgpu kmemleak     0xffffffffc0201a47',
  '@@cgpu kmemleak     proc_reg_write+0x1c4/0x270',
  '@@cgpu kmemleak     vfs_write+0x21b/0xe40',
];
const KERNEL_LEAK = [
  '@@cgpu kmemleak unreferenced object 0xffff888003a1e000 (size 64):',
  '@@cgpu kmemleak   comm "swapper/0", pid 1, jiffies 4294892000',
  '@@cgpu kmemleak   backtrace (crc 0):',
  '@@cgpu kmemleak     __kmalloc_noprof+0x2e5/0x420',
  '@@cgpu kmemleak     acpi_ds_build_internal_package_obj+0x1d8/0x3a0',
];

describe('debug kernel verdict', () => {
  it('a module frame: named while loaded, a bare module-area address after unload', () => {
    expect(isModuleFrame('cgpu_instance_create_locked+0x45/0x300 [cgpu]')).toBe(true);
    expect(isModuleFrame('0xffffffffc0201a47')).toBe(true);
    expect(isModuleFrame('0xffffffff81234567')).toBe(false);
    expect(isModuleFrame('acpi_ds_build_internal_package_obj+0x1d8/0x3a0')).toBe(false);
  });

  it('kmemleak objects allocated by the module fail the run; the kernel\'s own are only listed', () => {
    const i = at(/@@cgpu taint-after/);
    const v = parseConsole(insert(i, ...KERNEL_LEAK, ...LEAK), { timedOut: false, expect32: true, debugKernel: true });
    expect(parseKmemleak(insert(i, ...LEAK), '@@cgpu kmemleak ').map((o) => o.byModule)).toEqual([true]);
    expect(v.leaks.map((o) => o.byModule)).toEqual([false, true]);
    expect(v.ok).toBe(false);
    expect(v.reasons).toEqual([expect.stringMatching(/^kmemleak: 1 unreferenced object allocated by cgpu after unload; first: size 256, comm "cgpu-smoke", backtrace __kmalloc_cache_noprof\+0x2a1\/0x3b0 < 0xffffffffc0201a47/)]);
    const kernelOnly = parseConsole(insert(i, ...KERNEL_LEAK), { timedOut: false, expect32: true, debugKernel: true });
    expect(kernelOnly.ok).toBe(true);
    expect(kernelOnly.leaks).toHaveLength(1);
  });

  it('a boot-time warning of a debug kernel is reported apart and does not fail the run; after load it does', () => {
    const boot = '[    1.234567] WARNING: CPU: 0 PID: 1 at arch/x86/kernel/cpu/bugs.c:1234 some_boot_check+0x10/0x20';
    const lines = insert(at(/@@cgpu stage load/), boot).map((l) => l.replace('taint-before 0', 'taint-before 512').replace('taint-after 12288', 'taint-after 12800'));
    const v = parseConsole([...lines, `@@cgpu dmesg ${boot}`], { timedOut: false, expect32: true, debugKernel: true });
    expect(v.ok, v.reasons.join('\n')).toBe(true);
    expect(v.bootSplats).toEqual([`WARNING: ${boot}`]);
    // the same console on a stock kernel: every splat fails, as before
    expect(parseConsole(lines, { timedOut: false, expect32: true }).ok).toBe(false);
    const kasan = '[   20.5] BUG: KASAN: slab-use-after-free in mutex_destroy+0x6d/0x80';
    const after = parseConsole(insert(at(/@@cgpu stage unload /), kasan), { timedOut: false, expect32: true, debugKernel: true });
    expect(after.reasons).toEqual([expect.stringMatching(/^kernel splat: KASAN: .*slab-use-after-free in mutex_destroy/)]);
  });

  it('lockdep and sleep-in-atomic reports are named', () => {
    const i = at(/@@cgpu stage unload /);
    const lock = parseConsole(insert(i, '[   30.1] WARNING: possible circular locking dependency detected'), { timedOut: false, expect32: true, debugKernel: true });
    expect(lock.reasons[0]).toMatch(/^kernel splat: lockdep: \[ *30.1\] WARNING: possible circular locking dependency detected/);
    const sleep = parseConsole(insert(i, '[   30.1] BUG: sleeping function called from invalid context at include/linux/sched/mm.h:321'), { timedOut: false, expect32: true, debugKernel: true });
    expect(sleep.reasons[0]).toMatch(/^kernel splat: sleep in atomic: \[ *30.1\] BUG: sleeping function called from invalid context/);
  });
});
