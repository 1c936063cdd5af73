/**
 * Every token system, by the value of the `system` input. Adding a system is one import
 * and one entry here, plus its SDK preset.
 */
import { alphausSystem } from "./alphaus";
import { exastroSystem } from "./exastro";
import { genericSystem } from "./generic";
import { misskeySystem } from "./misskey";
import type { TokenSystem } from "./system";
import { vantageSystem } from "./vantage";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const SYSTEMS: Record<string, TokenSystem<any>> = {
  [genericSystem.id]: genericSystem,
  [alphausSystem.id]: alphausSystem,
  [vantageSystem.id]: vantageSystem,
  [exastroSystem.id]: exastroSystem,
  [misskeySystem.id]: misskeySystem,
};
