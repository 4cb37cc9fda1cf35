#!/usr/bin/env bash
# One-time set-up on a fresh Debian 12: system packages, Node >= 22.13, npm dependencies, TypeScript build.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(docker.io qemu-system-x86 qemu-system-arm qemu-utils busybox-static debootstrap xz-utils gpgv
      debian-archive-keyring cpio dpkg-dev bc kmod jq patch lintian rpm gnupg)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}; run this as root or install them" >&2
    exit 2
  fi
  echo "setup: apt-get install ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

CGPU_NODE_BOOTSTRAP=1 . ci/node-env.sh
echo "setup: node $(node --version) at $(command -v node)" >&2
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >/dev/null
fi
npx tsc -b
echo "setup: done" >&2
