"""An OAuth 2.0 access token from any OAuth 2.0 server, as a secret stack output."""

import pulumi
import pulumi_access_tokens as access_tokens

config = pulumi.Config()

# Endpoints come from the issuer's discovery document.
token = access_tokens.AccessToken(
    "api-token",
    issuer=config.require("issuer"),
    client_id=config.require("clientId"),
    client_secret=config.require_secret("clientSecret"),
    scopes=config.get_object("scopes") or ["api:read"],
)

# The token itself: a secret, shown as [secret].
pulumi.export("accessToken", token.access_token)
pulumi.export("tokenType", token.token_type)
pulumi.export("expiresAt", token.expires_at)
