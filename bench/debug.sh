#!/usr/bin/env bash
# The debug-kernel cell's numbers: bench/debug.sh [series] [runs]. Builds the debug kernel if it is not cached.
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/node-env.sh
exec node bench/debug.mjs "$@"
