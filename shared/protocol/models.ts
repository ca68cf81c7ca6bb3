/** Models and chat: `nootropic/models/list`, `nootropic/chat/send`, `nootropic/chat/delta`. */
import { z } from 'zod';
import { PROVIDERS, ROLES } from '../config/schema';
import { ChatCommandKind, ChatEditProposal, ChatPlanResult, ChatSearchResult } from './chat';
import { notification, request } from './method';

export const GpuInfo = z.object({ name: z.string(), memoryGiB: z.number(), driver: z.string().optional() });

export const HardwareSummary = z.object({
  platform: z.string(),
  arch: z.string(),
  totalMemoryGiB: z.number(),
  freeMemoryGiB: z.number(),
  cpu: z.object({ model: z.string(), cores: z.number().int(), features: z.array(z.string()) }),
  gpus: z.array(GpuInfo),
  gpuProbe: z.string(),
});
export type HardwareSummary = z.infer<typeof HardwareSummary>;

export const Recommendation = z.object({
  name: z.string(),
  provider: z.literal('ollama'),
  reason: z.string(),
  installed: z.boolean(),
  command: z.string().optional(),
});
export type Recommendation = z.infer<typeof Recommendation>;

export const ConfiguredModel = z.object({
  role: z.enum(ROLES),
  label: z.string(),
  provider: z.enum(PROVIDERS),
  baseUrl: z.string(),
  model: z.string(),
  reachable: z.boolean(),
  error: z.string().optional(),
  contextLength: z.number().int().optional(),
  contextSource: z.enum(['config', 'server', 'registry', 'fallback']).optional(),
  toolCalls: z.enum(['native', 'text']).optional(),
  quantization: z.string().optional(),
  costPerMTokens: z.object({ input: z.number(), output: z.number() }).optional(),
});
export type ConfiguredModel = z.infer<typeof ConfiguredModel>;

export const DiscoveredModel = z.object({
  name: z.string(),
  contextLength: z.number().int().optional(),
  quantization: z.string().optional(),
  sizeBytes: z.number().optional(),
});

export const DiscoveredEndpoint = z.object({
  provider: z.enum(PROVIDERS),
  baseUrl: z.string(),
  reachable: z.boolean(),
  error: z.string().optional(),
  models: z.array(DiscoveredModel),
});

export const ModelsReport = z.object({
  configured: z.array(ConfiguredModel),
  discovered: z.array(DiscoveredEndpoint),
  hardware: HardwareSummary,
  recommended: Recommendation.nullable(),
});
export type ModelsReport = z.infer<typeof ModelsReport>;

/** client→server: configured models per role (probed), models the endpoints offer, hardware, a recommendation. */
export const ModelsList = request(
  'nootropic/models/list',
  'client→server',
  z.object({ timeoutMs: z.number().int().positive().max(60_000).optional() }).strict(),
  ModelsReport,
);

const Position = z.object({ line: z.number().int().min(0), character: z.number().int().min(0) });
const Range = z.object({ start: Position, end: Position });

export const ChatSendParams = z
  .object({
    /** Chosen by the client; deltas arrive as `nootropic/chat/delta` with this id. Omit for no streaming. */
    streamId: z.string().min(1).max(200).optional(),
    role: z.enum(['chat', 'edit', 'plan']).default('chat'),
    /**
     * A slash command to run (without the slash: `edit`, `explain`, a plugin's `plugin/command`; see
     * `nootropic/chat/commands`). When absent, a leading `/command` in the last message is read as one.
     */
    command: z.string().min(1).max(200).optional(),
    messages: z
      .array(z.object({ role: z.enum(['user', 'assistant']), content: z.string().min(1).max(200_000) }).strict())
      .min(1)
      .refine((m) => m[m.length - 1]?.role === 'user', 'the last message must be from the user'),
    context: z
      .object({
        /** The active document: one open in the editor, or a file inside the workspace (anything else is refused). */
        uri: z.string().optional(),
        selection: Range.optional(),
        includeOpenFile: z.boolean().default(true),
        /** Diagnostics the user is looking at (the editor knows them best). */
        diagnostics: z.array(z.object({ message: z.string(), line: z.number().int().min(0).optional() }).strict()).max(200).optional(),
        /** @-mentions the server resolves: `file` (a root-relative path) and `symbol` (a name in the index). */
        mentions: z.array(z.object({ kind: z.enum(['file', 'symbol']), arg: z.string().min(1).max(1_000) }).strict()).max(20).optional(),
        /** The workspace's problems as the editor shows them (for `@problems` with no document, and `/fix` across files). */
        problems: z.array(z.object({ path: z.string().max(1_000), line: z.number().int().min(0).optional(), message: z.string().max(4_000) }).strict()).max(500).optional(),
      })
      .strict()
      .optional(),
    /** How many retrieved chunks to consider (0 turns retrieval off). */
    retrieveLimit: z.number().int().min(0).max(50).default(8),
  })
  .strict();
