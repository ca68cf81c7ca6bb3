/**
 * The background health probe: the same probes as `nootropic/doctor`, run at startup and after each configuration
 * change, so that no model, no semgrep or no embedder shows in the status bar and the log, not only when someone
 * runs doctor. One probe at a time: a newer one aborts the one in flight. Config problems have their own status
 * domain and are left out of `health`.
 */
import type { DoctorReport } from '../../../shared/protocol';
import type { Logger } from '../log';
import type { IndexService } from '../rag/index-service';
import type { StatusReporter } from '../status';

const STARTUP_PROBE_TIMEOUT_MS = 3_000;
/**
 * The first probe (grammars, model endpoints, process spawns) waits for a persisted index to open, at most this
 * long: on a busy machine it would otherwise compete with the first request's context for the CPU.
 */
const FIRST_PROBE_AFTER_INDEX_MS = 3_000;
/** Configuration changes arrive in bursts (initialize, then the editor's didChangeConfiguration): probe once. */
const DEBOUNCE_MS = 200;

export interface HealthProbeDeps {
  /** Builds the doctor report (probes bounded by `timeoutMs` each). */
  report(signal: AbortSignal, timeoutMs: number): Promise<DoctorReport>;
  /** Whether background probes run at all (the one-shot CLI commands turn them off). */
  enabled(): boolean;
  index: Pick<IndexService, 'persisted' | 'waitUntilSearchable'>;
  status: Pick<StatusReporter, 'set' | 'markReady'>;
  log: Logger;
}

export class HealthProbe {
  private running: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private first = true;

  constructor(private readonly deps: HealthProbeDeps) {}

  /** Probe soon (debounced), replacing a probe in flight. */
  schedule(): void {
    clearTimeout(this.timer);
    if (!this.deps.enabled()) return;
    this.timer = setTimeout(() => void this.probe(), DEBOUNCE_MS);
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    if (this.first) {
      this.first = false;
      // Only an index already on disk is waited for (it opens in milliseconds); a first build is not.
      if (this.deps.index.persisted()?.snapshot) await this.deps.index.waitUntilSearchable(FIRST_PROBE_AFTER_INDEX_MS).catch(() => undefined);
      if (controller.signal.aborted) return;
    }
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(STARTUP_PROBE_TIMEOUT_MS * 3)]);
    try {
      const report = await this.deps.report(signal, STARTUP_PROBE_TIMEOUT_MS);
      if (controller.signal.aborted) return;
      const degraded = report.degraded.filter((d) => !d.startsWith('config:'));
      this.deps.status.set('health', degraded);
      this.deps.log.info('health probe', { degraded });
    } catch (err) {
      if (!controller.signal.aborted) this.deps.log.warn('health probe failed', { error: String(err) });
    } finally {
      // The status bar says "ready" only once the first probe has spoken (markReady is idempotent).
      this.deps.status.markReady();
    }
  }
}
