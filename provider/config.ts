/**
 * Stack configuration as the dynamic-provider host hands it to `configure`: the whole
 * stack config, namespaced keys, secrets already decrypted. Held in memory only.
 */

/** Read access to stack config (`project:key` or a bare key of the program's project). */
export interface StackConfig {
  get(key: string): string | undefined;
}

/**
 * Resolves once the host has called `configure`. The host caches a provider before it
 * awaits `configure`, so every method waits on this before reading config.
 */
export class ConfigSlot {
  private config: StackConfig | undefined;
  private resolve!: () => void;
  private readonly ready = new Promise<void>((r) => {
    this.resolve = r;
  });

  /** Stores the config (called from the provider's `configure`). */
  set(config: StackConfig): void {
    this.config = config;
    this.resolve();
  }

  /** Reads a key, waiting briefly for `configure` if it has not run yet. */
  async get(key: string): Promise<string | undefined> {
    if (!this.config) {
      await Promise.race([this.ready, new Promise((r) => setTimeout(r, 5_000).unref())]);
    }
    return this.config?.get(key);
  }
}
