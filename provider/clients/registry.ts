/**
 * Every API client system, by the value of the `system` input of an ApiClient resource.
 */
import { alphausClientSystem } from "./alphaus";
import { exastroClientSystem } from "./exastro";
import { misskeyAppSystem } from "./misskey";
import { registrationSystem } from "./registration";
import type { ClientSystem } from "./system";
import { vantageClientSystem } from "./vantage";

/** Every client system, by the value of the `system` input. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const CLIENT_SYSTEMS: Record<string, ClientSystem<any>> = {
  [registrationSystem.id]: registrationSystem,
  [alphausClientSystem.id]: alphausClientSystem,
  [exastroClientSystem.id]: exastroClientSystem,
  [misskeyAppSystem.id]: misskeyAppSystem,
  [vantageClientSystem.id]: vantageClientSystem,
};
