/** The `cgpu` command line: commander for parsing, typed errors mapped to exit codes 0/1/2. */
import { Command, CommanderError } from 'commander';
import { installInterruptHandlers, runCleanups } from '@cgpu/common';
import { reportError } from './output.js';

type Register = (p: Command) => void;

/**
 * The command modules, in help order, with the top-level commands each registers. Only the modules of the
 * command being run are imported: loading every package (nx, apt repository, DKMS, debug kernel) cost a warm
 * `cgpu smoke` about half a second of its overhead budget (issue 13).
 */
const MODULES: ReadonlyArray<{ names: readonly string[]; load: () => Promise<Register> }> = [
  { names: ['kernels'], load: async () => (await import('./commands/kernels.js')).registerKernels },
  { names: ['kernels'], load: async () => (await import('./commands/build-debug.js')).registerBuildDebug },
  { names: ['engine', 'images'], load: async () => (await import('./commands/engine.js')).registerEngine },
  { names: ['patches'], load: async () => (await import('./commands/patches.js')).registerPatches },
  { names: ['patches'], load: async () => (await import('./commands/patches-audit.js')).registerPatchesAudit },
  { names: ['build'], load: async () => (await import('./commands/build.js')).registerBuild },
  { names: ['smoke'], load: async () => (await import('./commands/smoke.js')).registerSmoke },
  { names: ['matrix'], load: async () => (await import('./commands/matrix.js')).registerMatrix },
  { names: ['package'], load: async () => (await import('./commands/package.js')).registerPackage },
  { names: ['publish'], load: async () => (await import('./commands/publish.js')).registerPublish },
];

/** The top-level command named on the command line, if it is one of ours. */
export function commandIn(argv: readonly string[]): string | undefined {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  return MODULES.some((m) => first !== undefined && m.names.includes(first)) ? first : undefined;
}

/** The program with every command, or with only the modules that register `only` (same parser, fewer imports). */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('cgpu')
    .description('build, patch, boot-test and package the cgpu kernel module for many kernels')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const m of MODULES) if (only === undefined || m.names.includes(only)) (await m.load())(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  installInterruptHandlers();
  const json = argv.includes('--json');
  const program = await buildProgram(commandIn(argv));
  program.commands.forEach(function exitOverrideAll(c: Command): void {
    c.exitOverride();
    c.commands.forEach(exitOverrideAll);
  });
  try {
    await program.parseAsync(argv);
    const code = process.exitCode;
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    return reportError(e, json);
  } finally {
    await runCleanups();
  }
}
