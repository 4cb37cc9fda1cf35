#!/usr/bin/env bash
# Builder timings: cold image (its images removed first), warm image, and per-kernel `cgpu build` beside the
# same work (module make + smoke tools) run by hand in the same container.
# usage: bench/build.sh [cold-spec] [specs...]   default: 6.1, then 5.10 6.1 6.12 7.2 7.3
# BENCH_SKIP_COLD=1 skips the cold image (which removes and rebuilds that kernel's images).
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/node-env.sh
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }
cold="${1:-6.1}"; shift || true
specs=("$@"); [ ${#specs[@]} -gt 0 ] || specs=(5.10 6.1 6.12 7.2 7.3)

if [ "${BENCH_SKIP_COLD:-0}" != 1 ]; then
k=$(./cgpu kernels resolve "$cold" --json)
rel=$(jq -r .release <<<"$k"); suite=$(jq -r .baseSuite <<<"$k"); gcc=$(jq -r .gccMajor <<<"$k")
for img in $(docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -E "^cgpu-(base:$suite-|builder:$suite-gcc$gcc-amd64-|kernel:$rel-)"); do
  docker image rm -f "$img" >/dev/null
done
t0=$(now); ./cgpu images build --kernel "$cold" >/dev/null 2>&1; t1=$(now)
./cgpu images build --kernel "$cold" >/dev/null 2>&1; t2=$(now)
printf 'images for %s: cold %.1f s (debootstrap + toolchain + headers), warm %.2f s\n' "$rel" "$(secs "$t0" "$t1")" "$(secs "$t1" "$t2")"
fi

printf '%-24s %10s %10s %9s\n' kernel 'cgpu build' 'by hand' overhead
for spec in "${specs[@]}"; do
  ./cgpu build --kernel "$spec" >/dev/null 2>&1   # warm everything up (image, probes)
  t0=$(now); ./cgpu build --kernel "$spec" --json > /tmp/cgpu-bench-build.json; t1=$(now)
  rel=$(jq -r .kernel /tmp/cgpu-bench-build.json); image=$(jq -r .image /tmp/cgpu-bench-build.json)
  # the same source the tool built: kernel-src with the same patches, applied by hand
  src=$(mktemp -d); cp -r kernel-src/. "$src/"
  for p in $(jq -r '.patches[].name' /tmp/cgpu-bench-build.json); do
    patch -s -p1 -d "$src" -i "$PWD/patches/$(./cgpu patches list --json | jq -r ".[] | select(.name==\"$p\") | .file")"
  done
  gccn=$(jq -r .gcc /tmp/cgpu-bench-build.json)
  t2=$(now)
  docker run --rm --network none -v "$src:/src:ro" "$image" sh -ec "cp -r /src /tmp/m && make -s -j$(nproc) -C /usr/src/linux-headers-$rel M=/tmp/m modules >/dev/null && make -s -C /tmp/m/tools CC=$gccn CC32='$gccn -m32' OUT=/tmp/out >/dev/null"
  t3=$(now)
  rm -rf "$src"
  a=$(secs "$t0" "$t1"); b=$(secs "$t2" "$t3")
  printf '%-24s %8.2f s %8.2f s %8.0f%%\n' "$rel" "$a" "$b" "$(echo "($a - $b) * 100 / $b" | bc -l)"
done
