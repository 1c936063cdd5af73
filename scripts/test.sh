#!/usr/bin/env bash
# The test command (`npm test`): sets up the checkout, then runs every test layer with
# vitest — protocol units, the provider called directly, the shim, and the engine tests
# that drive the real `pulumi` CLI against local servers. Extra arguments go to vitest:
# `--project fast` runs only the fast lane (no CLI), `--project engine` only the engine
# tests (lanes are defined in vitest.config.mts).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
# shellcheck source=toolchain.sh
. "$ROOT/scripts/toolchain.sh"
cd "$ROOT"
npx --no-install vitest run "$@"
