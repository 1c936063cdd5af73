#!/usr/bin/env bash
# Puts a Node >= 22 and the Pulumi engine (CLI, Node language host, dynamic-provider
# plugin) on PATH. Idempotent; everything slow is cached outside the checkout, keyed by
# version, so a fresh clone reuses it. Source it (`. scripts/toolchain.sh`) or run it.
#
# Cache root: $PULUMI_ACCESS_TOKENS_CACHE (default ~/.cache/pulumi-access-tokens).
# Strict mode inside, restored on return so a sourcing shell keeps its own options.
_pat_saved_opts="$(set +o)"
set -euo pipefail

PAT_PULUMI_VERSION="${PAT_PULUMI_VERSION:-3.259.0}" # matches @pulumi/pulumi in package.json
PAT_NODE_MAJOR=24
PAT_NODE_MIN_MAJOR=22
PAT_CACHE="${PULUMI_ACCESS_TOKENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-access-tokens}"
PAT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$PAT_CACHE"

pat_log() { echo "[toolchain] $*" >&2; }

# Serialize concurrent bootstraps (two CI jobs, or a test and the demo) on one machine.
exec 9>"$PAT_CACHE/.lock"
flock 9

node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

pat_ensure_node() {
  if command -v node >/dev/null && [ "$(node_major)" -ge "$PAT_NODE_MIN_MAJOR" ]; then
    return
  fi
  local dir="$PAT_CACHE/node-$PAT_NODE_MAJOR"
  if [ ! -x "$dir/bin/node" ] || [ "$(node_major "$dir/bin/node")" -lt "$PAT_NODE_MIN_MAJOR" ]; then
    pat_log "installing Node $PAT_NODE_MAJOR from the npm registry into $dir"
    local tmp
    tmp="$(mktemp -d "$PAT_CACHE/node-tmp.XXXXXX")"
    # The `node` package's own binary comes from its per-platform package; install that
    # directly so nothing depends on install scripts being allowed to run.
    local platform
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) platform=linux-x64 ;;
      Linux-aarch64) platform=linux-arm64 ;;
      Darwin-arm64) platform=darwin-arm64 ;;
      Darwin-x86_64) platform=darwin-x64 ;;
      *) pat_log "unsupported platform $(uname -s)-$(uname -m)"; exit 1 ;;
    esac
    (cd "$tmp" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
      "node-$platform@$PAT_NODE_MAJOR" >&2)
    rm -rf "$dir"
    mkdir -p "$dir"
    cp -a "$tmp/node_modules/node-$platform/." "$dir/"
    rm -rf "$tmp"
    "$dir/bin/node" --version >/dev/null
  fi
  export PATH="$dir/bin:$PATH"
}

pat_pulumi_ok() {
  local v
  v="$(pulumi version 2>/dev/null | sed 's/^v//')" || return 1
  [ -n "$v" ] || return 1
  # Good enough when at least the pinned version and the Node language host is beside it.
  [ "$(printf '%s\n%s\n' "$PAT_PULUMI_VERSION" "$v" | sort -V | head -1)" = "$PAT_PULUMI_VERSION" ] &&
    command -v pulumi-language-nodejs >/dev/null && command -v pulumi-resource-pulumi-nodejs >/dev/null
}

pat_ensure_pulumi() {
  if [ -z "${PAT_FORCE_ENGINE_BUILD:-}" ] && pat_pulumi_ok; then
    return
  fi
  local host_src="$PAT_ROOT/scripts/engine/language-host/main.go"
  local key
  key="$(sha256sum <"$host_src" | cut -c1-12)"
  local bin="$PAT_CACHE/pulumi-v$PAT_PULUMI_VERSION-$key/bin"
  if [ ! -x "$bin/pulumi" ] || [ ! -x "$bin/pulumi-language-nodejs" ]; then
    command -v go >/dev/null || { pat_log "Go is required to build the Pulumi engine"; exit 1; }
    local src="$PAT_CACHE/engine-src-v$PAT_PULUMI_VERSION"
    pat_log "building the Pulumi CLI v$PAT_PULUMI_VERSION from the Go module proxy (first run only; several minutes)"
    rm -rf "$src"
    mkdir -p "$src/language-host" "$bin.tmp"
    cp "$host_src" "$src/language-host/main.go"
    cat >"$src/go.mod" <<GOMOD
module pulumi-access-tokens/engine

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 v$PAT_PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PAT_PULUMI_VERSION
)

