/**
 * API keys: from NOOTROPIC_API_KEY (CLI, other editors) or `initializationOptions.secrets.apiKey` (the VS Code
 * extension, from SecretStorage). A key is held in memory only, and every value registered here is scrubbed
 * from log lines and error messages, so it cannot reach logs, traces, caches or exports even by accident.
 */
import { redactText, registerSecret } from './redact';

// One registry of secret values for logs, traces and errors alike (security/redact.ts).
export { registerSecret };
export const redactSecrets = redactText;

export class Secrets {
  private key: string | undefined;

  constructor(env: Record<string, string | undefined>) {
    this.set(env.NOOTROPIC_API_KEY);
  }

  /** The editor's key wins over the environment's: it is the one the user entered for this workspace. */
  setFromClient(apiKey: string | undefined): void {
    if (apiKey) this.set(apiKey);
  }

  get apiKey(): string | undefined {
    return this.key;
  }

  private set(value: string | undefined): void {
    const v = value?.trim();
    if (!v) return;
    this.key = v;
    registerSecret(v);
  }
}
