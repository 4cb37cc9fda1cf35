/** `cgpu patches audit`: which locked cells apply each patch of the series; a patch no cell needs is a warning. */
import type { SeriesPatch } from '@cgpu/patches';
import type { KernelsLock } from './lock.js';

export interface PatchUse {
  name: string;
  file: string;
  cells: string[];
  /** The releases of those cells. */
  releases: string[];
}

export function auditPatches(patches: readonly Pick<SeriesPatch, 'name' | 'file'>[], lock: KernelsLock): { uses: PatchUse[]; unused: string[]; unknown: string[] } {
  const uses = patches.map((p) => {
    const cells = Object.entries(lock.cells).filter(([, e]) => e.patches.some((x) => x.name === p.name));
    return { name: p.name, file: p.file, cells: cells.map(([n]) => n), releases: cells.map(([, e]) => e.release) };
  });
  const names = new Set(patches.map((p) => p.name));
  const unknown = [...new Set(Object.values(lock.cells).flatMap((e) => e.patches.map((p) => p.name)).filter((n) => !names.has(n)))];
  return { uses, unused: uses.filter((u) => u.cells.length === 0).map((u) => u.name), unknown };
}

/** The cells whose lock entry applies a patch file: exactly those an edit of that file must rebuild. */
export function cellsUsingPatch(lock: KernelsLock, file: string): string[] {
  return Object.entries(lock.cells).filter(([, e]) => e.patches.some((p) => p.file === file)).map(([n]) => n);
}
