/**
 * Every resource this package serves, described once (see {@link ResourceDescription}):
 * the AccessToken of each token system, then the ApiClient of each client system. The
 * provider's validation and secret lists, the SDK's secret lists, the README's tables and
 * the package schema derive from this list.
 *
 * It loads only the descriptions (zod schemas and text), never the wire code, so the SDK
 * can read it in a program at little cost.
 *
 * @packageDocumentation
 */
import { alphausClientDescription } from "../systems/alphaus/client.description";
import { exastroClientDescription } from "../systems/exastro/client.description";
import { misskeyAppDescription } from "../systems/misskey/client.description";
import { oauth2ClientDescription } from "../systems/oauth2/client.description";
import { vantageClientDescription } from "../systems/vantage/client.description";
import { alphausTokenDescription } from "../systems/alphaus/token.description";
import { exastroTokenDescription } from "../systems/exastro/token.description";
import { oauth2TokenDescription } from "../systems/oauth2/token.description";
import { misskeyTokenDescription } from "../systems/misskey/token.description";
import { vantageTokenDescription } from "../systems/vantage/token.description";
import type { ResourceDescription, ResourceKind } from "./description";

const DESCRIPTIONS: readonly ResourceDescription[] = [
  oauth2TokenDescription,
  alphausTokenDescription,
  vantageTokenDescription,
  exastroTokenDescription,
  misskeyTokenDescription,
  oauth2ClientDescription,
  alphausClientDescription,
  exastroClientDescription,
  misskeyAppDescription,
  vantageClientDescription,
];

/**
 * Every resource: AccessTokens first, then ApiClients, each in the order of its system
 * registry.
 *
 * @returns the descriptions
 */
export function resourceDescriptions(): readonly ResourceDescription[] {
  return DESCRIPTIONS;
}

/**
 * The description of a kind and system, or undefined for an unknown system.
 *
 * @param kind - the resource kind
 * @param system - the value of the resource's `system` input
 * @returns its description
 */
export function descriptionOf(kind: ResourceKind, system: string): ResourceDescription | undefined {
  return DESCRIPTIONS.find((d) => d.kind === kind && d.system === system);
}
