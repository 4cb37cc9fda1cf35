import { describe, expect, it } from 'vitest';
import { parseRelease } from '../src/release.js';

// Each row: release string, where it comes from, and what must be parsed out of it.
const TABLE: Array<[string, string, Partial<ReturnType<typeof parseRelease>>]> = [
  ['6.1.0-56-amd64', 'Debian 12 point release kernel ABI 56 (linux-image-6.1.0-56-amd64)', { version: '6.1.0', abi: '56', flavour: 'amd64', distro: 'debian', arch: 'amd64' }],
  ['6.12.95+deb12-amd64', 'Debian bookworm-backports package linux-image-6.12.95+deb12-amd64 (archive 2026-11)', { version: '6.12.95', distro: 'debian', distroRelease: '12', flavour: 'amd64', arch: 'amd64' }],
  ['7.2.13+deb14-arm64', 'Debian sid package linux-headers-7.2.13+deb14-arm64 (archive 2026-11)', { version: '7.2.13', distro: 'debian', distroRelease: '14', arch: 'arm64' }],
  ['5.10.0-32-cloud-amd64', 'Debian 11 package linux-image-5.10.0-32-cloud-amd64-unsigned (archive 2026-11)', { version: '5.10.0', abi: '32', flavour: 'cloud-amd64', distro: 'debian', arch: 'amd64' }],
  ['6.1.0-50-rt-amd64', 'Debian 12 package linux-image-6.1.0-50-rt-amd64-unsigned (archive 2026-11)', { flavour: 'rt-amd64', distro: 'debian', arch: 'amd64' }],
  ['5.15.0-91-generic', 'Ubuntu 22.04 linux-image-5.15.0-91-generic (jammy-updates, Dec 2023)', { version: '5.15.0', abi: '91', flavour: 'generic', distro: 'ubuntu' }],
  ['6.8.0-1015-aws', 'Ubuntu 24.04 linux-image-6.8.0-1015-aws (noble-updates)', { version: '6.8.0', abi: '1015', flavour: 'aws', distro: 'ubuntu' }],
  ['5.15.0-1056-azure', 'Ubuntu 22.04 linux-image-5.15.0-1056-azure', { abi: '1056', flavour: 'azure', distro: 'ubuntu' }],
  ['6.8.0-45-lowlatency', 'Ubuntu 24.04 linux-image-6.8.0-45-lowlatency', { flavour: 'lowlatency', distro: 'ubuntu' }],
  ['4.18.0-553.el8_10.x86_64', 'RHEL 8.10 GA kernel (kernel-4.18.0-553.el8_10)', { version: '4.18.0', abi: '553.el8_10', distro: 'rhel', distroRelease: '8.10', arch: 'amd64' }],
  ['5.14.0-427.13.1.el9_4.x86_64', 'RHEL 9.4 errata kernel (kernel-5.14.0-427.13.1.el9_4)', { version: '5.14.0', abi: '427.13.1.el9_4', distro: 'rhel', distroRelease: '9.4', arch: 'amd64' }],
  ['5.14.0-427.13.1.el9_4.aarch64', 'RHEL 9.4 arm64 build of the same errata', { distro: 'rhel', arch: 'arm64' }],
  ['6.11.4-301.fc41.x86_64', 'Fedora 41 GA kernel (kernel-6.11.4-301.fc41)', { version: '6.11.4', abi: '301', distro: 'fedora', distroRelease: '41', arch: 'amd64' }],
  ['6.11.5-arch1-1', 'Arch Linux package linux 6.11.5.arch1-1', { version: '6.11.5', distro: 'arch', abi: 'arch1-1' }],
  ['6.6.58-1-lts', 'Arch Linux package linux-lts 6.6.58-1', { version: '6.6.58', distro: 'arch', flavour: 'lts' }],
  ['6.4.0-150600.23.25-default', 'SUSE SLE 15 SP6 kernel-default 6.4.0-150600.23.25', { version: '6.4.0', abi: '150600.23.25', flavour: 'default', distro: 'suse' }],
  ['5.15.153.1-microsoft-standard-WSL2', 'WSL2 kernel 5.15.153.1 (microsoft/WSL2-Linux-Kernel tag)', { version: '5.15.153', abi: '1', distro: 'wsl' }],
  ['6.6.51+rpt-rpi-v8', 'Raspberry Pi OS bookworm linux-image-6.6.51+rpt-rpi-v8', { version: '6.6.51', distro: 'raspberrypi', flavour: 'rpi-v8', arch: 'arm64' }],
  ['6.12.0', 'mainline v6.12 built from kernel.org without LOCALVERSION', { version: '6.12.0', series: '6.12', distro: 'mainline' }],
  ['6.13.0-rc3', 'mainline v6.13-rc3 release candidate', { version: '6.13.0-rc3', series: '6.13', distro: 'mainline', prerelease: 'rc3' }],
  ['7.0.0-rc1+', 'mainline 7.0-rc1 built from a modified tree (setlocalversion appends +)', { version: '7.0.0-rc1', series: '7.0', distro: 'mainline', dirty: true }],
  ['6.6.30-gentoo-dist', 'unknown shape (Gentoo dist-kernel): only the version is promised', { version: '6.6.30', series: '6.6', distro: 'unknown' }],
];

describe('parseRelease', () => {
  it.each(TABLE)('%s (%s)', (release, _source, want) => {
    const got = parseRelease(release);
    expect(got.release).toBe(release);
    expect(got).toMatchObject(want);
  });

  it('rejects a string with no version, with exit code 2 and a hint', () => {
    expect(() => parseRelease('generic')).toThrowError(/not a kernel release string/);
    expect(() => parseRelease('linux')).toThrowError(expect.objectContaining({ exitCode: 2, hint: expect.stringMatching(/uname -r/) }));
  });
});
