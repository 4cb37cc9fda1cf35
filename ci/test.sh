#!/usr/bin/env bash
# Every test: set-up, a Docker engine for the live tests, then vitest; ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
. ci/node-env.sh
export NX_DAEMON=false NO_COLOR=1
started_engine=0
if [ "$(id -u)" = 0 ] && ! docker info >/dev/null 2>&1; then
  ./cgpu engine start && started_engine=1 || echo "test: no Docker engine; the live build tests will fail" >&2
fi
cleanup() { [ "$started_engine" = 1 ] && ./cgpu engine stop || true; }
trap cleanup EXIT
mkdir -p test-results
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@"
rc=$?
set -e
node ci/summary.mjs test-results/vitest.json
exit $rc
