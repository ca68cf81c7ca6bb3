/** Server lifecycle and health: `nootropic/doctor`, `nootropic/server/status`. */
import { z } from 'zod';
import { notification, request } from './method';
import { HardwareSummary, Recommendation } from './models';
import { IndexState } from './search';

export const ProbeResult = z.object({
  available: z.boolean(),
  detail: z.string().optional(),
  error: z.string().optional(),
});
export type ProbeResult = z.infer<typeof ProbeResult>;

export const ModelEndpointReport = z.object({
  role: z.string(),
  provider: z.enum(['ollama', 'openai', 'anthropic', 'llamacpp']),
  baseUrl: z.string(),
  model: z.string(),
  reachable: z.boolean(),
  latencyMs: z.number().optional(),
  error: z.string().optional(),
  /** What the probe found when it worked (e.g. an embedded GGUF's architecture, window, cpu/gpu). */
  detail: z.string().optional(),
});
export type ModelEndpointReport = z.infer<typeof ModelEndpointReport>;

export const ConfigSourceReport = z.object({
  layer: z.string(),
  path: z.string().optional(),
  status: z.enum(['loaded', 'absent', 'error']),
  error: z.string().optional(),
});
export type ConfigSourceReport = z.infer<typeof ConfigSourceReport>;

/** Inline completion: what serves it, and one real fill-in-the-middle request's outcome. */
export const CompletionReport = z.object({
  enabled: z.boolean(),
  /** No `completion` role is configured: the chat endpoint and model serve completions. */
  fallbackToChat: z.boolean(),
  endpoint: z.object({ role: z.string(), label: z.string(), provider: z.enum(['ollama', 'openai', 'anthropic', 'llamacpp']), baseUrl: z.string(), model: z.string() }).nullable(),
  protocol: z.string().nullable(),
  template: z.string(),
  disabledLanguages: z.array(z.string()),
  reachable: z.boolean(),
  latencyMs: z.number().optional(),
  detail: z.string().optional(),
  error: z.string().optional(),
});
export type CompletionReport = z.infer<typeof CompletionReport>;

export const DoctorReport = z.object({
  version: z.string(),
  protocolVersion: z.string(),
  node: z.object({ version: z.string(), ok: z.boolean(), required: z.string() }),
  workspace: z.object({ root: z.string().nullable(), trusted: z.boolean() }),
  server: z.object({
    state: z.enum(['running']),
    pid: z.number(),
    transport: z.string(),
    uptimeMs: z.number(),
  }),
  config: z.object({ sources: z.array(ConfigSourceReport) }),
  models: z.array(ModelEndpointReport),
  tools: z.object({
    semgrep: ProbeResult,
    ollama: ProbeResult,
    embedder: ProbeResult,
    grammars: ProbeResult.extend({ languages: z.array(z.string()) }),
  }),
  index: IndexState,
  /** The index persisted under .nootropic-cache/index, read from disk whatever the server is doing right now. */
  indexOnDisk: z
    .object({
      dir: z.string(),
      present: z.boolean(),
      files: z.number().optional(),
      chunks: z.number().optional(),
      mode: z.enum(['lexical', 'hybrid']).optional(),
      embedder: z.string().optional(),
      builtAt: z.string().optional(),
      ageMs: z.number().optional(),
    })
    .optional(),
  hardware: HardwareSummary,
  /** The local model suggested for this machine (null when none in the registry fits). */
  recommended: Recommendation.nullable(),
  /** Where chat and ask get workspace context from, and whether a workspace index exists. */
  context: z.object({ index: z.enum(['ready', 'unavailable']), retriever: z.string(), detail: z.string() }),
  /** Inline completion (absent from servers that predate it). */
  completion: CompletionReport.optional(),
  /** One line per degraded item, empty when everything is available. */
  degraded: z.array(z.string()),
});
export type DoctorReport = z.infer<typeof DoctorReport>;

/** client→server: probe everything the server depends on and report it truthfully. */
export const Doctor = request(
  'nootropic/doctor',
  'client→server',
  z.object({ timeoutMs: z.number().int().positive().max(60_000).optional() }).strict(),
  DoctorReport,
);

export const ServerStatusParams = z.object({
  state: z.enum(['starting', 'ready', 'degraded']),
  message: z.string(),
  degraded: z.array(z.string()),
});
export type ServerStatusParams = z.infer<typeof ServerStatusParams>;

/** server→client: the server's overall state, sent when it changes (for status bars). */
export const ServerStatus = notification('nootropic/server/status', 'server→client', ServerStatusParams);
