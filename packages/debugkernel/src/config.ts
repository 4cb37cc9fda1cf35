/** The debug kernel's config fragment: where it is, and which options the final .config must hold. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '@cgpu/common';

/** Path of the fragment merged after x86_64 defconfig and kvm_guest.config (from the root: the CLI may be bundled). */
export function fragmentPath(): string {
  return join(repoRoot(), 'packages/debugkernel/configs/cgpu-debug.config');
}

export async function readFragment(): Promise<string> {
  return readFile(fragmentPath(), 'utf8');
}

/** `CONFIG_X=value` and `# CONFIG_X is not set` lines of a fragment, as name -> value ('n' for not set). */
export function parseFragment(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^(CONFIG_[A-Za-z0-9_]+)=(.*)$/))) out.set(m[1]!, m[2]!);
    else if ((m = line.match(/^# (CONFIG_[A-Za-z0-9_]+) is not set$/))) out.set(m[1]!, 'n');
  }
  return out;
}

/**
 * Options of the fragment that the final .config does not honour. Kconfig drops a request silently when a
 * dependency is missing, so a debug kernel without KASAN would otherwise pass every smoke run unnoticed.
 */
export function unmetOptions(fragment: string, finalConfig: string): string[] {
  const got = parseFragment(finalConfig);
  const bad: string[] = [];
  for (const [name, want] of parseFragment(fragment)) {
    const have = got.get(name) ?? 'n';
    if (have !== want) bad.push(`${name}: wanted ${want}, got ${have}`);
  }
  return bad;
}
