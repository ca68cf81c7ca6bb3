/** Messages between the extension and the trace viewer webview. */
import { z } from 'zod';

export const TraceStep = z.object({
  id: z.string(),
  /** model, tool, edit, critic, plan, test, decision, agent, rpc, span */
  kind: z.string(),
  title: z.string(),
  status: z.enum(['ok', 'error', 'running', 'unset']),
  /** Milliseconds since the run started. */
  offsetMs: z.number(),
  durationMs: z.number(),
  depth: z.number().int().min(0),
  tokens: z.object({ input: z.number().optional(), output: z.number().optional() }).optional(),
  model: z.string().optional(),
  prompt: z.string().optional(),
  response: z.string().optional(),
  rationale: z.string().optional(),
  error: z.string().optional(),
  /** Everything else worth seeing (span attributes, findings, edits), shown as key/value. */
  detail: z.record(z.string(), z.string()).optional(),
});
export type TraceStep = z.infer<typeof TraceStep>;

export const TraceRun = z.object({
  id: z.string(),
  source: z.enum(['run', 'trace']),
  title: z.string(),
  status: z.string(),
  startedAt: z.number(),
  durationMs: z.number(),
  steps: z.array(TraceStep),
});
export type TraceRun = z.infer<typeof TraceRun>;

export const TraceRunSummary = TraceRun.omit({ steps: true }).extend({ stepCount: z.number(), failed: z.number() });
export type TraceRunSummary = z.infer<typeof TraceRunSummary>;

export const ToTraceWebview = z.discriminatedUnion('type', [
  z.object({ type: z.literal('loading') }),
  z.object({ type: z.literal('runs'), runs: z.array(TraceRunSummary), notes: z.array(z.string()), selected: z.string().optional() }),
  z.object({ type: z.literal('run'), run: TraceRun }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type ToTraceWebview = z.infer<typeof ToTraceWebview>;

export const FromTraceWebview = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), selected: z.string().optional() }),
  z.object({ type: z.literal('refresh') }),
  z.object({ type: z.literal('select'), id: z.string() }),
]);
export type FromTraceWebview = z.infer<typeof FromTraceWebview>;
