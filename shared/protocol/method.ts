/**
 * One declaration per custom method: its name, direction and zod schemas. Both sides compile the same
 * declaration; the receiving side parses every message with it, so a bad message is a clear error at the
 * boundary instead of a crash three calls later.
 */
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { z } from 'zod';

export type Direction = 'client→server' | 'server→client';

export interface RequestDef<M extends string, P extends z.ZodType, R extends z.ZodType> {
  readonly kind: 'request';
  readonly method: M;
  readonly direction: Direction;
  readonly params: P;
  readonly result: R;
  readonly type: RequestType<z.input<P>, z.output<R>, void>;
}

export interface NotificationDef<M extends string, P extends z.ZodType> {
  readonly kind: 'notification';
  readonly method: M;
  readonly direction: Direction;
  readonly params: P;
  readonly type: NotificationType<z.output<P>>;
}

export function request<M extends string, P extends z.ZodType, R extends z.ZodType>(
  method: M,
  direction: Direction,
  params: P,
  result: R,
): RequestDef<M, P, R> {
  return { kind: 'request', method, direction, params, result, type: new RequestType(method) };
}

export function notification<M extends string, P extends z.ZodType>(
  method: M,
  direction: Direction,
  params: P,
): NotificationDef<M, P> {
  return { kind: 'notification', method, direction, params, type: new NotificationType(method) };
}

export type AnyRequestDef = RequestDef<string, z.ZodType, z.ZodType>;
export type AnyNotificationDef = NotificationDef<string, z.ZodType>;
export type ParamsOf<D extends { params: z.ZodType }> = z.input<D['params']>;
export type ResultOf<D extends AnyRequestDef> = z.output<D['result']>;

/**
 * Size limits for params fields, in characters. Every string and array in any params also meets the server's
 * generic limits (server/src/rpc/registry.ts `PARAM_LIMITS`); these are the tighter ones for ids and prompts.
 */
export const LIMITS = { id: 200, path: 4_096, comment: 10_000, prompt: 200_000 } as const;
