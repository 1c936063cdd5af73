declare module "require-from-string" {
  /** Evaluates CommonJS module text, as Pulumi's dynamic-provider host does with `__provider`. */
  function requireFromString(code: string, filename?: string): Record<string, unknown>;
  export = requireFromString;
}
