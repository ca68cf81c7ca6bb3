/**
 * Turns whatever an official client threw into a ModelError. The order matters: what the guard did (policy,
 * stall) and the caller's cancellation explain an error better than the client's wrapper around it.
 */
import { errorFromNetwork, errorFromStatus, ModelError } from './errors';
import type { Guard } from './guarded-fetch';

interface StatusLike {
  status?: unknown;
  status_code?: unknown;
  headers?: unknown;
  error?: unknown;
  message?: string;
  cause?: unknown;
  name?: string;
}

function headerOf(headers: unknown, name: string): string | null {
  if (headers && typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  if (headers && typeof headers === 'object') {
    const v = (headers as Record<string, unknown>)[name];
    return typeof v === 'string' ? v : null;
  }
  return null;
}

export function toModelError(err: unknown, guard: Guard | undefined, endpoint: string, signal: AbortSignal): ModelError {
  if (guard?.error) return guard.error;
  if (signal.aborted) return new ModelError('cancelled', 'cancelled', { endpoint });
  if (err instanceof ModelError) return err;
  const e = (err ?? {}) as StatusLike;
  const status = typeof e.status === 'number' ? e.status : typeof e.status_code === 'number' ? e.status_code : undefined;
  if (status !== undefined) {
    const body = typeof e.error === 'string' ? e.error : e.error ? JSON.stringify(e.error) : (e.message ?? '');
    return errorFromStatus(status, endpoint, body, headerOf(e.headers, 'retry-after'));
  }
  const net = errorFromNetwork(err, endpoint) ?? (e.cause ? errorFromNetwork(e.cause, endpoint) : undefined);
  if (net) return net;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof SyntaxError || /JSON|Unexpected token|could not parse/i.test(message))
    return new ModelError('malformed', `${endpoint} sent a response that could not be parsed: ${message}`, { endpoint });
  return new ModelError('other', `${endpoint}: ${message}`, { endpoint });
}
