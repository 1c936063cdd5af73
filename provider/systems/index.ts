/**
 * The one registry: every token system (AccessToken) and every client system (ApiClient),
 * by the value of the `system` input. Adding a system is one folder beside this file, one
 * import and one entry here, plus its SDK preset.
 */
import type { ClientRegistry } from "../core/api-client";
import type { ClientSystem } from "../core/client-system";
import type { TokenRegistry } from "../core/access-token";
import type { TokenSystem } from "../core/token-system";
import { alphausClientSystem } from "./alphaus/client";
import { alphausSystem } from "./alphaus/token";
import { exastroClientSystem } from "./exastro/client";
import { exastroSystem } from "./exastro/token";
import { misskeyAppSystem } from "./misskey/client";
import { misskeySystem } from "./misskey/token";
import { oauth2ClientSystem } from "./oauth2/client";
import { oauth2TokenSystem } from "./oauth2/token";
import { vantageClientSystem } from "./vantage/client";
import { vantageSystem } from "./vantage/token";

/** Every token system, by the value of the `system` input of an AccessToken resource. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const SYSTEMS: Record<string, TokenSystem<any>> = {
  [oauth2TokenSystem.id]: oauth2TokenSystem,
  [alphausSystem.id]: alphausSystem,
  [vantageSystem.id]: vantageSystem,
  [exastroSystem.id]: exastroSystem,
  [misskeySystem.id]: misskeySystem,
};

/** Every client system, by the value of the `system` input of an ApiClient resource. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const CLIENT_SYSTEMS: Record<string, ClientSystem<any>> = {
  [oauth2ClientSystem.id]: oauth2ClientSystem,
  [alphausClientSystem.id]: alphausClientSystem,
  [exastroClientSystem.id]: exastroClientSystem,
  [misskeyAppSystem.id]: misskeyAppSystem,
  [vantageClientSystem.id]: vantageClientSystem,
};

/** The token systems as the AccessToken lifecycle takes them: `oauth2` when none is named. */
export const TOKEN_REGISTRY: TokenRegistry = { systems: SYSTEMS, defaultSystem: oauth2TokenSystem.id };

/** The client systems as the ApiClient lifecycle takes them: `oauth2` when none is named. */
export const CLIENT_REGISTRY: ClientRegistry = { systems: CLIENT_SYSTEMS, defaultSystem: oauth2ClientSystem.id };
