/** `cgpu kernels parse|detect|list|resolve|fetch`. */
import type { Command } from 'commander';
import { Listr } from 'listr2';
import { UsageError } from '@cgpu/common';
import {
  ARCHES, SUITES, detectKernels, fetchKernel, loadCatalogue, newestFirst, parseRelease, suiteByName,
  type FetchedKernel, type KernelEntry,
} from '@cgpu/kernels';
import { refreshMode, resolveKernel as resolveWith, type KernelOpts as PipelineKernelOpts } from '@cgpu/pipeline';
import { parseArch } from '../args.js';
import { humanSize, printJson, printTable, warn } from '../output.js';
import { renderer } from '../progress.js';

export interface KernelOpts extends Omit<PipelineKernelOpts, 'warn'> {
  json?: boolean;
}

/** Resolve a spec against the catalogue, warnings on stderr: the first step of every command that takes `--kernel`. */
export function resolveKernel(spec: string, o: KernelOpts): Promise<KernelEntry> {
  return resolveWith(spec, { ...o, warn });
}

export async function fetchWithProgress(e: KernelEntry, json: boolean): Promise<FetchedKernel> {
  let fetched: FetchedKernel | undefined;
  await new Listr(
    [
      {
        title: `fetch ${e.release} (${e.arch}, ${e.suite}): ${e.debs.length} debs, ${humanSize(e.debs.reduce((s, d) => s + d.size, 0))}`,
        task: async (_ctx, task) => {
          fetched = await fetchKernel(e, (m) => (task.output = m));
          task.title = `${e.release}: ${fetched.downloaded.length ? `downloaded ${fetched.downloaded.length} debs` : 'served from cache'}`;
        },
      },
    ],
    { renderer: renderer(json), exitOnError: true, registerSignalListeners: false },
  ).run();
  return fetched!;
}

export function registerKernels(program: Command): void {
  const k = program.command('kernels').description('detect, list, resolve and fetch kernels');

  k.command('parse <release>')
    .description('parse a kernel release string (uname -r)')
    .option('--json', 'machine-readable output')
    .action((release: string, o: KernelOpts) => {
      const p = parseRelease(release);
      if (o.json) return printJson(p);
      printTable(['field', 'value'], Object.entries(p).map(([a, b]) => [a, String(b)]));
    });

  k.command('detect')
    .description('the running kernel and every kernel with installed headers')
    .option('--json', 'machine-readable output')
    .action(async (o: KernelOpts) => {
      const found = await detectKernels();
      if (o.json) return printJson(found);
      printTable(['release', 'version', 'distro', 'running', 'headers'], found.map((x) => [x.release, x.parsed?.version ?? '?', x.parsed?.distro ?? '?', x.running ? 'yes' : '', x.headers ?? '-']));
    });

  k.command('list')
    .description('every kernel in the Debian archive that has both an image and headers')
    .option('--suite <suite>', `one of ${SUITES.map((s) => s.name).join(', ')}`)
    .option('--arch <arch>', 'amd64 or arm64')
    .option('--all-flavours', 'also cloud, rt and 16k flavours')
    .option('--offline', 'use the cached catalogue only')
    .option('--refresh', 'ask the mirror even if the cache is fresh')
    .option('--json', 'machine-readable output')
    .action(async (o: KernelOpts & { suite?: string; allFlavours?: boolean }) => {
      const arch = parseArch(o.arch);
      const suite = o.suite === undefined ? undefined : suiteByName(o.suite);
      if (o.suite !== undefined && !suite) {
        throw new UsageError({ code: 'BAD_SUITE', message: `unknown suite "${o.suite}"`, hint: `use one of ${SUITES.map((s) => s.name).join(', ')}` });
      }
      const all = await loadCatalogue({ refresh: refreshMode(o), warn, ...(suite ? { suites: [suite.name] } : {}), arches: arch ? [arch] : ARCHES });
      const rows = all.filter((e) => o.allFlavours || e.flavour === e.arch).sort(newestFirst);
      if (o.json) return printJson(rows);
      printTable(['release', 'version', 'arch', 'suite', 'gcc', 'download'], rows.map((e) => [e.release, e.version, e.arch, e.suite, e.gcc, humanSize(e.debs.reduce((s, d) => s + d.size, 0))]));
    });

  k.command('resolve <spec>')
    .description('a release, series (6.1), suite (bookworm), latest or host -> exact packages')
    .option('--arch <arch>', 'amd64 or arm64')
    .option('--flavour <flavour>', 'e.g. cloud-amd64, rt-amd64 (default: the plain one)')
    .option('--offline', 'use the cached catalogue only')
    .option('--refresh', 'ask the mirror even if the cache is fresh')
    .option('--json', 'machine-readable output')
    .action(async (spec: string, o: KernelOpts) => {
      const e = await resolveKernel(spec, o);
      if (o.json) return printJson(e);
      process.stdout.write(`${e.release}  ${e.version} (${e.packageVersion})  ${e.arch}  ${e.suite}  ${e.gcc}\n`);
      printTable(['role', 'package', 'version', 'size', 'sha256'], e.debs.map((d) => [d.role, d.package, d.version, humanSize(d.size), d.sha256]));
    });

  k.command('fetch <spec>')
    .description('download and verify the kernel debs into the cache; unpack vmlinuz, config, System.map')
    .option('--arch <arch>', 'amd64 or arm64')
    .option('--flavour <flavour>', 'e.g. cloud-amd64')
    .option('--offline', 'use the cached catalogue only')
    .option('--refresh', 'ask the mirror even if the cache is fresh')
    .option('--json', 'machine-readable output')
    .action(async (spec: string, o: KernelOpts) => {
      const e = await resolveKernel(spec, o);
      const f = await fetchWithProgress(e, o.json === true);
      if (o.json) return printJson({ release: e.release, arch: e.arch, suite: e.suite, dir: f.dir, vmlinuz: f.vmlinuz, config: f.config, systemMap: f.systemMap, compiler: f.compilerText, debs: f.debs, downloaded: f.downloaded });
      process.stdout.write(`${e.release}: ${f.dir}\n  compiler: ${f.compilerText ?? e.gcc}\n`);
    });
}

