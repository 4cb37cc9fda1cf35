/** The `cgpu` command line: commander for parsing, typed errors mapped to exit codes 0/1/2. */
import { Command, CommanderError } from 'commander';
import { installInterruptHandlers, runCleanups } from '@cgpu/common';
import { registerBuild } from './commands/build.js';
import { registerBuildDebug } from './commands/build-debug.js';
import { registerEngine } from './commands/engine.js';
import { registerKernels } from './commands/kernels.js';
import { registerMatrix } from './commands/matrix.js';
import { registerPatches } from './commands/patches.js';
import { registerPatchesAudit } from './commands/patches-audit.js';
import { registerSmoke } from './commands/smoke.js';
import { registerPackage } from './commands/package.js';
import { registerPublish } from './commands/publish.js';
import { reportError } from './output.js';

export function buildProgram(): Command {
  const program = new Command('cgpu')
    .description('build, patch, boot-test and package the cgpu kernel module for many kernels')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerKernels(program);
  registerBuildDebug(program);
  registerEngine(program);
  registerPatches(program);
  registerPatchesAudit(program);
  registerBuild(program);
  registerSmoke(program);
  registerMatrix(program);
  registerPackage(program);
  registerPublish(program);
  for (const register of extraCommands) register(program);
  return program;
}

/** Later capabilities add their commands here. */
export const extraCommands: Array<(p: Command) => void> = [];

export async function main(argv: string[]): Promise<number> {
  installInterruptHandlers();
  const json = argv.includes('--json');
  const program = buildProgram();
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
