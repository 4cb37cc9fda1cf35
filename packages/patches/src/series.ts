/** The patch series model: load `patches/series.yaml`, validate it, and check that every file is there. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CgpuError, exists } from '@cgpu/common';
import { seriesDoc } from './series-doc.js';

export type ApplyIf = 'present' | 'absent';

export interface SeriesPatch {
  name: string;
  file: string;
  /** Mainline version that made the change: a hint only. */
  since: string;
  upstream: string;
  reason: string;
  probe: string;
  applyIf: ApplyIf;
}

export interface Series {
  dir: string;
  patches: SeriesPatch[];
}

export class SeriesError extends CgpuError {
  constructor(message: string, hint = 'fix patches/series.yaml') {
    super({ code: 'SERIES_INVALID', message, hint });
    this.name = 'SeriesError';
  }
}

function str(o: Record<string, unknown>, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '') throw new SeriesError(`${where}: "${key}" must be a non-empty string`);
  return v;
}

/** Parse and validate series text; `dir` is where the patch files are. Its only I/O is the parse cache (series-doc.ts). */
export async function parseSeries(text: string, dir: string): Promise<Series> {
  let doc: unknown;
  try {
    doc = await seriesDoc(text);
  } catch (e) {
    throw new SeriesError(`series.yaml is not valid YAML: ${(e as Error).message}`);
  }
  return validateSeries(doc, dir);
}

/** Validate a parsed series document. Pure. */
export function validateSeries(doc: unknown, dir: string): Series {
  const list = (doc as { patches?: unknown })?.patches;
  if (!Array.isArray(list)) throw new SeriesError('series.yaml has no "patches" list');
  const seen = new Set<string>();
  const patches = list.map((raw, i): SeriesPatch => {
    if (typeof raw !== 'object' || raw === null) throw new SeriesError(`entry ${i + 1} is not a mapping`);
    const o = raw as Record<string, unknown>;
    const name = str(o, 'name', `entry ${i + 1}`);
    const where = `patch "${name}"`;
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new SeriesError(`${where}: the name must be lower-case words joined by -`);
    if (seen.has(name)) throw new SeriesError(`${where} appears twice`);
    seen.add(name);
    const since = str(o, 'since', where);
    if (!/^\d+\.\d+$/.test(since)) throw new SeriesError(`${where}: "since" must look like 6.4, not ${since}`);
    const applyIf = str(o, 'apply_if', where);
    if (applyIf !== 'present' && applyIf !== 'absent') throw new SeriesError(`${where}: "apply_if" must be present or absent`);
    return {
      name,
      file: str(o, 'file', where),
      since,
      upstream: str(o, 'upstream', where),
      reason: str(o, 'reason', where),
      probe: str(o, 'probe', where),
      applyIf,
    };
  });
  return { dir, patches };
}

/** Load `<dir>/series.yaml` and check that every patch file exists. */
export async function loadSeries(dir: string): Promise<Series> {
  const file = join(dir, 'series.yaml');
  if (!(await exists(file))) throw new SeriesError(`${file} does not exist`, 'the patches/ directory must hold series.yaml');
  const series = await parseSeries(await readFile(file, 'utf8'), dir);
  for (const p of series.patches) {
    if (!(await exists(join(dir, p.file)))) throw new SeriesError(`patch "${p.name}": its file ${p.file} is missing from ${dir}`);
  }
  return series;
}
