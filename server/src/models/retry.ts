/**
 * Retries with exponential backoff and full-range jitter, for failures that are worth repeating (HTTP 429,
 * 5xx, a reset connection) and only while no answer text has reached the caller. A server's Retry-After wins
 * over the computed delay. Waiting is cancellable: `$/cancelRequest` during a backoff ends it at once.
 */
import { ModelError } from './errors';

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

export const DEFAULT_RETRY: Omit<RetryPolicy, 'maxRetries'> = { baseDelayMs: 250, maxDelayMs: 8_000 };

/** Delay before retry number `attempt` (0-based): base·2^attempt capped, scaled into [50%, 100%]. */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  const random = policy.random ?? Math.random;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling * (0.5 + 0.5 * random()));
}

export function cancellableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ModelError('cancelled', 'cancelled'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ModelError('cancelled', 'cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryEvent {
  attempt: number;
  delayMs: number;
  error: ModelError;
}

export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal,
  onRetry?: (e: RetryEvent) => void,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const retryable = err instanceof ModelError && err.retryable && !err.details.outputStarted && !signal.aborted;
      if (!retryable || attempt >= policy.maxRetries) throw err;
      const delayMs = err.details.retryAfterMs ?? backoffDelay(attempt, policy);
      onRetry?.({ attempt: attempt + 1, delayMs, error: err });
      await cancellableSleep(delayMs, signal);
    }
  }
}
