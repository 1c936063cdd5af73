"""A generic OAuth 2.0 access token through the generated Python SDK; a new `generation`
config value rotates it."""

import pulumi
import pulumi_access_tokens as access_tokens

config = pulumi.Config()

token = access_tokens.AccessToken(
    "token",
    issuer=config.require("issuer"),
    client_id=config.require("clientId"),
    client_secret=config.require_secret("clientSecret"),
    scopes=["api:read"],
    triggers={"generation": config.require("generation")},
)

pulumi.export("accessToken", token.access_token)
pulumi.export("tokenType", token.token_type)
pulumi.export("expiresAt", token.expires_at)
