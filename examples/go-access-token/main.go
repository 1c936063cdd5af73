// An OAuth 2.0 access token from any OAuth 2.0 server, as a secret stack output.
package main

import (
	"github.com/pulumi-access-tokens/pulumi-access-tokens/sdk/go/accesstokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		scopes := []string{"api:read"}
		cfg.GetObject("scopes", &scopes)
		// Endpoints come from the issuer's discovery document.
		token, err := accesstokens.NewAccessToken(ctx, "api-token", &accesstokens.AccessTokenArgs{
			Issuer:       pulumi.String(cfg.Require("issuer")),
			ClientId:     pulumi.String(cfg.Require("clientId")),
			ClientSecret: cfg.RequireSecret("clientSecret"),
			Scopes:       pulumi.ToStringArray(scopes),
		})
		if err != nil {
			return err
		}
		// The token itself: a secret, shown as [secret].
		ctx.Export("accessToken", token.AccessToken)
		ctx.Export("tokenType", token.TokenType)
		ctx.Export("expiresAt", token.ExpiresAt)
		return nil
	})
}
