import { AccessToken, ApiClient, alphaus, exastro, misskey, vantage } from "pulumi-access-tokens";

// Test program: every resource kind of every system, each secret input a plain string:
// the SDK alone must keep them secret. The values come from the environment, not from
// stack config (the engine records plaintext config in state by itself).
const given = process.env.PLAIN_SECRETS_VALUES;
if (!given) throw new Error("set PLAIN_SECRETS_VALUES to the program's values (JSON)");
const v = JSON.parse(given) as Record<string, string>;

// Generic OAuth 2.0: client_credentials at oidc-provider; password and refresh_token at
// the Vantage server's token endpoint (an IdentityServer-style OAuth 2.0 server).
new AccessToken("oauth2-client-credentials", {
  issuer: v.oidcIssuer,
  clientId: v.oidcClientId,
  clientSecret: v.oidcClientSecret,
});
const vantageForm = { tokenEndpoint: v.vantageTokenEndpoint, clientAuthMethod: "client_secret_post" } as const;
new AccessToken("oauth2-password", {
  ...vantageForm,
  grantType: "password",
  clientId: v.vantageClientId,
  clientSecret: v.vantageClientSecret,
  username: v.vantageUsername,
  password: v.vantagePassword,
});
new AccessToken("oauth2-refresh-token", {
  ...vantageForm,
  grantType: "refresh_token",
  clientId: v.vantageClientId,
  clientSecret: v.vantageClientSecret,
  refreshToken: v.oauth2RefreshToken,
});
new ApiClient("oauth2-client", {
  issuer: v.oidcIssuer,
  initialAccessToken: v.oidcInitialAccessToken,
  clientName: "plain-secrets",
  grantTypes: ["client_credentials"],
  responseTypes: [],
});

// Alphaus.
new alphaus.AccessToken("alphaus-password", {
  product: "ripple",
  authUrl: v.alphausAuthUrl,
  grantType: "password",
  clientId: v.alphausClientId,
  clientSecret: v.alphausClientSecret,
  username: v.alphausUsername,
  password: v.alphausPassword,
});
new alphaus.ApiClient("alphaus-client", {
  name: "plain-secrets",
  apiUrl: v.alphausApiUrl,
  ownerAuthUrl: v.alphausAuthUrl,
  accessToken: v.alphausOwnerAccessToken,
  ownerClientId: v.alphausClientId,
  ownerClientSecret: v.alphausClientSecret,
  ownerUsername: v.alphausUsername,
  ownerPassword: v.alphausPassword,
});

// ABBYY Vantage.
const vantageHost = { baseUrl: v.vantageBaseUrl, tenantId: v.vantageTenantId };
new vantage.AccessToken("vantage-password", {
  ...vantageHost,
  grantType: "password",
  clientId: v.vantageClientId,
  clientSecret: v.vantageClientSecret,
  username: v.vantageUsername,
  password: v.vantagePassword,
});
new vantage.AccessToken("vantage-refresh-token", {
  ...vantageHost,
  grantType: "refresh_token",
  clientId: v.vantageClientId,
  clientSecret: v.vantageClientSecret,
  initialRefreshToken: v.vantageRefreshToken,
});
new vantage.ApiClient("vantage-client", {
  ...vantageHost,
  accessToken: v.vantageAdminAccessToken,
  clientName: "plain-secrets",
  allowedGrantTypes: ["client_credentials"],
});

// Exastro IT Automation.
const exastroHost = { baseUrl: v.exastroBaseUrl, organizationId: "org1" };
new exastro.AccessToken("exastro-password", {
  ...exastroHost,
  username: v.exastroUsername,
  password: v.exastroPassword,
  totp: v.exastroTotp,
});
new exastro.AccessToken("exastro-refresh-token", { ...exastroHost, initialRefreshToken: v.exastroRefreshToken });
new exastro.ServiceAccount("exastro-agent", {
  ...exastroHost,
  workspaceId: "ws1",
  username: "plain-agent",
  accessToken: v.exastroAdminAccessToken,
  issueRefreshToken: false,
});

// Misskey.
new misskey.AccessToken("misskey-token", {
  baseUrl: v.misskeyBaseUrl,
  token: v.misskeyToken,
  nativeToken: v.misskeyNativeToken,
});
new misskey.AccessToken("misskey-app-token", {
  baseUrl: v.misskeyBaseUrl,
  appAccessToken: v.misskeyAppAccessToken,
  appSecret: v.misskeyAppSecret,
});
new misskey.App("misskey-app", { baseUrl: v.misskeyBaseUrl, name: "plain-secrets", token: v.misskeyNativeToken });