export type ChatSendParams = z.input<typeof ChatSendParams>;

export const Citation = z.object({ path: z.string(), startLine: z.number().int().min(1), endLine: z.number().int().min(1) });
export type Citation = z.infer<typeof Citation>;

const ContextRef = z.object({
  kind: z.enum(['selection', 'diagnostics', 'open-file', 'git-diff', 'retrieved']),
  path: z.string().optional(),
  startLine: z.number().int().optional(),
  endLine: z.number().int().optional(),
});

export const AttemptReport = z.object({
  label: z.string(),
  provider: z.string(),
  baseUrl: z.string(),
  model: z.string(),
  kind: z.string(),
  error: z.string(),
  retries: z.number().int(),
});

export const ChatSendResult = z.object({
  answer: z.string(),
  model: z.string(),
  /**
   * `provider: 'plugin'` (label `plugin:<name>`, no baseUrl) when a `/command` of a plugin answered, not a model;
   * `provider: 'nootropic'` for /search (the index) and /plan (the planner).
   */
  endpoint: z.object({ role: z.enum(ROLES), label: z.string(), provider: z.union([z.enum(PROVIDERS), z.literal('plugin'), z.literal('nootropic')]), baseUrl: z.string() }),
  finishReason: z.enum(['stop', 'length', 'tool_calls', 'other']),
  /** What ran: a model answer (plain chat, /explain, /review), /search hits, a /plan graph, an /edit-/fix-/test proposal, a plugin. */
  kind: ChatCommandKind,
  /** The slash command that ran, without the slash. */
  slash: z.string().optional(),
  hits: ChatSearchResult.optional(),
  plan: ChatPlanResult.optional(),
  /** Set for /edit, /fix, /test: the proposal (absent when the answer held no edit; `warnings` says so). */
  edit: ChatEditProposal.optional(),
  /** Set when the message was `/command args` for a plugin command: what it returned (the answer renders it). */
  command: z.object({ plugin: z.string(), command: z.string(), result: z.json(), durationMs: z.number() }).optional(),
  /** Only sources that were actually in the prompt. */
  citations: z.array(Citation),
  context: z.object({
    index: z.enum(['ready', 'unavailable']),
    retriever: z.string(),
    detail: z.string(),
    used: z.array(ContextRef),
    dropped: z.array(ContextRef.extend({ tokens: z.number().int(), reason: z.string() })),
    window: z.object({
      contextLength: z.number().int(),
      contextSource: z.enum(['config', 'server', 'registry', 'fallback']),
      promptTokens: z.number().int(),
      reservedForAnswer: z.number().int(),
    }),
  }),
  /** Endpoints tried before the one that answered (fallbacks), with why they failed. */
  attempts: z.array(AttemptReport),
  warnings: z.array(z.string()),
  usage: z.object({ promptTokens: z.number().optional(), outputTokens: z.number().optional() }).optional(),
});
export type ChatSendResult = z.infer<typeof ChatSendResult>;

/** client→server: answer a conversation with workspace context; streams deltas, honours $/cancelRequest. */
export const ChatSend = request('nootropic/chat/send', 'client→server', ChatSendParams, ChatSendResult);

export const ChatDeltaParams = z.object({ streamId: z.string(), text: z.string() });
/** server→client: a piece of the answer for the chat/send request with this streamId. */
export const ChatDelta = notification('nootropic/chat/delta', 'server→client', ChatDeltaParams);
