/**
 * Model failures as one typed error. Each adapter maps its client's errors here, so retry, fallback and the
 * circuit breaker reason about kinds (rate-limited, unreachable, stalled) instead of provider quirks, and every
 * message tells a person what to do.
 */
export type ModelErrorKind =
  | 'policy' // refused before connecting (cloud not opted into)
  | 'unreachable' // connection refused / host not found
  | 'reset' // connection dropped mid-request
  | 'timeout' // no response or no next chunk within the timeout
  | 'rate-limited' // HTTP 429
  | 'server' // HTTP 5xx
  | 'auth' // HTTP 401/403
  | 'not-found' // model or route missing
  | 'bad-request' // other 4xx
  | 'malformed' // the stream or a tool call could not be understood
  | 'unsupported' // the provider cannot do this (e.g. embeddings on Anthropic)
  | 'circuit-open' // the endpoint failed repeatedly and is being rested
  | 'too-large' // the prompt cannot fit the model's window
  | 'cancelled'
  | 'other';

const RETRYABLE: ReadonlySet<ModelErrorKind> = new Set(['reset', 'rate-limited', 'server']);
/** Failures that say something about the endpoint's health (for the circuit breaker and status). */
const HEALTH: ReadonlySet<ModelErrorKind> = new Set(['unreachable', 'reset', 'timeout', 'rate-limited', 'server']);

export class ModelError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; endpoint?: string; outputStarted?: boolean } = {},
  ) {
    super(message);
    this.name = 'ModelError';
    this.retryable = RETRYABLE.has(kind);
  }

  get healthFailure(): boolean {
    return HEALTH.has(this.kind);
  }

  withOutputStarted(): ModelError {
    return new ModelError(this.kind, this.message, { ...this.details, outputStarted: true });
  }
}

/** Seconds or an HTTP date, as servers send in Retry-After; capped so a hostile value cannot park us. */
export function parseRetryAfter(value: string | null | undefined, capMs = 30_000): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.min(capMs, Math.max(0, secs * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.min(capMs, Math.max(0, at - Date.now()));
}

export function errorFromStatus(status: number, endpoint: string, body: string, retryAfter?: string | null): ModelError {
  const detail = body.trim().slice(0, 300);
  const suffix = detail ? `: ${detail}` : '';
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return new ModelError('rate-limited', `${endpoint} is rate limiting (HTTP 429)${suffix}`, { status, endpoint, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  if (status >= 500) return new ModelError('server', `${endpoint} failed with HTTP ${status}${suffix}`, { status, endpoint });
  if (status === 401 || status === 403)
    return new ModelError('auth', `${endpoint} refused the credentials (HTTP ${status}): set NOOTROPIC_API_KEY or the API key in the editor`, { status, endpoint });
  if (status === 404) return new ModelError('not-found', `${endpoint} answered 404${suffix}`, { status, endpoint });
  return new ModelError('bad-request', `${endpoint} rejected the request (HTTP ${status})${suffix}`, { status, endpoint });
}

/** Network-level failures (undici puts the errno in `cause`). */
export function errorFromNetwork(err: unknown, endpoint: string): ModelError | undefined {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string; name?: string } };
  const code = e?.cause?.code ?? e?.code;
  if (code === 'ECONNREFUSED') return new ModelError('unreachable', `connection refused at ${endpoint}: is the model server running?`, { endpoint });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new ModelError('unreachable', `host not found for ${endpoint}`, { endpoint });
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new ModelError('unreachable', `no route to ${endpoint}`, { endpoint });
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || /other side closed|socket hang up|terminated/i.test(e?.cause?.message ?? e?.message ?? ''))
    return new ModelError('reset', `the connection to ${endpoint} was reset`, { endpoint });
  return undefined;
}
