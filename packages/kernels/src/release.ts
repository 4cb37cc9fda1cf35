/** Parse a kernel release string (`uname -r`) into version, ABI, flavour, distro family and arch. */
// The one function, not the package's index: that loads all 46 of its files (~20 ms of every CLI start-up).
import parseSemver from 'semver/functions/parse.js';
import { UsageError } from '@cgpu/common';

export type Distro = 'debian' | 'ubuntu' | 'rhel' | 'fedora' | 'arch' | 'suse' | 'wsl' | 'raspberrypi' | 'mainline' | 'unknown';
export type Arch = 'amd64' | 'arm64';

export interface ParsedRelease {
  release: string;
  /** Upstream version as semver, e.g. `6.1.0` (Debian's old ABI names carry `.0`, not the patch level). */
  version: string;
  /** `major.minor`, e.g. `6.1`. */
  series: string;
  /** Distro ABI or build number: Debian `56`, Ubuntu `91`, RHEL `553.el8_10`, SUSE `150600.23.25`. */
  abi?: string;
  flavour?: string;
  distro: Distro;
  /** Distro release where the string names it: Debian `12`, RHEL `9.4`, Fedora `41`. */
  distroRelease?: string;
  arch?: Arch | 'other';
  /** `rc3` for mainline release candidates. */
  prerelease?: string;
  /** Trailing `+` of a dirty/modified tree. */
  dirty?: boolean;
}

const DEBIAN_ARCH_SUFFIX = /(^|-)(amd64|arm64|arm64-16k|i386|686|686-pae|armmp|armmp-lpae|marvell|rpi|s390x|powerpc64le|riscv64|loong64|4kc-malta|5kc-malta|octeon|mips32r2el|mips64r2el|loongson-3)$/;
const UBUNTU_FLAVOURS = /^(generic|generic-64k|generic-lpae|lowlatency|lowlatency-64k|aws|aws-64k|azure|azure-fde|gcp|gke|gkeop|oracle|oracle-64k|kvm|ibm|nvidia|nvidia-lowlatency|raspi|raspi-nolpae|realtime|intel-iotg|xilinx-zynqmp|oem|fips|bluefield)$/;
const ARCH_LINUX_FLAVOURS = /^(lts|zen\d*|hardened\d*)$/;
const SUSE_FLAVOURS = /^(default|azure|rt|64kb|kvmsmall|vanilla|preempt|zfcpdump)$/;

function archOf(s: string | undefined): Arch | 'other' | undefined {
  if (!s) return undefined;
  if (/(^|[-_.])(amd64|x86_64)$/.test(s)) return 'amd64';
  if (/(^|[-_.])(arm64|aarch64|arm64-16k)$/.test(s) || /-16k$/.test(s) && s.includes('arm64')) return 'arm64';
  if (/(^|-)(i386|686|686-pae|armmp|armmp-lpae|s390x|ppc64le|powerpc64le|riscv64|loong64)$/.test(s)) return 'other';
  return undefined;
}

function base(release: string, version: string, rest: Omit<ParsedRelease, 'release' | 'version' | 'series'>): ParsedRelease {
  const v = parseSemver(version);
  if (!v) throw new UsageError({ code: 'KERNEL_RELEASE_INVALID', message: `"${version}" in "${release}" is not a version` });
  const out: ParsedRelease = { release, version: v.version, series: `${v.major}.${v.minor}`, distro: rest.distro };
  for (const [k, val] of Object.entries(rest)) if (val !== undefined) (out as unknown as Record<string, unknown>)[k] = val;
  return out;
}

