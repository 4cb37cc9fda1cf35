/**
 * A noarch RPM with rpmbuild (Debian's rpm package): the same /usr/src tree, Requires dkms, %post adds, builds
 * and installs for the running kernel (as the dkms packages of Fedora and others do), %preun removes all.
 */
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup, run } from '@cgpu/common';
import { stage } from './stage.js';
import type { TreeFile } from './tree.js';

/** Every directory that holds a file of the tree, parents included, sorted. */
function dirsOf(tree: readonly TreeFile[]): string[] {
  const dirs = new Set<string>();
  for (const f of tree) {
    const parts = f.path.split('/').slice(0, -1);
    for (let n = 1; n <= parts.length; n++) dirs.add(parts.slice(0, n).join('/'));
  }
  return [...dirs].sort();
}

export function rpmSpec(i: { name: string; version: string; tree: readonly TreeFile[]; maintainer: string }): string {
  const dir = `/usr/src/${i.name}-${i.version}`;
  const files = i.tree.map((f) => `%attr(${f.mode.toString(8).padStart(4, '0')},root,root) ${dir}/${f.path}`);
  const mv = `-m ${i.name} -v ${i.version}`;
  return `%global debug_package %{nil}
%global __os_install_post %{nil}
Name: ${i.name}-dkms
Version: ${i.version}
Release: 1
Summary: ${i.name} kernel module (DKMS source)
License: GPL-2.0-only
Packager: ${i.maintainer}
BuildArch: noarch
Requires: dkms
Requires: patch

%description
The source of the ${i.name} kernel module, its kernel compatibility patches and the script that picks them
by compile probes; DKMS builds the module for the running kernel and after each kernel upgrade.

%install
mkdir -p %{buildroot}
cp -a %{_sourcedir}/root/. %{buildroot}/

%files
%dir ${dir}
${dirsOf(i.tree).map((d) => `%dir ${dir}/${d}`).join('\n')}
${files.join('\n')}

%post
dkms add ${mv} || :
if [ -e /lib/modules/$(uname -r)/build/include ]; then
	dkms build ${mv} -k $(uname -r) && dkms install ${mv} -k $(uname -r) || :
fi

%preun
dkms remove ${mv} --all || :
`;
}

export async function buildRpm(i: { name: string; version: string; tree: readonly TreeFile[]; maintainer: string; epoch: number; out: string }): Promise<string> {
  const tmp = await mkdtemp(join(tmpdir(), 'cgpu-rpm-'));
  const unregister = onCleanup(() => rm(tmp, { recursive: true, force: true }));
  try {
    const src = join(tmp, 'SOURCES');
    await stage(join(src, 'root'), i.tree.map((f) => ({ ...f, path: `usr/src/${i.name}-${i.version}/${f.path}` })), i.epoch);
    const spec = join(tmp, `${i.name}-dkms.spec`);
    await writeFile(spec, rpmSpec(i));
    const rpms = join(tmp, 'RPMS');
    await mkdir(rpms, { recursive: true });
    await run(
      'rpmbuild',
      ['-bb', '--nodeps', '--define', `_topdir ${tmp}`, '--define', `_sourcedir ${src}`, '--define', `_rpmdir ${rpms}`, '--define', '_build_id_links none', '--define', 'use_source_date_epoch_as_buildtime 1', '--define', 'clamp_mtime_to_source_date_epoch 1', '--define', '_buildhost cgpu', spec],
      { timeoutMs: 120_000, env: { ...process.env, SOURCE_DATE_EPOCH: String(i.epoch) }, purpose: 'building the RPM' },
    );
    const built = (await readdir(join(rpms, 'noarch'))).find((f) => f.endsWith('.noarch.rpm'));
    if (!built) throw new Error('rpmbuild produced no noarch RPM');
    const file = join(i.out, built);
    await copyFile(join(rpms, 'noarch', built), file);
    return file;
  } finally {
    unregister();
    await rm(tmp, { recursive: true, force: true });
  }
}
