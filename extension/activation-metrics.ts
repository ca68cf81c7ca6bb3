/**
 * What activating nootropic costs the extension host: how long the bundle took to evaluate, how long `activate`
 * ran, when the language server answered `initialize`, and the host's memory before and after. extension.ts imports
 * this module first (it imports nothing), so its top level runs before the rest of the bundle is evaluated.
 * The figures go to the "nootropic" output channel and through the API (`activation()`); the e2e harness prints them.
 */
export interface MemorySample {
  rssMB: number;
  heapUsedMB: number;
}

export interface ActivationMetrics {
  /** From the first line of the bundle to `activate` being called (evaluating nootropic's modules). */
  moduleLoadMs: number;
  /** `activate` itself, to the API being returned (the server starts in the background). */
  activateMs: number;
  /** From `activate` to the server's `initialize` answer; absent until then (or when it failed). */
  serverReadyMs?: number;
  /** The extension host's memory when the bundle started evaluating, and when `activate` returned. */
  memoryAtLoad: MemorySample;
  memoryAfterActivate?: MemorySample;
}

const MB = 1024 * 1024;
export function memorySample(): MemorySample {
  const m = process.memoryUsage();
  return { rssMB: Math.round((m.rss / MB) * 10) / 10, heapUsedMB: Math.round((m.heapUsed / MB) * 10) / 10 };
}

const loadStarted = performance.now();
const memoryAtLoad = memorySample();
let activateStarted: number | undefined;
const metrics: ActivationMetrics = { moduleLoadMs: 0, activateMs: 0, memoryAtLoad };
const round = (ms: number) => Math.round(ms * 10) / 10;

export function activateStarts(): void {
  activateStarted = performance.now();
  metrics.moduleLoadMs = round(activateStarted - loadStarted);
}

export function activateEnds(): void {
  metrics.activateMs = round(performance.now() - (activateStarted ?? loadStarted));
  metrics.memoryAfterActivate = memorySample();
}

export function serverReady(): void {
  metrics.serverReadyMs = round(performance.now() - (activateStarted ?? loadStarted));
}

export function activationMetrics(): ActivationMetrics {
  return { ...metrics };
}

/** One line for the output channel. */
export function describeActivation(m: ActivationMetrics = metrics): string {
  const mem = m.memoryAfterActivate ? `; extension host heap ${m.memoryAtLoad.heapUsedMB} → ${m.memoryAfterActivate.heapUsedMB} MB, rss ${m.memoryAfterActivate.rssMB} MB` : '';
  return `activated in ${m.activateMs} ms (bundle evaluated in ${m.moduleLoadMs} ms)${m.serverReadyMs !== undefined ? `, server ready after ${m.serverReadyMs} ms` : ''}${mem}`;
}
