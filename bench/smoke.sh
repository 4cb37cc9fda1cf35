#!/usr/bin/env bash
# Bare boots (bzImage vs PVH vmlinux) and warm smoke timings side by side, TCG:
#   bench/smoke.sh [--runs N] [--smoke 6.1,5.10] [--boot 6.1,5.10,6.12,sid,7.3] [--arch amd64]
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/node-env.sh
exec node bench/smoke.mjs "$@"