// Copied from pkg/go.mod (its non-local replace directives).
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
GOMOD
    local ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PAT_PULUMI_VERSION"
    (
      cd "$src"
      export GOFLAGS="-mod=mod" GOTOOLCHAIN=local
      go mod tidy >&2
      go build -trimpath -ldflags "$ldflags" -o "$bin.tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
      go build -trimpath -ldflags "$ldflags" -o "$bin.tmp/pulumi-language-nodejs" ./language-host >&2
    )
    rm -rf "$bin"
    mv "$bin.tmp" "$bin"
  fi
  # Cheap, so always refreshed from the checkout.
  cmp -s "$PAT_ROOT/scripts/engine/pulumi-resource-pulumi-nodejs" "$bin/pulumi-resource-pulumi-nodejs" ||
    install -m 0755 "$PAT_ROOT/scripts/engine/pulumi-resource-pulumi-nodejs" "$bin/"
  export PATH="$bin:$PATH"
}

# The YAML language host, for engine tests of the native plugin from YAML programs. Built
# as its own module: pulumi-yaml pins its own pkg/sdk versions and does not compile against
# the engine module above. Placed beside `pulumi` so the CLI finds it on PATH.
PAT_YAML_VERSION="${PAT_YAML_VERSION:-1.25.0}"
pat_ensure_yaml_host() {
  local pulumi_bin existing
  pulumi_bin="$(dirname "$(command -v pulumi)")"
  existing="$(command -v pulumi-language-yaml || true)"
  if [ -n "$existing" ]; then
    # One built here carries a version marker and is rebuilt when the pin moves; any other
    # (the official CLI bundles one) is used as is.
    local marker
    marker="$(dirname "$existing")/.pulumi-language-yaml.version"
    if [ ! -f "$marker" ] || [ "$(cat "$marker")" = "$PAT_YAML_VERSION" ]; then
      return
    fi
  fi
  local bin="$PAT_CACHE/pulumi-language-yaml-v$PAT_YAML_VERSION"
  if [ ! -x "$bin/pulumi-language-yaml" ]; then
    command -v go >/dev/null || { pat_log "Go is required to build the YAML language host"; exit 1; }
    local src="$PAT_CACHE/yaml-src-v$PAT_YAML_VERSION"
    pat_log "building the YAML language host v$PAT_YAML_VERSION from the Go module proxy (first run only; minutes)"
    rm -rf "$src" "$bin.tmp"
    mkdir -p "$src" "$bin.tmp"
    cat >"$src/go.mod" <<GOMOD
module pulumi-access-tokens/yaml-host

go 1.26

require github.com/pulumi/pulumi-yaml v$PAT_YAML_VERSION

tool github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
GOMOD
    (
      cd "$src"
      export GOFLAGS="-mod=mod" GOTOOLCHAIN=local
      go mod tidy >&2
      go build -trimpath -ldflags "-s -w" -o "$bin.tmp/pulumi-language-yaml" \
        github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml >&2
    )
    rm -rf "$bin"
    mv "$bin.tmp" "$bin"
  fi
  if [ -w "$pulumi_bin" ]; then
    install -m 0755 "$bin/pulumi-language-yaml" "$pulumi_bin/pulumi-language-yaml"
    echo "$PAT_YAML_VERSION" >"$pulumi_bin/.pulumi-language-yaml.version"
  else
    export PATH="$bin:$PATH"
  fi
}

