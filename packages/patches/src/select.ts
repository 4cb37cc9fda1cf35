/** Decide which patches a kernel needs: the probe decides, the version is reported beside it as a hint. */
import { compareVersions } from '@cgpu/kernels';
import { ProbeBrokenError, isMissingApi, type ProbeCompiler } from './probes.js';
import type { Series, SeriesPatch } from './series.js';

export interface Decision {
  name: string;
  file: string;
  since: string;
  upstream: string;
  reason: string;
  apply: boolean;
  /** What the probe said. */
  probe: 'compiles' | 'missing-api';
  /** One sentence: why it is (not) applied. */
  why: string;
  /** Whether the version alone would have decided the same; `disagrees` means a backport or a distro change. */
  versionHint: 'agrees' | 'disagrees';
}

export interface Selection {
  kernel: string;
  version: string;
  decisions: Decision[];
  applied: Decision[];
}

export async function selectPatches(series: Series, kernel: { release: string; version: string }, compile: ProbeCompiler): Promise<Selection> {
  const outcomes = await compile(series.patches.map((p) => ({ name: p.name, source: p.probe })));
  const decisions = series.patches.map((p) => decide(p, kernel, outcomes.get(p.name)));
  return { kernel: kernel.release, version: kernel.version, decisions, applied: decisions.filter((d) => d.apply) };
}

function decide(p: SeriesPatch, kernel: { release: string; version: string }, outcome: { compiles: boolean; errors: string[] } | undefined): Decision {
  if (!outcome) throw new ProbeBrokenError(p.name, kernel.release, ['the probe produced no result']);
  if (!outcome.compiles && !isMissingApi(outcome.errors)) throw new ProbeBrokenError(p.name, kernel.release, outcome.errors);
  const present = outcome.compiles;
  const apply = p.applyIf === 'present' ? present : !present;
  const byVersion = compareVersions(kernel.version, p.since) >= 0;
  const api = p.applyIf === 'present' ? 'the new API is there' : 'the old API is gone';
  const noApi = p.applyIf === 'present' ? 'the new API is not there' : 'the old API is still there';
  const probeSays = present ? 'the probe compiles' : `the probe fails (${firstError(outcome.errors)})`;
  const hint = byVersion === apply ? `as expected from ${p.since}` : `although ${kernel.version} is ${byVersion ? 'at or after' : 'before'} ${p.since}: a backport or distro change`;
  return {
    name: p.name,
    file: p.file,
    since: p.since,
    upstream: p.upstream,
    reason: p.reason,
    apply,
    probe: present ? 'compiles' : 'missing-api',
    why: `${apply ? 'apply' : 'skip'}: ${probeSays}, so ${apply ? api : noApi}, ${hint}`,
    versionHint: byVersion === apply ? 'agrees' : 'disagrees',
  };
}

function firstError(errors: readonly string[]): string {
  const e = errors.find((l) => /error/.test(l)) ?? 'error';
  return e.replace(/^.*?error: /, '').slice(0, 100);
}
