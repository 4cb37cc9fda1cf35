/** From Packages stanzas to kernels: every release that has both a bootable image and headers. */
import { join } from 'node:path';
import { cacheDir, readJson, writeFileAtomic } from '@cgpu/common';
import { parseDepends, upstreamVersion, type Stanza } from './deb822.js';
import { loadInRelease, loadKernelStanzas, type ArchiveOptions } from './archive.js';
import { parseRelease, type Arch } from './release.js';
import { ARCHES, SUITES, mirrorUrl, type SuiteInfo } from './suites.js';
import type { LocalKernel } from './local.js';

/**
 * What each .deb is for. `image`: holds vmlinuz (and, up to 6.12, config, System.map and modules);
 * `base`: config and System.map (7.x split layout); `headers`, `headers-common`: the build tree;
 * `kbuild`: host tools for the build (for arm64 kernels, the amd64 build, since we cross-compile).
 */
export type DebRole = 'image' | 'base' | 'headers' | 'headers-common' | 'kbuild' | 'tool';

export interface DebRef {
  role: DebRole;
  package: string;
  version: string;
  arch: string;
  filename: string;
  url: string;
  size: number;
  sha256: string;
}

export interface KernelEntry {
  release: string;
  /** Upstream version, e.g. `6.1.176`. */
  version: string;
  series: string;
  packageVersion: string;
  suite: string;
  debian: number;
  /** The suite a builder container uses (backports -> base). */
  baseSuite: string;
  arch: Arch;
  flavour: string;
  /** Compiler package the kernel was built with, from the headers' Depends, e.g. `gcc-12`. */
  gcc: string;
  gccMajor: number;
  debs: DebRef[];
  /** Set for a kernel built here (e.g. `debug-6.12`): its files are local, `debs` is empty. */
  local?: LocalKernel;
}

function debRef(role: DebRole, s: Stanza): DebRef {
  return {
    role,
    package: s['Package']!,
    version: s['Version']!,
    arch: s['Architecture'] ?? 'all',
    filename: s['Filename']!,
    url: `${mirrorUrl()}/${s['Filename']}`,
    size: Number(s['Size']),
    sha256: s['SHA256']!,
  };
}

const NOT_A_FLAVOUR = /-common(-rt)?$/;

/** The compiler major from a headers package's Depends (`linux-compiler-gcc-12-x86`, `gcc-12`, `gcc-14-for-host`). */
export function gccFromDepends(depends: string | undefined): number | undefined {
  for (const alt of parseDepends(depends)) {
    for (const rel of alt) {
      const m = rel.name.match(/^(?:linux-compiler-)?gcc-(\d+)(?:-[a-z0-9]+)*$/);
      if (m) return Number(m[1]);
    }
  }
  return undefined;
}

/**
 * Build the catalogue of one suite and arch. `host` is the amd64 index of the same suite: the kbuild
 * package of an arm64 kernel is taken from it, since the builder runs on amd64.
 */
export function buildEntries(suite: SuiteInfo, arch: Arch, stanzas: Stanza[], host: Stanza[] = stanzas): KernelEntry[] {
  const byName = new Map(stanzas.map((s) => [s['Package']!, s] as const));
  const hostByName = new Map(host.map((s) => [s['Package']!, s] as const));
  const out: KernelEntry[] = [];
  for (const s of stanzas) {
    const name = s['Package']!;
    if (!name.startsWith('linux-headers-') || NOT_A_FLAVOUR.test(name) || s['Architecture'] !== arch) continue;
    const release = name.slice('linux-headers-'.length);
    if (!/^\d/.test(release) || !release.endsWith(arch) && !release.endsWith(`${arch}-16k`)) continue;
    const image = byName.get(`linux-image-${release}-unsigned`) ?? byName.get(`linux-binary-${release}`) ?? monolithicImage(byName, release);
    if (!image) continue;
    const debs: DebRef[] = [debRef('image', image)];
    const baseDeb = byName.get(`linux-base-${release}`);
    if (image['Package']!.startsWith('linux-binary-')) {
      if (!baseDeb) continue;
      debs.push(debRef('base', baseDeb));
    }
    debs.push(debRef('headers', s));
    let complete = true;
    for (const alt of parseDepends(s['Depends'])) {
      const rel = alt[0]!;
      if (/^linux-headers-.*-common(-rt)?$/.test(rel.name)) {
        const c = byName.get(rel.name);
        if (c) debs.push(debRef('headers-common', c));
        else complete = false;
      } else if (rel.name.startsWith('linux-kbuild-')) {
        const k = hostByName.get(rel.name);
        if (k) debs.push(debRef('kbuild', k));
        else complete = false;
      }
    }
    const gccMajor = gccFromDepends(s['Depends']);
    if (!complete || gccMajor === undefined) continue;
    let parsed;
    try {
      parsed = parseRelease(release);
    } catch {
      continue;
    }
    const version = upstreamVersion(s['Version']!);
    out.push({
      release,
      version,
      series: parsed.series,
      packageVersion: s['Version']!,
      suite: suite.name,
      debian: suite.debian,
      baseSuite: suite.baseSuite,
      arch,
      flavour: parsed.flavour ?? arch,
      gcc: `gcc-${gccMajor}`,
      gccMajor,
      debs,
    });
  }
  return out;
}

/** A signed `linux-image-<rel>` that is a real image (bullseye/bookworm), not a meta package over linux-binary. */
function monolithicImage(byName: Map<string, Stanza>, release: string): Stanza | undefined {
  const s = byName.get(`linux-image-${release}`);
  if (!s) return undefined;
  if (/linux-binary-/.test(s['Depends'] ?? '')) return undefined;
  return Number(s['Size']) > 1_000_000 ? s : undefined;
}

interface CachedCatalogue {
  schema: number;
  inReleaseSha256: string;
  entries: KernelEntry[];
}
const SCHEMA = 2;

export interface CatalogueOptions extends ArchiveOptions {
  suites?: readonly string[];
  arches?: readonly Arch[];
}

/** Every kernel with image and headers in the configured suites and arches. */
export async function loadCatalogue(opts: CatalogueOptions = {}): Promise<KernelEntry[]> {
  const suites = SUITES.filter((s) => !opts.suites || opts.suites.includes(s.name));
  const arches = opts.arches ?? ARCHES;
  const perSuite = await Promise.all(
    suites.map(async (suite) => {
      const rel = await loadInRelease(suite.name, opts);
      const entries: KernelEntry[] = [];
      let hostStanzas: Stanza[] | undefined;
      for (const arch of arches) {
        const file = join(cacheDir('archive', suite.name), `catalogue-${arch}.json`);
        const cached = await readJson<CachedCatalogue>(file);
        if (cached && cached.schema === SCHEMA && cached.inReleaseSha256 === rel.sha256) {
          entries.push(...cached.entries);
          continue;
        }
        const stanzas = await loadKernelStanzas(rel, arch);
        if (arch === 'amd64') hostStanzas = stanzas;
        const host = arch === 'amd64' ? stanzas : (hostStanzas ??= await loadKernelStanzas(rel, 'amd64'));
        const built = buildEntries(suite, arch, stanzas, host);
        await writeFileAtomic(file, JSON.stringify({ schema: SCHEMA, inReleaseSha256: rel.sha256, entries: built } satisfies CachedCatalogue));
        entries.push(...built);
      }
      return entries;
    }),
  );
  return perSuite.flat();
}
