// An OAuth 2.0 access token from any OAuth 2.0 server, as a secret stack output.
using System.Collections.Generic;
using Pulumi;
using PulumiAccessTokens.AccessTokens;

return await Deployment.RunAsync(() =>
{
    var config = new Config();

    // Endpoints come from the issuer's discovery document.
    var token = new AccessToken("api-token", new AccessTokenArgs
    {
        Issuer = config.Require("issuer"),
        ClientId = config.Require("clientId"),
        ClientSecret = config.RequireSecret("clientSecret"),
        Scopes = { "api:read" },
    });

    return new Dictionary<string, object?>
    {
        // The token itself: a secret, shown as [secret].
        ["accessToken"] = token.AccessTokenValue,
        ["tokenType"] = token.TokenType,
        ["expiresAt"] = token.ExpiresAt,
    };
});
