#!/usr/bin/env bash
# The main job on the embedded default (`npm run demo [-- up|preview|refresh|reveal|destroy]`):
# starts a local OAuth 2.0 server (oidc-provider) with a demo client, logs into a local
# file backend (.demo/state) with a demo passphrase, and runs the root Pulumi.yaml program,
# which issues one access token. Safe to run again; `destroy` revokes and cleans up.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
action="${1:-up}"
case "$action" in
  up | preview | refresh | reveal | destroy) ;;
  *)
    echo "usage: npm run demo [-- up|preview|refresh|reveal|destroy]" >&2
    exit 2
    ;;
esac

bash "$ROOT/scripts/setup.sh"
# shellcheck source=toolchain.sh
. "$ROOT/scripts/toolchain.sh"
cd "$ROOT"

DEMO="$ROOT/.demo"
PORT="${DEMO_OAUTH_PORT:-9580}"
mkdir -p "$DEMO/state"
export PULUMI_BACKEND_URL="file://$DEMO/state"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-demo-passphrase}"
export PULUMI_HOME="$DEMO/pulumi-home"
export PULUMI_NODEJS_TRANSPILE_ONLY=true
# Stack config lives in .demo/ too, so the checkout stays clean.
pulumi_demo() { pulumi --non-interactive --stack demo --config-file "$DEMO/Pulumi.demo.yaml" "$@"; }
pulumi_stack() { pulumi --non-interactive --stack demo "$@"; }

# The token server keeps its tokens in .demo/oauth-store.json, so a later run (refresh,
# destroy) talks to the same tokens.
node -r ts-node/register/transpile-only test/kit/oauth-server.ts --port "$PORT" \
  --store "$DEMO/oauth-store.json" >"$DEMO/oauth-server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if grep -q issuer "$DEMO/oauth-server.log" 2>/dev/null; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "The demo OAuth server did not start (port $PORT busy? set DEMO_OAUTH_PORT):" >&2
    cat "$DEMO/oauth-server.log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "[demo] OAuth 2.0 server (oidc-provider) on http://127.0.0.1:$PORT, client demo-client" >&2

if [ ! -f "$DEMO/Pulumi.demo.yaml" ]; then
  # `stack init` writes the stack's encryption salt beside Pulumi.yaml; keep it in .demo/.
  pulumi --non-interactive stack init demo >/dev/null
  mv Pulumi.demo.yaml "$DEMO/Pulumi.demo.yaml"
fi
pulumi_demo config set issuer "http://127.0.0.1:$PORT"
pulumi_demo config set clientId demo-client
pulumi_demo config set --secret clientSecret demo-client-secret-change-me

case "$action" in
  up)
    pulumi_demo up --yes
    echo
    pulumi_stack stack output
    cat <<MSG

The access token is a secret output (shown as [secret] above; encrypted in .demo/state).
  Reveal it:        npm run demo -- reveal
  Check it:         npm run demo -- refresh     (asks the server whether it is still active)
  Clean up:         npm run demo -- destroy     (revokes the token)
MSG
    ;;
  preview) pulumi_demo preview --diff ;;
  refresh) pulumi_demo refresh --yes ;;
  reveal) pulumi_stack stack output accessToken --show-secrets ;;
  destroy) pulumi_demo destroy --yes ;;
esac
