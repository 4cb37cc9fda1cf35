#!/usr/bin/env bash
# Every test: set-up, a Docker engine for the live tests, then vitest: the unit project first, then the live
# one (real archive, dockerd, QEMU) on its own so its timing checks run on a quiet machine.
# Ends with the plain closing line "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
. ci/node-env.sh
export NX_DAEMON=false NO_COLOR=1
# The live suite's per-distro DKMS and apt checks: the newest distros here; CGPU_LIVE_SCOPE=full runs every one.
export CGPU_LIVE_SCOPE="${CGPU_LIVE_SCOPE:-ci}"
started_engine=0
if ! docker info >/dev/null 2>&1; then
  if ./cgpu engine start; then started_engine=1; else echo "test: no Docker engine; the live build tests will fail" >&2; fi
fi
cleanup() { if [ "$started_engine" = 1 ]; then ./cgpu engine stop || true; fi; }
trap cleanup EXIT
rm -rf test-results && mkdir -p test-results
rc=0
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json=test-results/unit.json "$@" || rc=$?
npx vitest run --project live --reporter=default --reporter=json --outputFile.json=test-results/live.json "$@" || rc=$?
node ci/summary.mjs test-results/unit.json test-results/live.json
exit $rc
