/** Traces: spans from the server's local span store, for the trace viewer and `nootropic traces`. */
import { z } from 'zod';
import { request } from './method';

export const StoredSpan = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string().optional(),
  name: z.string(),
  kind: z.number(),
  startMs: z.number(),
  durationMs: z.number(),
  status: z.object({ code: z.number(), message: z.string().optional() }),
  attributes: z.record(z.string(), z.unknown()),
  events: z.array(z.object({ name: z.string(), timeMs: z.number(), attributes: z.record(z.string(), z.unknown()).optional() })),
});
export type StoredSpan = z.infer<typeof StoredSpan>;

/** client→server: recent spans (newest last), optionally one trace only. */
export const TracesList = request(
  'nootropic/traces/list',
  'client→server',
  z.object({ traceId: z.string().regex(/^[0-9a-f]{32}$/).optional(), limit: z.number().int().min(1).max(10_000).default(500) }).strict(),
  z.object({ spans: z.array(StoredSpan), persisted: z.boolean() }),
);
