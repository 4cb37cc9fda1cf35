#!/usr/bin/env bash
# DKMS timings: `cgpu package dkms` cold and warm, and the build of cgpu by Debian's real dkms in a container
# (PRE_BUILD probes + make) beside a warm `cgpu build` of the same kernel (cached probe results + make + smoke
# tools).
# usage: bench/dkms.sh [release...]   default: 6.1.0-50-amd64
# Needs the live test's images (cgpu-dkmstest:<release>-*, made by packages/dkms/test/dkms.live.test.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/node-env.sh
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }
rels=("$@"); [ ${#rels[@]} -gt 0 ] || rels=(6.1.0-50-amd64)

rm -f dist/dkms/.package.json
t0=$(now); ./cgpu package dkms >/dev/null 2>&1; t1=$(now)
printf 'cgpu package dkms: cold %.2f s (deb + ldtarball + rpm)\n' "$(secs "$t0" "$t1")"
for i in 1 2 3; do
  t0=$(now); ./cgpu package dkms >/dev/null 2>&1; t1=$(now)
  printf 'cgpu package dkms: warm %.2f s (goal < 3 s)\n' "$(secs "$t0" "$t1")"
done
deb=$(ls dist/dkms/cgpu-dkms_*_all.deb | sort -V | tail -1)
ver=$(dpkg-deb -f "$deb" Version)

printf '%-24s %14s %12s\n' kernel 'dkms build' 'cgpu build'
for rel in "${rels[@]}"; do
  img=$(docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -E "^cgpu-dkmstest:${rel//+/_}-" | head -1 || true)
  if [ -z "$img" ]; then echo "$rel: no cgpu-dkmstest image; run the dkms live test first" >&2; continue; fi
  name="cgpu-bench-dkms-$$"
  docker run -d --name "$name" --network none "$img" sleep 3600 >/dev/null
  trap 'docker rm -f "$name" >/dev/null 2>&1 || true' EXIT
  docker cp "$deb" "$name:/tmp/c.deb"
  docker exec "$name" sh -c 'dpkg -i /tmp/c.deb >/dev/null 2>&1 || true'
  docker exec "$name" sh -c "dkms remove -m cgpu -v $ver -k $rel >/dev/null 2>&1 || true"
  t0=$(now); docker exec "$name" dkms build -m cgpu -v "$ver" -k "$rel" >/dev/null; t1=$(now)
  docker rm -f "$name" >/dev/null
  ./cgpu build --kernel "$rel" >/dev/null 2>&1   # warm: image and probe results cached (dkms probes every build)
  t2=$(now); ./cgpu build --kernel "$rel" >/dev/null 2>&1; t3=$(now)
  printf '%-24s %12.1f s %10.1f s\n' "$rel" "$(secs "$t0" "$t1")" "$(secs "$t2" "$t3")"
done
