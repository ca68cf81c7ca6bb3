/**
 * Typed registration of `nootropic/*` methods. Every request's params are parsed with its zod schema before a
 * handler sees them (InvalidParams naming the field otherwise), results are checked on the way out, thrown
 * errors become JSON-RPC errors a person can act on, and cancellation is honoured. The registry also knows
 * every method, which `initialize` advertises.
 */
import {
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  type CancellationToken,
  type Connection,
} from 'vscode-languageserver';
import type { z } from 'zod';
import {
  describeZodError,
  type AnyNotificationDef,
  type NotificationDef,
  type RequestDef,
} from '../../../shared/protocol';
import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import type { Logger } from '../log';
import type { Telemetry } from '../telemetry/telemetry';

/** Throw from a handler to answer with a specific code and message. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export class CancelledError extends Error {
  constructor() {
    super('request cancelled');
  }
}

export function throwIfCancelled(token: CancellationToken | undefined): void {
  if (token?.isCancellationRequested) throw new CancelledError();
}

/** An AbortSignal that fires when the LSP request is cancelled: hand it to fetch and child processes. */
export function abortSignalFor(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

export type RequestHandler<P extends z.ZodType, R extends z.ZodType> = (
  params: z.output<P>,
  token: CancellationToken,
) => Promise<z.input<R>> | z.input<R>;

export class RpcRegistry {
  private readonly requests = new Set<string>();
  private readonly notifications = new Set<string>();

  constructor(
    private readonly connection: Connection,
    private readonly log: Logger,
    private readonly telemetry?: Telemetry,
  ) {}

  request<M extends string, P extends z.ZodType, R extends z.ZodType>(
    def: RequestDef<M, P, R>,
    handler: RequestHandler<P, R>,
  ): void {
    if (this.requests.has(def.method)) throw new Error(`${def.method} registered twice`);
    this.requests.add(def.method);
    this.connection.onRequest(def.method, async (raw: unknown, token: CancellationToken) => {
      const started = Date.now();
      const execute = async (span?: Span): Promise<z.output<R> | ResponseError<unknown>> => {
        const answer = await this.execute(def, handler, raw, token);
        const outcome = answer instanceof ResponseError ? (answer.code === LSPErrorCodes.RequestCancelled ? 'cancelled' : 'error') : 'ok';
        if (answer instanceof ResponseError) {
          span?.setAttribute('rpc.jsonrpc.error_code', answer.code);
          span?.setStatus({ code: SpanStatusCode.ERROR, message: answer.message });
        }
        this.telemetry?.recordRpc(def.method, Date.now() - started, outcome);
        return answer;
      };
      if (!this.telemetry) return execute();
      return this.telemetry.withSpan(`rpc ${def.method}`, { 'rpc.system': 'jsonrpc', 'rpc.method': def.method }, execute, SpanKind.SERVER);
    });
  }

  private async execute<P extends z.ZodType, R extends z.ZodType>(
    def: RequestDef<string, P, R>,
    handler: RequestHandler<P, R>,
    raw: unknown,
    token: CancellationToken,
  ): Promise<z.output<R> | ResponseError<unknown>> {
    const parsed = def.params.safeParse(raw ?? {});
    if (!parsed.success) {
      const message = `${def.method}: invalid params: ${describeZodError('params', parsed.error)}`;
      this.log.warn('invalid params', { method: def.method, issues: parsed.error.issues });
      return new ResponseError(ErrorCodes.InvalidParams, message, { issues: parsed.error.issues });
    }
    const started = Date.now();
    try {
      const result = await handler(parsed.data, token);
      if (token.isCancellationRequested) throw new CancelledError();
      const checked = def.result.safeParse(result);
      if (!checked.success) {
        this.log.error('handler returned an invalid result', { method: def.method, issues: checked.error.issues });
        return new ResponseError(
          ErrorCodes.InternalError,
          `${def.method}: the server produced an invalid result (${describeZodError('result', checked.error)}); this is a bug, please report it with the server log`,
        );
      }
      this.log.debug('request done', { method: def.method, ms: Date.now() - started });
      return checked.data;
    } catch (err) {
      return this.toResponseError(def.method, err, token);
    }
  }

  /** Listen to a client→server notification; bad params are logged and dropped (notifications have no reply). */
  notification<M extends string, P extends z.ZodType>(
    def: NotificationDef<M, P>,
    handler: (params: z.output<P>) => void | Promise<void>,
  ): void {
    this.notifications.add(def.method);
    this.connection.onNotification(def.method, async (raw: unknown) => {
      const parsed = def.params.safeParse(raw ?? {});
      if (!parsed.success) {
        this.log.warn('invalid notification params', { method: def.method, error: describeZodError('params', parsed.error) });
        return;
      }
      try {
        await handler(parsed.data);
      } catch (err) {
        this.log.error('notification handler failed', { method: def.method, error: err instanceof Error ? err : String(err) });
      }
    });
  }

  /** Send a server→client notification, validated first so a bug never reaches a client as junk. */
  send<M extends string, P extends z.ZodType>(def: NotificationDef<M, P>, params: z.input<P>): void {
    const checked = def.params.parse(params);
    const undelivered = (err: unknown) => this.log.debug('notification not delivered', { method: def.method, error: String(err) });
    try {
      // A closed connection throws synchronously; a broken one rejects.
      void this.connection.sendNotification(def.method, checked).catch(undelivered);
    } catch (err) {
      undelivered(err);
    }
  }

  advertise(outgoing: readonly AnyNotificationDef[]): { methods: string[]; notifications: string[] } {
    return {
      methods: [...this.requests].sort(),
      notifications: [...new Set([...this.notifications, ...outgoing.map((n) => n.method)])].sort(),
    };
  }

  private toResponseError(method: string, err: unknown, token: CancellationToken): ResponseError<unknown> {
    if (err instanceof CancelledError || token.isCancellationRequested) {
      return new ResponseError(LSPErrorCodes.RequestCancelled, `${method}: cancelled`);
    }
    if (err instanceof RpcError) return new ResponseError(err.code, err.message, err.data);
    this.log.error('request failed', { method, error: err instanceof Error ? err : String(err) });
    const why = err instanceof Error ? err.message : String(err);
    return new ResponseError(ErrorCodes.InternalError, `${method} failed: ${why}`);
  }
}
