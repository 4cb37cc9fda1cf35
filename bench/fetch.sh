#!/usr/bin/env bash
# Cold and warm `cgpu kernels fetch` times for one kernel (default 6.1), cold = empty temporary cache dir.
set -euo pipefail
cd "$(dirname "$0")/.."
spec="${1:-6.1}"
cold=$(mktemp -d)
trap 'rm -rf "$cold"' EXIT
t0=$(date +%s.%N)
CGPU_CACHE_DIR="$cold" ./cgpu kernels fetch "$spec" >/dev/null 2>&1
t1=$(date +%s.%N)
CGPU_CACHE_DIR="$cold" ./cgpu kernels fetch "$spec" >/dev/null 2>&1
t2=$(date +%s.%N)
CGPU_CACHE_DIR="$cold" ./cgpu kernels fetch "$spec" --offline >/dev/null 2>&1
t3=$(date +%s.%N)
printf 'fetch %s: cold %.2f s (catalogue + debs)  warm %.2f s  warm --offline %.2f s\n' "$spec" \
  "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$(echo "$t3 - $t2" | bc)"
