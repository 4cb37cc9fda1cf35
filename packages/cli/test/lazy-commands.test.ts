// main.ts imports only the modules of the command being run: the program it builds for one command must be
// exactly that command of the full program (same subcommands, options and arguments), or parsing would differ.
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram, commandIn } from '../src/main.js';

/** A command's shape: name, arguments, option flags, and its subcommands', recursively. */
function shape(c: Command): unknown {
  return {
    name: c.name(),
    args: c.registeredArguments.map((a) => `${a.required ? '<' : '['}${a.name()}${a.variadic ? '...' : ''}${a.required ? '>' : ']'}`),
    options: c.options.map((o) => o.flags),
    commands: c.commands.map(shape),
  };
}

describe('one command, its own imports', () => {
  it('finds the top-level command after options, and nothing for help or unknown words', () => {
    expect(commandIn(['node', 'cgpu', 'smoke', '--kernel', '6.1'])).toBe('smoke');
    expect(commandIn(['node', 'cgpu', '--json', 'matrix', '--only', 'smoke'])).toBe('matrix');
    expect(commandIn(['node', 'cgpu', 'help', 'smoke'])).toBeUndefined();
    expect(commandIn(['node', 'cgpu', 'frobnicate'])).toBeUndefined();
    expect(commandIn(['node', 'cgpu', '--help'])).toBeUndefined();
  });

  it('builds each command exactly as the full program has it', async () => {
    const full = await buildProgram();
    const names = full.commands.map((c) => c.name());
    expect(names).toEqual(['kernels', 'engine', 'images', 'patches', 'build', 'smoke', 'matrix', 'package', 'publish']);
    for (const name of names) {
      const one = await buildProgram(name);
      // engine.ts registers `engine` and `images` together; every other module one command.
      expect(one.commands.map((c) => c.name())).toEqual(['engine', 'images'].includes(name) ? ['engine', 'images'] : [name]);
      expect(shape(one.commands.find((c) => c.name() === name)!)).toEqual(shape(full.commands.find((c) => c.name() === name)!));
    }
  });
});
