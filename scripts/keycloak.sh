#!/usr/bin/env bash
# Installs Keycloak for the engine tests that use it as a real OAuth 2.0 peer, and prints
# where it is. Idempotent; the slow parts are cached outside the checkout, keyed by version:
#
#   1. the distribution `org.keycloak:keycloak-quarkus-dist:<version>:zip`, fetched from
#      Maven Central with the machine's Maven (`mvn dependency:copy`) and unpacked;
#   2. `kc.sh build` once (an optimized server: H2 file database, local caches, no
#      management interface), so every start skips Quarkus' augmentation;
#   3. a seed run: the server started once on an empty database, so the schema, the master
#      realm and a class-data-sharing archive of the JVM exist. Each test run copies the
#      seed database into its own temporary directory (runs share no state) and starts
#      from it, which skips the schema creation.
#
# Keycloak needs Java >= 21: $JAVA_HOME when it is one, else the newest JDK under
# /usr/lib/jvm (or /Library/Java/JavaVirtualMachines), else `java` on PATH.
#
# Output (stdout, one `NAME=value` a line): KEYCLOAK_HOME (the built distribution, read-only
# after install), KEYCLOAK_SEED (the seed data directory), KEYCLOAK_JAVA_HOME and
# KEYCLOAK_JAVA_OPTS_APPEND (JVM options that cut start time). Progress goes to stderr.
#
# Measured on a shared 2-core machine kept busy by other test runs (load average 12-22):
# cold (Maven from its local repository, unpack, build, seed) 583 s; warm start (seed
# copied, realm imported, discovery answering) 51-95 s; the same start without the JVM
# options below took 181 s. Time a warm start with
#   node -r ts-node/register/transpile-only test/servers/keycloak.ts
#
# Cache root: $PULUMI_ACCESS_TOKENS_CACHE (default ~/.cache/pulumi-access-tokens).
set -euo pipefail

KC_VERSION="${PAT_KEYCLOAK_VERSION:-26.7.3}"
CACHE="${PULUMI_ACCESS_TOKENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-access-tokens}"
# Build-time options; a change here makes a new cache entry.
BUILD_OPTS=(--db=dev-file --health-enabled=false --metrics-enabled=false)
KEY="$(printf '%s\n' "$KC_VERSION" "${BUILD_OPTS[@]}" "seed-v1" | sha256sum | cut -c1-10)"
DIR="$CACHE/keycloak-$KC_VERSION-$KEY"

log() { echo "[keycloak] $*" >&2; }
die() {
  log "$*"
  exit 1
}

java_major() {
  "$1" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -1
}

find_java_home() {
  local best="" best_major=0 candidate major
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for candidate in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$candidate" ] && candidates+=("$candidate")
  done
  if command -v java >/dev/null; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for candidate in "${candidates[@]}"; do
    [ -x "$candidate/bin/java" ] || continue
    major="$(java_major "$candidate/bin/java")"
    [ -n "$major" ] || continue
    # $JAVA_HOME wins when it is recent enough; otherwise the newest one found.
    if [ "$candidate" = "${JAVA_HOME:-}" ] && [ "$major" -ge 21 ]; then
      echo "$candidate"
      return
    fi
    if [ "$major" -gt "$best_major" ]; then
      best="$candidate"
      best_major="$major"
    fi
  done
  [ "$best_major" -ge 21 ] || die "Keycloak $KC_VERSION needs Java >= 21; none found (JAVA_HOME, /usr/lib/jvm/*, java on PATH; newest seen: ${best_major:-none}). Install a JDK 21 or later (e.g. the temurin-21-jdk or openjdk-21-jdk-headless package) or set JAVA_HOME to one."
  echo "$best"
}

JAVA_HOME_FOUND="$(find_java_home)"
JAVA_VERSION_KEY="$("$JAVA_HOME_FOUND/bin/java" -version 2>&1 | head -1 | sha256sum | cut -c1-8)"
CDS="$DIR/jvm-$JAVA_VERSION_KEY.jsa"
# C1 only (a test server runs briefly; C2 compiling costs a loaded machine more than it
# saves) and the class-data-sharing archive written by the seed run (ignored when absent).
JAVA_OPTS_APPEND="-XX:TieredStopAtLevel=1 -XX:SharedArchiveFile=$CDS -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off"

mkdir -p "$CACHE"
exec 8>"$CACHE/.keycloak.lock"
flock 8

if [ ! -f "$DIR/.built" ]; then
  command -v mvn >/dev/null || die "Maven (mvn) is required to fetch org.keycloak:keycloak-quarkus-dist:$KC_VERSION:zip from Maven Central"
  tmp="$(mktemp -d "$CACHE/keycloak-tmp.XXXXXX")"
  log "fetching org.keycloak:keycloak-quarkus-dist:$KC_VERSION:zip with Maven (first run only)"
  mvn -q -B -Dstyle.color=never dependency:copy "-Dartifact=org.keycloak:keycloak-quarkus-dist:$KC_VERSION:zip" \
    "-DoutputDirectory=$tmp" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2
  (cd "$tmp" && unzip -q "keycloak-quarkus-dist-$KC_VERSION.zip")
  rm -rf "$DIR"
  mv "$tmp/keycloak-$KC_VERSION" "$DIR"
  rm -rf "$tmp"
  log "building an optimized server (kc.sh build ${BUILD_OPTS[*]}; first run only, about a minute)"
  JAVA_HOME="$JAVA_HOME_FOUND" "$DIR/bin/kc.sh" build "${BUILD_OPTS[@]}" >&2
  touch "$DIR/.built"
fi

if [ ! -f "$DIR/seed/.ready" ]; then
  log "seeding: first start on an empty database (schema, master realm, JVM class archive)"
  rm -rf "$DIR/seed" "$DIR/data"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo 18765)"
  (
    export JAVA_HOME="$JAVA_HOME_FOUND"
    export JAVA_OPTS_APPEND="-XX:TieredStopAtLevel=1 -XX:ArchiveClassesAtExit=$CDS -Xlog:cds=off -Xlog:cds+dynamic=off"
    export KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=admin
    exec setsid "$DIR/bin/kc.sh" start --optimized --http-enabled=true --http-host=127.0.0.1 \
      "--http-port=$port" "--hostname=http://127.0.0.1:$port" --cache=local
  ) >"$CACHE/keycloak-seed.log" 2>&1 &
  pid=$!
  ok=""
  for _ in $(seq 1 600); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/realms/master/.well-known/openid-configuration"; then
      ok=1
      break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [ -n "$ok" ] || die "the seed start of Keycloak failed; see $CACHE/keycloak-seed.log"
  mv "$DIR/data" "$DIR/seed"
  rm -rf "$DIR/seed/tmp" "$DIR/seed/import"
  touch "$DIR/seed/.ready"
fi

exec 8>&-
echo "KEYCLOAK_HOME=$DIR"
echo "KEYCLOAK_SEED=$DIR/seed"
echo "KEYCLOAK_JAVA_HOME=$JAVA_HOME_FOUND"
echo "KEYCLOAK_JAVA_OPTS_APPEND=$JAVA_OPTS_APPEND"
