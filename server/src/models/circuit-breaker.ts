/**
 * One circuit breaker per endpoint: after `threshold` consecutive health failures (unreachable, stalled,
 * 429/5xx after retries) the endpoint is skipped for `cooldownMs`, so a dead local server costs one fast
 * refusal instead of a timeout per request; then one trial request decides whether it closes again.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  threshold: number;
  cooldownMs: number;
  now?: () => number;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trialInFlight = false;
  private lastError: string | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: BreakerOptions) {
    this.now = opts.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.opts.cooldownMs ? 'half-open' : 'open';
  }

  get reason(): string | undefined {
    return this.lastError;
  }

  /** Whether a request may go out now; in half-open state only one trial at a time. */
  acquire(): { ok: true } | { ok: false; retryInMs: number } {
    const state = this.state;
    if (state === 'closed') return { ok: true };
    if (state === 'half-open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return { ok: true };
    }
    return { ok: false, retryInMs: Math.max(0, this.opts.cooldownMs - (this.now() - (this.openedAt ?? 0))) };
  }

  success(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.trialInFlight = false;
    this.lastError = undefined;
  }

  failure(reason: string): void {
    this.lastError = reason;
    this.trialInFlight = false;
    this.failures++;
    if (this.openedAt !== undefined || this.failures >= this.opts.threshold) this.openedAt = this.now();
  }

  /** A request that ended without saying anything about health (cancelled, policy) frees the trial slot. */
  release(): void {
    this.trialInFlight = false;
  }
}
