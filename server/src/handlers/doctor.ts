/** `nootropic/doctor`, and the same probes in the background so the status bar tells the truth too. */
import { Doctor } from '../../../shared/protocol';
import type { ServerContext } from '../context';
import { buildDoctorReport } from '../doctor/report';
import { abortSignalFor } from '../rpc/registry';

const STARTUP_PROBE_TIMEOUT_MS = 3_000;
/**
 * The first probe (grammars, model endpoints, process spawns) waits for a persisted index to open, at most this
 * long: on a busy machine it would otherwise compete with the first request's context for the CPU.
 */
const FIRST_PROBE_AFTER_INDEX_MS = 3_000;

export function register(ctx: Pick<ServerContext, 'rpc' | 'config' | 'info' | 'status' | 'log' | 'index' | 'models' | 'retriever' | 'secrets'>): void {
  ctx.rpc.request(Doctor, async (params, token) => buildDoctorReport(ctx, abortSignalFor(token), params.timeoutMs, true));

  // Probe at startup and whenever the configuration changes: no model, no semgrep, no embedder show in the
  // status bar and the log, not only when someone runs doctor. Config problems have their own status domain.
  let running: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  let first = true;
  ctx.config.onChange(() => {
    clearTimeout(timer);
    if (!ctx.config.backgroundProbes) return;
    timer = setTimeout(async () => {
      running?.abort();
      const controller = new AbortController();
      running = controller;
      if (first) {
        first = false;
        // Only an index already on disk is waited for (it opens in milliseconds); a first build is not.
        if (ctx.index.persisted()?.snapshot) await ctx.index.waitUntilSearchable(FIRST_PROBE_AFTER_INDEX_MS).catch(() => undefined);
        if (controller.signal.aborted) return;
      }
      const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(STARTUP_PROBE_TIMEOUT_MS * 3)]);
      buildDoctorReport(ctx, signal, STARTUP_PROBE_TIMEOUT_MS)
        .then((report) => {
          if (controller.signal.aborted) return;
          const degraded = report.degraded.filter((d) => !d.startsWith('config:'));
          ctx.status.set('health', degraded);
          ctx.log.info('health probe', { degraded });
        })
        .catch((err: unknown) => {
          if (!controller.signal.aborted) ctx.log.warn('health probe failed', { error: String(err) });
        })
        // The status bar says "ready" only once the first probe has spoken (markReady is idempotent).
        .finally(() => ctx.status.markReady());
    }, 200);
    timer.unref();
  });
}
