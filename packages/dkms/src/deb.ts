/**
 * The .deb as `dh --with dkms` would make it, built with dpkg-deb alone: Architecture all, Depends dkms, the
 * source in /usr/src/<name>-<version>/, a postinst that hands over to dkms's own common.postinst (add, build
 * and install for the running and newest kernels), a prerm that removes every kernel's build.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { onCleanup, run } from '@cgpu/common';
import { stage, type StagedFile } from './stage.js';
import type { TreeFile } from './tree.js';

export interface DebInput {
  name: string;
  version: string;
  tree: readonly TreeFile[];
  maintainer: string;
  /** Seconds since the epoch for every mtime and the changelog date. */
  epoch: number;
  /** Extra files outside /usr/src (e.g. a dkms signing conffile), absolute paths. */
  extra?: ReadonlyArray<StagedFile & { conffile?: boolean }>;
  out: string;
}

export function debPackageName(name: string): string {
  return `${name}-dkms`;
}

export function postinst(name: string, version: string): string {
  const pkg = debPackageName(name);
  return `#!/bin/sh
# ${pkg} postinst: what dh_dkms installs. dkms's common.postinst adds ${name}/${version}, then builds and
# installs it for the running kernel and the newest installed one (kernels without headers are skipped).
set -e

case "$1" in
configure)
	if [ ! -x /usr/lib/dkms/common.postinst ]; then
		echo "${pkg}: /usr/lib/dkms/common.postinst is missing: dkms is not installed or too old" >&2
		exit 1
	fi
	/usr/lib/dkms/common.postinst ${name} ${version} /usr/share/${pkg} "" "$2"
	;;
esac

exit 0
`;
}

export function prerm(name: string, version: string): string {
  return `#!/bin/sh
# ${debPackageName(name)} prerm: remove ${name}/${version} from dkms for every kernel (modules and build tree).
set -e

case "$1" in
remove | upgrade | deconfigure)
	if [ -n "$(dkms status -m ${name} -v ${version} 2>/dev/null)" ]; then
		dkms remove -m ${name} -v ${version} --all
	fi
	;;
esac

exit 0
`;
}

export function postrm(name: string): string {
  return `#!/bin/sh
# ${debPackageName(name)} postrm: on purge, the module's dkms directory once it holds no other version.
set -e

if [ "$1" = purge ] && [ -d /var/lib/dkms/${name} ]; then
	rmdir --ignore-fail-on-non-empty /var/lib/dkms/${name}
fi

exit 0
`;
}

function rfc2822(epoch: number): string {
  const d = new Date(epoch * 1000);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function copyright(name: string, epoch: number): string {
  return `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ${name}

Files: *
Copyright: ${new Date(epoch * 1000).getUTCFullYear()} the ${name} authors
License: GPL-2
 This program is free software; you can redistribute it and/or modify it under the terms of the GNU General
 Public License version 2 as published by the Free Software Foundation.
 .
 On Debian systems, the complete text of the GNU General Public License version 2 can be found in
 /usr/share/common-licenses/GPL-2.
`;
}

function changelog(name: string, version: string, maintainer: string, epoch: number): string {
  return `${name} (${version}) unstable; urgency=medium

  * ${name} ${version}, packaged for DKMS by \`cgpu package dkms\`.

 -- ${maintainer}  ${rfc2822(epoch)}
`;
}

export function control(i: Pick<DebInput, 'name' | 'version' | 'maintainer'>, installedKiB: number): string {
  return `Package: ${debPackageName(i.name)}
Source: ${i.name}
Version: ${i.version}
Architecture: all
Maintainer: ${i.maintainer}
Installed-Size: ${installedKiB}
Depends: dkms, patch
Section: kernel
Priority: optional
Description: ${i.name} kernel module (DKMS source)
 ${i.name} shares one GPU between containers by weighted time slices.
 .
 This package holds the module's source, its kernel compatibility patches and
 the script that picks them by compile probes; DKMS builds the module for
 every installed kernel with headers, and again after each kernel upgrade.
`;
}

/** Build `<out>/<name>-dkms_<version>_all.deb`; returns its path. */
export async function buildDeb(i: DebInput): Promise<string> {
  const pkg = debPackageName(i.name);
  const gz = (s: string): Buffer => gzipSync(Buffer.from(s), { level: 9 }); // no name or mtime in the header
  const data: StagedFile[] = [
    ...i.tree.map((f) => ({ path: `usr/src/${i.name}-${i.version}/${f.path}`, content: f.content, mode: f.mode })),
    { path: `usr/share/doc/${pkg}/copyright`, content: copyright(i.name, i.epoch), mode: 0o644 },
    { path: `usr/share/doc/${pkg}/changelog.gz`, content: gz(changelog(i.name, i.version, i.maintainer, i.epoch)), mode: 0o644 },
    ...(i.extra ?? []).map((f) => ({ ...f, path: f.path.replace(/^\//, '') })),
  ];
  const md5 = data
    .map((f) => `${createHash('md5').update(f.content).digest('hex')}  ${f.path}`)
    .filter((_, n) => !(i.extra ?? []).some((e) => e.conffile && data[n]!.path === e.path.replace(/^\//, '')))
    .join('\n');
  const installedKiB = data.reduce((s, f) => s + Math.ceil(Buffer.byteLength(f.content) / 1024), 0);
  const conffiles = (i.extra ?? []).filter((e) => e.conffile).map((e) => e.path);
  const meta: StagedFile[] = [
    { path: 'DEBIAN/control', content: control(i, installedKiB), mode: 0o644 },
    { path: 'DEBIAN/md5sums', content: `${md5}\n`, mode: 0o644 },
    { path: 'DEBIAN/postinst', content: postinst(i.name, i.version), mode: 0o755 },
    { path: 'DEBIAN/prerm', content: prerm(i.name, i.version), mode: 0o755 },
    { path: 'DEBIAN/postrm', content: postrm(i.name), mode: 0o755 },
    ...(conffiles.length ? [{ path: 'DEBIAN/conffiles', content: `${conffiles.join('\n')}\n`, mode: 0o644 }] : []),
  ];
  const tmp = await mkdtemp(join(tmpdir(), 'cgpu-deb-'));
  const unregister = onCleanup(() => rm(tmp, { recursive: true, force: true }));
  try {
    const root = join(tmp, 'root');
    await stage(root, [...data, ...meta], i.epoch);
    const deb = join(i.out, `${pkg}_${i.version}_all.deb`);
    await run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, deb], {
      timeoutMs: 120_000,
      env: { ...process.env, SOURCE_DATE_EPOCH: String(i.epoch) },
      purpose: `building ${pkg}_${i.version}_all.deb`,
    });
    await stat(deb);
    return deb;
  } finally {
    unregister();
    await rm(tmp, { recursive: true, force: true });
  }
}
