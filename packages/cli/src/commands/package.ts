/** `cgpu package dkms`: the DKMS .deb, the `dkms ldtarball` tarball and the noarch RPM in dist/dkms/. */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { repoRoot } from '@cgpu/common';
import { packageDkms } from '@cgpu/dkms';
import { printJson } from '../output.js';

interface PackageOpts {
  src?: string;
  series?: string;
  out?: string;
  maintainer?: string;
  signKey?: string;
  signCert?: string;
  json?: boolean;
}

export function registerPackage(program: Command): void {
  const p = program.command('package').description('make installable packages of the module');
  p.command('dkms')
    .description('DKMS packages: dist/dkms/cgpu-dkms_<version>_all.deb, cgpu-<version>.dkms.tar.gz and a noarch RPM')
    .option('--src <dir>', 'module source (default kernel-src/)')
    .option('--series <dir>', 'patch series (default patches/)')
    .option('--out <dir>', 'output directory (default dist/dkms/)')
    .option('--maintainer <who>', 'the Maintainer field, "Name <email>"')
    .option('--sign-key <path>', 'a vendor signing key: its path on the target machines (dkms uses it instead of its MOK key)')
    .option('--sign-cert <path>', 'the vendor certificate (DER) that goes with --sign-key, on the target machines')
    .option('--json', 'machine-readable output')
    .action(async (o: PackageOpts) => {
      const root = repoRoot();
      const r = await packageDkms({
        src: o.src ?? resolve(root, 'kernel-src'),
        seriesDir: o.series ?? resolve(root, 'patches'),
        out: o.out ?? resolve(root, 'dist/dkms'),
        ...(o.maintainer ? { maintainer: o.maintainer } : {}),
        ...(o.signKey ? { signKey: o.signKey } : {}),
        ...(o.signCert ? { signCert: o.signCert } : {}),
      });
      if (o.json) return printJson(r);
      process.stdout.write(`${r.deb}\n${r.tarball}\n${r.rpm}\n`);
      process.stderr.write(`${r.name} ${r.version}: ${r.cached ? 'unchanged, kept' : 'packaged'} in ${(r.durationMs / 1000).toFixed(1)} s\n`);
    });
}
