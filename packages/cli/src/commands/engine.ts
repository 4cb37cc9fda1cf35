/** `cgpu engine start|stop|status` and `cgpu images list|build|prune`. */
import type { Command } from 'commander';
import { builderRecipe, engineStatus, ensureBuilderImage, ensureKernelImage, listImages, pruneImages, startEngine, stopEngine } from '@cgpu/builder';
import { fetchKernel, mirrorUrl } from '@cgpu/kernels';
import { printJson, printTable } from '../output.js';
import { resolveKernel, type KernelOpts } from './kernels.js';

export function registerEngine(program: Command): void {
  const e = program.command('engine').description('the Docker engine the builds use');
  e.command('start')
    .description('start Debian\'s dockerd (no iptables, no bridge) unless an engine already answers')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const st = await startEngine();
      if (o.json) return printJson(st);
      process.stdout.write(st.startedByUs ? `dockerd started (pid ${st.pid}, log ${st.log})\n` : 'an engine is already running\n');
    });
  e.command('stop')
    .description('stop the dockerd that `cgpu engine start` started, by its pid')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const stopped = await stopEngine();
      if (o.json) return printJson({ stopped });
      process.stdout.write(stopped ? 'dockerd stopped\n' : 'no engine started by cgpu is running\n');
    });
  e.command('status')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const st = await engineStatus();
      if (o.json) return printJson(st);
      process.stdout.write(`${st.running ? 'running' : 'not running'}${st.startedByUs ? ` (started by cgpu, pid ${st.pid})` : ''}\n`);
      if (!st.running) process.exitCode = 1;
    });

  const i = program.command('images').description('builder images (debootstrap rootfs + docker import)');
  i.command('list')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const imgs = await listImages();
      if (o.json) return printJson(imgs);
      printTable(['image', 'size', 'created'], imgs.map((x) => [x.tag, x.size, x.created]));
    });
  i.command('build')
    .description('build the builder image (and the kernel headers layer) for a kernel')
    .requiredOption('--kernel <spec>', 'kernel spec, e.g. 6.1')
    .option('--arch <arch>', 'amd64 or arm64')
    .option('--builder-only', 'only the toolchain image, not the headers layer')
    .option('--json', 'machine-readable output')
    .action(async (o: KernelOpts & { kernel: string; builderOnly?: boolean }) => {
      const k = await resolveKernel(o.kernel, o);
      const log = o.json ? undefined : (l: string): void => void process.stderr.write(`${l}\n`);
      if (o.builderOnly) {
        const tag = await ensureBuilderImage(builderRecipe(k, mirrorUrl()), log);
        return o.json ? printJson({ builder: tag }) : void process.stdout.write(`${tag}\n`);
      }
      await fetchKernel(k);
      const r = await ensureKernelImage(k, log);
      if (o.json) return printJson(r);
      process.stdout.write(`${r.builder}\n${r.tag}\n`);
    });
  i.command('prune')
    .description('remove every cgpu image (they are rebuilt on demand)')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const removed = await pruneImages();
      if (o.json) return printJson({ removed });
      process.stdout.write(removed.length ? `${removed.join('\n')}\n` : 'nothing to remove\n');
    });
}
