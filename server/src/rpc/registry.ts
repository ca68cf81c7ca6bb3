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

/** An AbortSignal that fires when the LSP request is cancelled: hand it to fetch and child processes. */
export function abortSignalFor(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

/**
 * vscode-jsonrpc calls an untyped handler with `(params, token)`, with just `(token)` when `params` is omitted, and
 * with `(...positional, token)` for array params. The token is always last; params omitted read as `undefined`
 * (then `{}`: a method whose fields are all optional accepts it, as JSON-RPC allows).
 */
export function splitRequestArgs(args: readonly unknown[]): { raw: unknown; token: CancellationToken } {
  const token = args[args.length - 1] as CancellationToken;
  if (args.length <= 1) return { raw: undefined, token };
  if (args.length === 2) return { raw: args[0], token };
  return { raw: args.slice(0, -1), token };
}

/** Generic limits on every params object; schemas add tighter `.max()`s (ids, prompts) in shared/protocol. */
export const PARAM_LIMITS = { stringChars: 5_000_000, arrayItems: 50_000, objectKeys: 5_000, keyChars: 1_000, depth: 64, totalChars: 20_000_000 } as const;

/** The first limit `raw` breaks, described by path and size only (never by content), or undefined. */
export function checkParamSize(raw: unknown): string | undefined {
  let total = 0;
  const walk = (v: unknown, at: string, depth: number): string | undefined => {
    if (depth > PARAM_LIMITS.depth) return `${at}: nested deeper than ${PARAM_LIMITS.depth} levels`;
    if (typeof v === 'string') {
      total += v.length;
      if (v.length > PARAM_LIMITS.stringChars) return `${at}: string too long (${v.length} characters, at most ${PARAM_LIMITS.stringChars})`;
    } else if (Array.isArray(v)) {
      if (v.length > PARAM_LIMITS.arrayItems) return `${at}: too many items (${v.length}, at most ${PARAM_LIMITS.arrayItems})`;
      for (let i = 0; i < v.length; i++) {
        const p = walk(v[i], `${at}.${i}`, depth + 1);
        if (p) return p;
      }
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      if (keys.length > PARAM_LIMITS.objectKeys) return `${at}: too many fields (${keys.length}, at most ${PARAM_LIMITS.objectKeys})`;
      for (const k of keys) {
        total += k.length;
        if (k.length > PARAM_LIMITS.keyChars) return `${at}: a field name too long (${k.length} characters, at most ${PARAM_LIMITS.keyChars})`;
        // A key is input too: name it only when it is short.
        const p = walk((v as Record<string, unknown>)[k], k.length <= 64 ? `${at}.${k}` : `${at}.<field name of ${k.length} characters>`, depth + 1);
        if (p) return p;
      }
    }
    if (total > PARAM_LIMITS.totalChars) return `params: too large (over ${PARAM_LIMITS.totalChars} characters in all)`;
    return undefined;
  };
  return walk(raw, 'params', 0);
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
    this.connection.onRequest(def.method, async (...args: unknown[]) => {
      const { raw, token } = splitRequestArgs(args);
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
    const tooBig = checkParamSize(raw);
    if (tooBig) {
      // Never the value itself: a 10 MB string must not come back in the error, the log or a span.
      this.log.warn('params over the size limits', { method: def.method, problem: tooBig });
      return new ResponseError(ErrorCodes.InvalidParams, `${def.method}: invalid params: ${tooBig}`);
    }
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
      const tooBig = checkParamSize(raw);
      if (tooBig) {
        this.log.warn('notification params over the size limits', { method: def.method, problem: tooBig });
        return;
      }
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
