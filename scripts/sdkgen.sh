#!/usr/bin/env bash
# Regenerates the Python, Go and .NET SDKs (sdk/python, sdk/go, sdk/dotnet) from schema.json
# with Pulumi's own code generators (scripts/sdkgen). `npm run sdkgen`.
#
#   bash scripts/sdkgen.sh [out-dir] [schema]    (defaults: sdk, schema.json)
#
# The TypeScript files in sdk/ are the hand-written dynamic-provider SDK; only the three
# language folders are replaced.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=toolchain.sh
. "$ROOT/scripts/toolchain.sh"
out="${1:-$ROOT/sdk}"
schema="${2:-$ROOT/schema.json}"
# The SDKs carry the npm package's version: the plugin they ask the engine for.
version="$(node -p 'require(process.argv[1]).version' "$ROOT/package.json")"
"$PAT_SDKGEN_DIR/sdkgen" -schema "$schema" -version "$version" -out "$out" -lang python,go
"$PAT_SDKGEN_DIR/sdkgen-dotnet" -schema "$schema" -version "$version" -out "$out"
