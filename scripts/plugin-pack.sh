#!/usr/bin/env bash
# Builds the plugin archive of the native provider, for programs in any language:
#
#   pulumi plugin install resource access-tokens <version> --file <archive>
#
# The archive holds the npm package (compiled JavaScript, schema.json), its runtime
# dependencies and @pulumi/pulumi (copied from this checkout's node_modules: the versions
# the tests ran, no registry access), with the `pulumi-resource-access-tokens` script at
# its root. The machine running `pulumi` needs Node >= 22 on PATH.
#
# Usage: scripts/plugin-pack.sh [output directory]   (default: dist/plugin)
# Prints the archive's path.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
out="$(mkdir -p "${1:-$ROOT/dist/plugin}" && cd "${1:-$ROOT/dist/plugin}" && pwd)"
version="$(node -p 'require("./package.json").version')"
os="$(uname -s | tr '[:upper:]' '[:lower:]')"
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) arch="$(uname -m)" ;;
esac

npx --no-install tsc -p tsconfig.build.json
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
npm pack --silent --pack-destination "$tmp" >/dev/null
mkdir "$tmp/stage"
tar xzf "$tmp"/pulumi-access-tokens-*.tgz -C "$tmp/stage" --strip-components=1
node -r ts-node/register/transpile-only scripts/plugin-deps.ts "$tmp/stage"
install -m 0755 "$tmp/stage/bin/pulumi-resource-access-tokens" "$tmp/stage/pulumi-resource-access-tokens"
archive="$out/pulumi-resource-access-tokens-v$version-$os-$arch.tar.gz"
tar czf "$archive" -C "$tmp/stage" .
echo "$archive"
