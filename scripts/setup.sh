#!/usr/bin/env bash
# Prepares a checkout: toolchain (Node >= 22, Pulumi engine), npm dependencies, the
# package linked under its own name (so programs and the provider host resolve
# `pulumi-access-tokens` from this checkout, as they would from an install), and the
# build. Idempotent; run it, then source scripts/toolchain.sh for PATH.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=toolchain.sh
. "$ROOT/scripts/toolchain.sh"
cd "$ROOT"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
stamp="node_modules/.setup-stamp"
want="$(sha256sum <package-lock.json | cut -c1-16)-$(node --version)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] installing npm dependencies (npm ci)" >&2
  npm ci --loglevel=error >&2
  echo "$want" >"$stamp"
fi
ln -sfn .. node_modules/pulumi-access-tokens
echo "[setup] building" >&2
npx --no-install tsc -p tsconfig.build.json
