/** `cgpu publish --repo <dir>`: add the DKMS .deb(s) to a static signed apt repository. */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { UsageError, repoRoot } from '@cgpu/common';
import { debsIn, publish, type KeySpec } from '@cgpu/aptrepo';
import { printJson } from '../output.js';

interface PublishOpts {
  repo: string;
  suite: string;
  deb?: string[];
  keyFile?: string;
  keyId?: string;
  json?: boolean;
}

export function registerPublish(program: Command): void {
  program
    .command('publish')
    .description('add packages to a static apt repository signed with your key (or one generated once for you)')
    .requiredOption('--repo <dir>', 'the repository directory (created if missing), e.g. dist/apt')
    .option('--suite <name>', 'suite to publish to', 'stable')
    .option('--deb <file...>', 'the .deb files (default: every .deb in dist/dkms/)')
    .option('--key-file <file>', 'ASCII-armoured secret key (no passphrase) to sign with')
    .option('--key-id <id>', 'a key in your gpg keyring to sign with (your agent asks for its passphrase)')
    .option('--json', 'machine-readable output')
    .action(async (o: PublishOpts) => {
      if (o.keyFile && o.keyId) throw new UsageError({ code: 'PUBLISH_KEY_OPTIONS', message: '--key-file and --key-id exclude each other' });
      const key: KeySpec = o.keyFile ? { file: o.keyFile } : o.keyId ? { id: o.keyId } : { generated: true };
      const debs = o.deb ?? (await debsIn(resolve(repoRoot(), 'dist/dkms')));
      const r = await publish({ repo: o.repo, suite: o.suite, debs, key, log: (l) => void process.stderr.write(`${l}\n`) });
      if (o.json) return printJson(r);
      for (const p of r.packages) process.stdout.write(`${p.package} ${p.version} ${p.architecture}  ${p.filename}\n`);
      process.stderr.write(`${r.repo} (${r.suite}): ${r.added.length} added, ${r.present.length} already there, ${r.changed ? 'indexes signed' : 'indexes unchanged'} with ${r.fingerprint}\npublic key: ${r.publicKey}\n`);
    });
}