# Python and Go language hosts (the official ones are not on the Go module proxy), built from
# scripts/engine/language-host-{python,go} against the engine's Go SDK and put beside `pulumi`
# (a host found only elsewhere on PATH makes every run warn).
pat_ensure_language_hosts() {
  local key
  key="$(cat "$PAT_ROOT"/scripts/engine/language-host-python/* "$PAT_ROOT"/scripts/engine/language-host-go/* | sha256sum | cut -c1-12)"
  local out="$PAT_CACHE/language-hosts-v$PAT_PULUMI_VERSION-$key"
  if [ ! -x "$out/pulumi-language-python" ] || [ ! -x "$out/pulumi-language-go" ]; then
    command -v go >/dev/null || { pat_log "Go is required to build the language hosts"; exit 1; }
    pat_log "building the Python and Go language hosts (first run only)"
    local src="$PAT_CACHE/language-hosts-src-v$PAT_PULUMI_VERSION"
    rm -rf "$src" "$out.tmp"
    mkdir -p "$src" "$out.tmp"
    cp -r "$PAT_ROOT/scripts/engine/language-host-python" "$PAT_ROOT/scripts/engine/language-host-go" "$src/"
    local engine="$PAT_CACHE/engine-src-v$PAT_PULUMI_VERSION"
    if [ -f "$engine/go.sum" ]; then
      # The engine module's versions: Go reuses the packages the engine build compiled.
      cp "$engine/go.mod" "$engine/go.sum" "$src/"
    else
      # No engine build here (a `pulumi` from PATH): resolve the SDK's own requirements.
      cat >"$src/go.mod" <<GOMOD
module pulumi-access-tokens/language-hosts

go 1.26

require github.com/pulumi/pulumi/sdk/v3 v$PAT_PULUMI_VERSION
GOMOD
    fi
    local ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PAT_PULUMI_VERSION"
    (
      cd "$src"
      export GOFLAGS="-mod=mod" GOTOOLCHAIN=local
      [ -f go.sum ] || go mod tidy >&2
      go build -trimpath -ldflags "$ldflags" -o "$out.tmp/pulumi-language-python" ./language-host-python >&2
      go build -trimpath -ldflags "$ldflags" -o "$out.tmp/pulumi-language-go" ./language-host-go >&2
    )
    rm -rf "$out"
    mv "$out.tmp" "$out"
  fi
  local bin
  bin="$(dirname "$(command -v pulumi)")"
  if [ -w "$bin" ]; then
    local h
    for h in pulumi-language-python pulumi-language-go; do
      cmp -s "$out/$h" "$bin/$h" || install -m 0755 "$out/$h" "$bin/"
    done
  else
    export PATH="$out:$PATH"
  fi
}

# The SDK generators (scripts/sdkgen: Python and Go with pkg v$PAT_PULUMI_VERSION; .NET with the
# last pkg release that has the C# generator), built once per source hash. Exports
# PAT_SDKGEN_DIR with `sdkgen` and `sdkgen-dotnet` in it; scripts/sdkgen.sh runs them.
pat_ensure_sdkgen() {
  local key
  key="$(cd "$PAT_ROOT/scripts/sdkgen" && find . -type f -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-12)"
  local out="$PAT_CACHE/sdkgen-$key"
  if [ ! -x "$out/sdkgen" ] || [ ! -x "$out/sdkgen-dotnet" ]; then
    command -v go >/dev/null || { pat_log "Go is required to build the SDK generators"; exit 1; }
    pat_log "building the SDK generators (first run only)"
    local src="$PAT_CACHE/sdkgen-src"
    rm -rf "$src" "$out.tmp"
    mkdir -p "$out.tmp"
    cp -r "$PAT_ROOT/scripts/sdkgen" "$src"
    cp "$src/common.go" "$src/languages.json" "$src/dotnet/"
    (
      export GOFLAGS="-mod=mod" GOTOOLCHAIN=local
      cd "$src" && go build -trimpath -o "$out.tmp/sdkgen" . >&2
      cd "$src/dotnet" && go build -trimpath -o "$out.tmp/sdkgen-dotnet" . >&2
    )
    rm -rf "$out"
    mv "$out.tmp" "$out"
  fi
  export PAT_SDKGEN_DIR="$out"
}

# The Python environment (scripts/sdkgen/requirements.txt: the `pulumi` SDK from PyPI, mypy)
# that type-checks programs against sdk/python and that Python programs in the engine tests
# run with. Exports PAT_PYTHON_VENV.
pat_ensure_python_env() {
  local key
  key="$(cat "$PAT_ROOT/scripts/sdkgen/requirements.txt" | sha256sum | cut -c1-12)"
  local venv="$PAT_CACHE/python-$key"
  if [ ! -f "$venv/.complete" ]; then
    command -v python3 >/dev/null || { pat_log "python3 (>= 3.9) is required for the Python SDK"; exit 1; }
    pat_log "creating the Python environment $venv (first run only)"
    # A virtualenv records its own path, so it is built in place; .complete marks it whole.
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --disable-pip-version-check --quiet -r "$PAT_ROOT/scripts/sdkgen/requirements.txt" >&2
    touch "$venv/.complete"
  fi
  export PAT_PYTHON_VENV="$venv"
}

pat_ensure_node
pat_ensure_pulumi
pat_ensure_yaml_host
pat_ensure_language_hosts
pat_ensure_sdkgen
pat_ensure_python_env
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
exec 9>&-

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  pat_log "node $(node --version), $(command -v pulumi) $(pulumi version)"
fi
eval "$_pat_saved_opts"
unset _pat_saved_opts
