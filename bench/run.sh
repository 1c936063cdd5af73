#!/usr/bin/env bash
# `npm run bench`: sets up the checkout (toolchain, npm deps, build of dist/), then runs
# the benchmark driver. Settings come from the environment (see bench/driver.ts), e.g.
#   BENCH_NS=10 BENCH_RUNS=1 npm run bench     # smoke, ~2–3 minutes
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
# shellcheck source=../scripts/toolchain.sh
. "$ROOT/scripts/toolchain.sh"
cd "$ROOT"
exec node -r ts-node/register/transpile-only bench/driver.ts "$@"
