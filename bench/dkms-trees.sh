#!/usr/bin/env bash
# DKMS source packages from Debian's archive, built by `cgpu build --src <tree>` and by the real dkms of the
# kernel's own suite in the same kernel image (one container per kernel, dkms installed into it with apt):
# the outcome (built / failed / skipped) must be the same, and both build times are printed.
# usage: bench/dkms-trees.sh [kernel specs...]   default: 6.1 6.12
# DKMS_TREES="v4l2loopback-dkms ..." picks the packages. Timings are noisy on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/node-env.sh
specs=("$@"); [ ${#specs[@]} -gt 0 ] || specs=(6.1 6.12)
pkgs=(${DKMS_TREES:-v4l2loopback-dkms tp-smapi-dkms bbswitch-dkms xtrx-dkms acpi-call-dkms})
work=$(mktemp -d /tmp/cgpu-dkms-bench.XXXXXX)
cname=""
cleanup() { [ -n "$cname" ] && docker rm -f "$cname" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
now() { date +%s.%N; }
conf() { bash -c '. "$1/dkms.conf" >/dev/null 2>&1; echo "$PACKAGE_NAME $PACKAGE_VERSION"' _ "$1"; }

rows=()
mismatch=0
for spec in "${specs[@]}"; do
  k=$(./cgpu kernels resolve "$spec" --json)
  rel=$(jq -r .release <<<"$k"); suite=$(jq -r .baseSuite <<<"$k")
  image=$(./cgpu images build --kernel "$spec" --json | jq -r .tag)
  trees=()
  for p in "${pkgs[@]}"; do trees+=("$(node bench/dkms-tree.mjs "$suite" "$p" "$work/src/$suite")"); done
  # The last tree again, with a BUILD_EXCLUSIVE_KERNEL that rules out every kernel here: both must skip it.
  skip="$work/src/excl/$(basename "${trees[-1]}")-excl"; mkdir -p "$(dirname "$skip")"; cp -a "${trees[-1]}" "$skip"
  sed -i 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="0.0excl"/' "$skip/dkms.conf"; echo 'BUILD_EXCLUSIVE_KERNEL="^4\."' >> "$skip/dkms.conf"
  trees+=("$skip")

  cname="cgpu-dkms-bench-$$-${rel//[^a-zA-Z0-9]/_}"
  docker run -d --name "$cname" --network host "$image" sleep infinity >/dev/null
  docker exec "$cname" sh -ec 'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; apt-get install -y -qq dkms >/dev/null' >/dev/null
  dkmsver=$(docker exec "$cname" dpkg-query -W -f '${Version}' dkms)
  for t in "${trees[@]}"; do
    read -r name ver < <(conf "$t")
    # cgpu
    t0=$(now); rc=0; nice -n 10 ./cgpu build --kernel "$spec" --src "$t" --out "$work/out" --json >"$work/c.json" 2>"$work/c.err" || rc=$?; t1=$(now)
    if [ $rc -ne 0 ]; then c=failed; elif jq -e .skipped "$work/c.json" >/dev/null; then c=skipped; else c=built; fi
    # real dkms in the same image
    docker exec "$cname" rm -rf "/usr/src/$name-$ver"
    docker cp "$t" "$cname:/usr/src/$name-$ver" >/dev/null
    docker exec "$cname" dkms add -m "$name" -v "$ver" >/dev/null 2>&1 || true
    d0=$(now); drc=0; docker exec "$cname" nice -n 10 dkms build -m "$name" -v "$ver" -k "$rel" >"$work/d.log" 2>&1 || drc=$?; d1=$(now)
    # dkms >= 3.0.11 exits 77 for BUILD_EXCLUSIVE; Debian 12's 3.0.10 dies with 9 and this message.
    case $drc in 0) d=built;; 77) d=skipped;; *) if grep -q 'BUILD_EXCLUSIVE directive which does not match' "$work/d.log"; then d=skipped; else d=failed; fi;; esac
    [ "$c" = "$d" ] && same=same || { same=DIFFERENT; mismatch=1; }
    rows+=("$(printf '%-14s %-20s %-26s %-8s %7.1f s  %-8s %7.1f s  %s' "$name" "$ver" "$rel" "$c" "$(echo "$t1 - $t0" | bc)" "$d" "$(echo "$d1 - $d0" | bc)" "$same")")
    printf '%s\n' "${rows[-1]}" >&2
    [ "$c" = failed ] && sed -n '1,3p' "$work/c.err" | sed 's/^/    cgpu: /' >&2
    [ "$d" = failed ] && grep -m3 -E 'error|Error' "$work/d.log" | sed 's/^/    dkms: /' >&2
  done
  rows+=("  (dkms $dkmsver of $suite, in $image)")
  docker rm -f "$cname" >/dev/null; cname=""
done
printf '%-14s %-20s %-26s %-8s %9s  %-8s %9s\n' tree version kernel cgpu time dkms time
printf '%s\n' "${rows[@]}"
exit $mismatch
