/**
 * API keys: from `initializationOptions.secrets.apiKey` (the VS Code extension from SecretStorage; the CLI from
 * its own NOOTROPIC_API_KEY) or, for other editors that start `nootropic-lsp --stdio` with it, NOOTROPIC_API_KEY
 * in the server's environment — read once at start and then deleted from process.env (`consume`), so no child
 * inherits it. A key is held in memory only, every value registered here is scrubbed from log lines and error
 * messages, and child environments drop any variable carrying it (shared/security/child-env.ts).
 */
import { holdSecret } from '../../../shared/security/child-env';
import { redactText, registerSecret } from './redact';

// One registry of secret values for logs, traces and errors alike (security/redact.ts).
export { registerSecret };
export const redactSecrets = redactText;

export class Secrets {
  private key: string | undefined;

  /** `consume`: delete the variable from `env` once read (the server's own process.env). */
  constructor(env: Record<string, string | undefined>, opts: { consume?: boolean } = {}) {
    this.set(env.NOOTROPIC_API_KEY);
    if (opts.consume) delete env.NOOTROPIC_API_KEY;
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
    holdSecret(v);
  }
}
