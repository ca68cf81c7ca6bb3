/**
 * The one way extension code talks to nootropic-lsp: typed requests parsed with zod at the boundary, and
 * `offers(method)` from the server's advertised `experimental.nootropic.methods`, so a feature whose method the
 * running server lacks says so instead of failing with "Unhandled method".
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { z } from 'zod';
import type { AnyRequestDef, NootropicCapabilities } from '../shared/protocol';

export class MethodMissingError extends Error {
  constructor(readonly method: string, what: string) {
    super(`The nootropic server does not offer ${method}, so ${what} is not available in this build. Update nootropic, or see "nootropic: Show Status".`);
  }
}

export class ServerApi {
  constructor(private readonly client: LanguageClient) {}

  get running(): boolean {
    return this.client.isRunning();
  }

  capabilities(): NootropicCapabilities | undefined {
    const exp = this.client.initializeResult?.capabilities.experimental as { nootropic?: NootropicCapabilities } | undefined;
    return exp?.nootropic;
  }

  offers(method: string): boolean {
    return this.capabilities()?.methods.includes(method) ?? false;
  }

  require(method: string, what: string): void {
    if (!this.running) throw new Error('The nootropic server is not running. Run "nootropic: Restart Server", or see the "nootropic" output.');
    if (!this.offers(method)) throw new MethodMissingError(method, what);
  }

  /** A declared method (shared/protocol): params typed, result parsed. */
  async call<D extends AnyRequestDef>(def: D, params: z.input<D['params']>, token?: vscode.CancellationToken): Promise<z.output<D['result']>> {
    this.require(def.method, def.method);
    const raw = await this.send(def.method, params, token);
    return def.result.parse(raw) as z.output<D['result']>;
  }

  /** A method from another stream's contract (extension/contract.ts), parsed with the given schema. */
  async callContract<S extends z.ZodType>(method: string, params: unknown, schema: S, what: string, token?: vscode.CancellationToken): Promise<z.output<S>> {
    this.require(method, what);
    const raw = await this.send(method, params, token);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new Error(`${method} answered in an unexpected shape: ${parsed.error.message.slice(0, 300)}`);
    return parsed.data;
  }

  /**
   * An undefined token must not be passed: vscode-jsonrpc would send it as a second positional parameter
   * (params `[p, null]`), and the server would get `null` where its cancellation token belongs.
   */
  private send(method: string, params: unknown, token: vscode.CancellationToken | undefined): Promise<unknown> {
    return token ? this.client.sendRequest(method, params, token) : this.client.sendRequest(method, params);
  }

  onNotification(method: string, handler: (params: unknown) => void): vscode.Disposable {
    return this.client.onNotification(method, handler);
  }

  /** LSP → VS Code conversions (WorkspaceEdit from edit/apply). */
  get p2c() {
    return this.client.protocol2CodeConverter;
  }
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}
