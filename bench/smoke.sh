#!/usr/bin/env bash
# Warm smoke timings beside a bare boot of the same kernel: bench/smoke.sh [spec] [arch] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/node-env.sh
exec node bench/smoke.mjs "$@"
