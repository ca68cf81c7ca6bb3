/**
 * The one way extension code talks to nootropic-lsp: only the methods declared in shared/protocol (the types
 * take nothing else), params checked with their zod schema before they are sent, results and incoming messages
 * parsed with it on arrival. `offers(def)` reads the server's advertised `experimental.nootropic.methods`, so a
 * feature whose method the running server lacks says so instead of failing with "Unhandled method".
 */
import * as vscode from 'vscode';
import { DidChangeConfigurationNotification, ResponseError, State, type LanguageClient } from 'vscode-languageclient/node';
import type { z } from 'zod';
import { describeZodError, NootropicErrorCodes, type ClientRequest, type NootropicCapabilities, type ServerNotification, type ServerRequest } from '../shared/protocol';

export class MethodMissingError extends Error {
  constructor(readonly method: string, what: string) {
    super(`The nootropic server does not offer ${method}, so ${what} is not available in this build. Update nootropic, or see "nootropic: Show Status".`);
  }
}

export class ServerApi {
  constructor(
    private readonly client: LanguageClient,
    /** Where malformed messages from the server are reported (they are dropped, never acted on). */
    private readonly warn: (message: string) => void = () => undefined,
    /** The client's first start (activation does not wait for it; requests do). */
    private readonly started: Promise<unknown> = Promise.resolve(),
  ) {}

  get running(): boolean {
    return this.client.isRunning();
  }

  /** Whether the server runs, once its first start has settled (a command right after activation waits for it). */
  async ready(): Promise<boolean> {
    await this.started.catch(() => undefined);
    // Restarting: wait for it (as the client's own sendRequest does) instead of failing.
    if (this.client.state === State.Starting) await this.client.start().catch(() => undefined);
    return this.running;
  }

  capabilities(): NootropicCapabilities | undefined {
    const exp = this.client.initializeResult?.capabilities.experimental as { nootropic?: NootropicCapabilities } | undefined;
    return exp?.nootropic;
  }

  offers(def: ClientRequest): boolean {
    return this.capabilities()?.methods.includes(def.method) ?? false;
  }

  /** Throws a message a person can act on when the server is down or lacks `def`; `what` names the feature. */
  require(def: ClientRequest, what: string = def.method): void {
    if (!this.running) throw new Error('The nootropic server is not running. Run "nootropic: Restart Server", or see the "nootropic" output.');
    if (!this.offers(def)) throw new MethodMissingError(def.method, what);
  }

  /** A client→server request: params checked before sending, the result parsed with the declared schema. */
  async call<D extends ClientRequest>(def: D, params: z.input<D['params']>, token?: vscode.CancellationToken, what?: string): Promise<z.output<D['result']>> {
    // While the server is starting (or about to: see `started`), wait for it instead of failing.
    await this.ready();
    this.require(def, what);
    const checked = def.params.safeParse(params);
    if (!checked.success) throw new Error(`${def.method}: invalid params (not sent): ${describeZodError('params', checked.error)}`);
    // The params as given (not the parsed copy): the server parses them with the same schema.
    const raw = await this.send(def.method, params, token);
    const result = def.result.safeParse(raw);
    if (!result.success) throw new Error(`${def.method} answered in an unexpected shape: ${describeZodError('result', result.error)}`);
    return result.data as z.output<D['result']>;
  }

  /**
   * An undefined token must not be passed: vscode-jsonrpc would send it as a second positional parameter
   * (params `[p, null]`), and the server would get `null` where its cancellation token belongs.
   */
  private send(method: string, params: unknown, token: vscode.CancellationToken | undefined): Promise<unknown> {
    return token ? this.client.sendRequest(method, params, token) : this.client.sendRequest(method, params);
  }

  /** A server→client notification, parsed; a malformed one is reported and dropped. */
  onNotification<D extends ServerNotification>(def: D, handler: (params: z.output<D['params']>) => void): vscode.Disposable {
    return this.client.onNotification(def.method, (raw: unknown) => {
      const p = def.params.safeParse(raw);
      if (p.success) handler(p.data as z.output<D['params']>);
      else this.warn(`[client] ignored malformed ${def.method}: ${describeZodError('params', p.error)}`);
    });
  }

  /** A server→client request, parsed; malformed params are answered with an InvalidParams error (the server reads it as "no"). */
  onRequest<D extends ServerRequest>(def: D, handler: (params: z.output<D['params']>) => Promise<z.input<D['result']>>): vscode.Disposable {
    return this.client.onRequest(def.method, async (raw: unknown) => {
      const p = def.params.safeParse(raw);
      if (p.success) return handler(p.data as z.output<D['params']>);
      const why = describeZodError('params', p.error);
      this.warn(`[client] refused malformed ${def.method}: ${why}`);
      return new ResponseError(NootropicErrorCodes.InvalidParams, `${def.method}: invalid params: ${why}`);
    });
  }

  /** LSP's own notification: the settings changed (the server re-reads its configuration). */
  didChangeConfiguration(settings: unknown): Promise<void> {
    return this.client.sendNotification(DidChangeConfigurationNotification.type, { settings });
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
