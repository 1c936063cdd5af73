// API clients and access tokens as Pulumi resources: issued by the real token endpoint, secret outputs, rotated through `pulumi up`, revoked on destroy.
package accesstokens