/** Parse `uname -r` shapes of Debian, Ubuntu, RHEL, Fedora, Arch, SUSE, WSL2, Raspberry Pi OS and mainline. */
export function parseRelease(input: string): ParsedRelease {
  const r = input.trim();
  let m: RegExpMatchArray | null;

  // Debian >= 6.12 naming: 6.12.95+deb12-amd64, 7.2.13+deb14-arm64
  if ((m = r.match(/^(\d+\.\d+\.\d+)\+deb(\d+)-([a-z0-9-]+)$/))) {
    return base(r, m[1]!, { distro: 'debian', distroRelease: m[2]!, flavour: m[3]!, arch: archOf(m[3]) });
  }
  // Raspberry Pi OS: 6.6.51+rpt-rpi-v8, 6.6.51+rpt-rpi-2712
  if ((m = r.match(/^(\d+\.\d+\.\d+)\+rpt-(rpi-[a-z0-9]+)$/))) {
    return base(r, m[1]!, { distro: 'raspberrypi', flavour: m[2]!, arch: /v8|2712/.test(m[2]!) ? 'arm64' : 'other' });
  }
  // RHEL family: 4.18.0-553.el8_10.x86_64, 5.14.0-427.13.1.el9_4.x86_64
  if ((m = r.match(/^(\d+\.\d+\.\d+)-([\d.]+\.el(\d+)(?:_(\d+))?)\.(x86_64|aarch64|ppc64le|s390x)(?:\+(\w+))?$/))) {
    return base(r, m[1]!, {
      distro: 'rhel', abi: m[2]!, distroRelease: m[4] ? `${m[3]}.${m[4]}` : m[3]!, arch: archOf(m[5]) ?? 'other',
      flavour: m[6],
    });
  }
  // Fedora: 6.11.4-301.fc41.x86_64
  if ((m = r.match(/^(\d+\.\d+\.\d+)-(\d+)\.fc(\d+)\.(x86_64|aarch64|ppc64le|s390x)$/))) {
    return base(r, m[1]!, { distro: 'fedora', abi: m[2]!, distroRelease: m[3]!, arch: archOf(m[4]) ?? 'other' });
  }
  // Arch Linux: 6.11.5-arch1-1
  if ((m = r.match(/^(\d+\.\d+\.\d+)-arch(\d+)-(\d+)$/))) {
    return base(r, m[1]!, { distro: 'arch', abi: `arch${m[2]}-${m[3]}`, flavour: 'arch', arch: 'amd64' });
  }
  // WSL2: 5.15.153.1-microsoft-standard-WSL2
  if ((m = r.match(/^(\d+\.\d+\.\d+)\.(\d+)-microsoft-standard-WSL2\+?$/))) {
    return base(r, m[1]!, { distro: 'wsl', abi: m[2]!, flavour: 'microsoft-standard-WSL2' });
  }
  // SUSE: 6.4.0-150600.23.25-default (ABI with dots)
  if ((m = r.match(/^(\d+\.\d+\.\d+)-(\d+(?:\.\d+)+)-([a-z0-9]+)$/)) && SUSE_FLAVOURS.test(m[3]!)) {
    return base(r, m[1]!, { distro: 'suse', abi: m[2]!, flavour: m[3]! });
  }
  // Debian <= 6.1 (6.1.0-56-amd64), Ubuntu (5.15.0-91-generic), Arch LTS (6.6.58-1-lts): x.y.z-N-flavour
  if ((m = r.match(/^(\d+\.\d+\.\d+)-(\d+)-([A-Za-z0-9-]+)$/))) {
    const flavour = m[3]!;
    if (DEBIAN_ARCH_SUFFIX.test(flavour)) return base(r, m[1]!, { distro: 'debian', abi: m[2]!, flavour, arch: archOf(flavour) });
    if (ARCH_LINUX_FLAVOURS.test(flavour)) return base(r, m[1]!, { distro: 'arch', abi: m[2]!, flavour, arch: 'amd64' });
    if (UBUNTU_FLAVOURS.test(flavour)) {
      const arch = /-64k$/.test(flavour) || /^raspi/.test(flavour) ? 'arm64' : undefined;
      return base(r, m[1]!, { distro: 'ubuntu', abi: m[2]!, flavour, arch });
    }
    return base(r, m[1]!, { distro: 'unknown', abi: m[2]!, flavour });
  }
  // Mainline: 6.12.0, 6.13.0-rc3, 7.0.0-rc1+, 6.12 (two components)
  if ((m = r.match(/^(\d+)\.(\d+)(?:\.(\d+))?(?:-(rc\d+))?(\+)?$/))) {
    const version = `${m[1]}.${m[2]}.${m[3] ?? '0'}${m[4] ? `-${m[4]}` : ''}`;
    return base(r, version, { distro: 'mainline', prerelease: m[4], dirty: m[5] === '+' ? true : undefined });
  }
  // Unknown shape: still give the version where the numbers are there.
  if ((m = r.match(/^(\d+)\.(\d+)(?:\.(\d+))?/))) {
    const rest = r.slice(m[0].length).replace(/^[-+.]/, '');
    return base(r, `${m[1]}.${m[2]}.${m[3] ?? '0'}`, { distro: 'unknown', flavour: rest || undefined, arch: archOf(rest) });
  }
  throw new UsageError({
    code: 'KERNEL_RELEASE_INVALID',
    message: `"${r}" is not a kernel release string: it does not start with a version like 6.1.0`,
    hint: 'pass what `uname -r` prints, e.g. 6.1.0-56-amd64 or 5.15.0-91-generic',
  });
}
