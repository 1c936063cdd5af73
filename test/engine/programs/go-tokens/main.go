// A generic OAuth 2.0 access token through the generated Go SDK; a new `generation` config
// value rotates it.
package main

import (
	"github.com/pulumi-access-tokens/pulumi-access-tokens/sdk/go/accesstokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		token, err := accesstokens.NewAccessToken(ctx, "token", &accesstokens.AccessTokenArgs{
			Issuer:       pulumi.String(cfg.Require("issuer")),
			ClientId:     pulumi.String(cfg.Require("clientId")),
			ClientSecret: cfg.RequireSecret("clientSecret"),
			Scopes:       pulumi.StringArray{pulumi.String("api:read")},
			Triggers:     pulumi.StringMap{"generation": pulumi.String(cfg.Require("generation"))},
		})
		if err != nil {
			return err
		}
		ctx.Export("accessToken", token.AccessToken)
		ctx.Export("tokenType", token.TokenType)
		ctx.Export("expiresAt", token.ExpiresAt)
		return nil
	})
}
