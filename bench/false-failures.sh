#!/usr/bin/env bash
# False failures of repeated warm smoke runs: bench/false-failures.sh [spec] [arch] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/node-env.sh
exec node bench/false-failures.mjs "$@"
