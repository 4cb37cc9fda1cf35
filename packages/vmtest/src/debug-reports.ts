/**
 * What a debug kernel (KASAN, UBSAN, kmemleak, lockdep, DEBUG_ATOMIC_SLEEP, debugobjects) reports, as named
 * splat kinds, and the kmemleak scan the init script prints after unload. Report formats: the 6.12 sources
 * (mm/kasan/report.c, lib/ubsan.c, kernel/locking/lockdep.c, kernel/sched/core.c __might_resched,
 * lib/debugobjects.c, mm/kmemleak.c print_unreferenced).
 */

/** Checked before the generic kinds, so a KASAN report is "KASAN", not just "BUG". */
export const DEBUG_SPLATS: Array<[RegExp, string]> = [
  [/\bBUG: KASAN: /, 'KASAN'],
  [/\bUBSAN: /, 'UBSAN'],
  [
    /possible (recursive|circular) locking|possible irq lock inversion|inconsistent lock state|bad unlock balance|held lock freed|lock held when returning|Invalid wait context|suspicious RCU usage|DEBUG_LOCKS_WARN_ON/,
    'lockdep',
  ],
  [/BUG: sleeping function called from invalid context|BUG: scheduling while atomic/, 'sleep in atomic'],
  [/\bODEBUG: /, 'debugobjects'],
];

/** The printk timestamp of a console or dmesg line, in seconds since boot. */
export function printkTime(line: string): number | undefined {
  const m = line.match(/\[\s*(\d+\.\d+)\]/);
  return m ? Number(m[1]) : undefined;
}

export interface LeakObject {
  /** `unreferenced object 0x... (size N):` */
  header: string;
  size: number;
  comm: string;
  frames: string[];
  /** Allocated by the module: a frame names it, or is an address in the module area (see below). */
  byModule: boolean;
}

/**
 * A frame of the module: named `[cgpu]` / `cgpu_*` while it is loaded; after rmmod kallsyms can no longer name
 * it and kmemleak prints the bare address. The smoke guest loads no module but cgpu.ko, so a bare address
 * in the x86_64 module area (MODULES_VADDR 0xffffffffa0000000 or ...c0000000 up to MODULES_END
 * 0xffffffffff000000, arch/x86/include/asm/pgtable_64_types.h) is cgpu's.
 */
export function isModuleFrame(frame: string, module = 'cgpu'): boolean {
  if (frame.includes(`[${module}]`) || new RegExp(`(^|\\s)${module}_\\w+\\+0x`).test(frame)) return true;
  const m = frame.trim().match(/^0x([0-9a-f]{16})$/);
  if (!m) return false;
  const a = BigInt(`0x${m[1]}`);
  return a >= 0xffffffffa0000000n && a < 0xffffffffff000000n;
}

/** Parse the `<mark> kmemleak <line>` lines: /sys/kernel/debug/kmemleak after two scans. */
export function parseKmemleak(lines: readonly string[], prefix: string): LeakObject[] {
  const out: LeakObject[] = [];
  let cur: LeakObject | undefined;
  let inTrace = false;
  for (const raw of lines) {
    const at = raw.indexOf(prefix);
    if (at < 0) continue;
    const line = raw.slice(at + prefix.length);
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^unreferenced object \S+ \(size (\d+)\):/))) {
      cur = { header: line.trim(), size: Number(m[1]), comm: '', frames: [], byModule: false };
      out.push(cur);
      inTrace = false;
    } else if (!cur) {
      continue;
    } else if ((m = line.match(/^\s+comm "([^"]*)"/))) {
      cur.comm = m[1]!;
    } else if (/^\s+backtrace/.test(line)) {
      inTrace = true;
    } else if (/^\s+hex dump/.test(line)) {
      inTrace = false;
    } else if (inTrace && line.trim() !== '') {
      const frame = line.trim().replace(/^\[<[0-9a-f]+>\]\s*/, '');
      cur.frames.push(frame);
      if (isModuleFrame(frame)) cur.byModule = true;
    }
  }
  return out;
}

/** One reason line for the module's leaks, or undefined when it has none. */
export function leakReason(objs: readonly LeakObject[]): string | undefined {
  const mine = objs.filter((o) => o.byModule);
  if (mine.length === 0) return undefined;
  const f = mine[0]!;
  const trace = f.frames.slice(0, 6).join(' < ');
  return `kmemleak: ${mine.length} unreferenced object${mine.length > 1 ? 's' : ''} allocated by cgpu after unload; first: size ${f.size}, comm "${f.comm}", backtrace ${trace}`;
}
