/**
 * Every token system, by the value of the `system` input. Adding a system is one import
 * and one entry here, plus its SDK preset.
 */
import { genericSystem } from "./generic";
import type { TokenSystem } from "./system";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const SYSTEMS: Record<string, TokenSystem<any>> = {
  [genericSystem.id]: genericSystem,
};
