/**
 * The one source of truth for settings. VS Code's `contributes.configuration` is generated from this schema
 * (`npm run gen:settings`) and a test fails when package.json drifts from it. Every leaf carries
 * `.meta({ description, restartRequired? })`; the settings key is `nootropic.` + its dotted path.
 */
import { z } from 'zod';

export const PROVIDERS = ['ollama', 'openai', 'anthropic', 'llamacpp'] as const;
export type Provider = (typeof PROVIDERS)[number];
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface SettingMeta {
  description: string;
  restartRequired?: boolean;
  /**
   * Sends data off the machine or runs code: from workspace files it applies only once the user approved it
   * (`nootropic trust`), never in restricted mode; VS Code ignores workspace values in untrusted workspaces.
   */
  restricted?: boolean;
}
const meta = (m: SettingMeta) => m as unknown as Record<string, unknown>;

export const ROLES = ['chat', 'edit', 'plan', 'embed', 'completion'] as const;
export type Role = (typeof ROLES)[number];
export const TOOL_CALL_MODES = ['auto', 'native', 'text'] as const;

/** One model endpoint in a role's fallback chain. Omitted fields come from the default endpoint above. */
export const EndpointSchema = z
  .object({
    provider: z.enum(PROVIDERS).optional(),
    baseUrl: z.string().url().optional(),
    model: z.string().min(1),
    /** Overrides what the endpoint reports (or the registry knows) about the model's context window. */
    contextLength: z.number().int().min(256).optional(),
    /** `native`: the provider's tool calls; `text`: a fenced JSON protocol; `auto`: native when the model has it. */
    toolCalls: z.enum(TOOL_CALL_MODES).optional(),
  })
  .strict();
export type EndpointConfig = z.infer<typeof EndpointSchema>;

const roleChain = (role: Role, extra: string) =>
  z
    .array(EndpointSchema)
    .default([])
    .meta(
      meta({
        description: `Models for the \`${role}\` role, tried in order (a fallback chain): a list of \`{ "provider", "baseUrl", "model", "contextLength", "toolCalls" }\`; omitted fields come from \`nootropic.models.provider/baseUrl\`. ${extra}`,
        restricted: true,
      }),
    );

const RolesSchema = z
  .object({
    chat: roleChain('chat', 'Empty: the default endpoint (`nootropic.models.model`).'),
    edit: roleChain('edit', 'Empty: the chat chain.'),
    plan: roleChain('plan', 'Empty: the chat chain.'),
    embed: roleChain('embed', 'The workspace index embeds through this chain (changing it rebuilds the index). Empty: `nootropic.embeddings` when it names an ollama/openai endpoint or a GGUF file, else no embedding model (search is lexical only).'),
    completion: roleChain('completion', 'Inline code completion (fill-in-the-middle), best a small code model such as `qwen2.5-coder:1.5b-base`. Empty: the chat chain (`nootropic doctor` says so).'),
  })
  .strict();

const ModelsSchema = z
  .object({
    provider: z
      .enum(PROVIDERS)
      .default('ollama')
      .meta(meta({ description: 'Model provider: `ollama`, `openai` (any OpenAI-compatible server: llama.cpp `llama-server`, LM Studio, vLLM, Tabby), `anthropic` (cloud, opt-in) or `llamacpp` (a GGUF file run in-process). Env: `NOOTROPIC_PROVIDER`.' })),
    baseUrl: z
      .string()
      .url()
      .default('http://127.0.0.1:11434')
      .meta(meta({ description: 'Base URL of the model endpoint (for OpenAI-compatible servers include `/v1`). A non-loopback URL is refused unless `nootropic.models.allowCloud` is on. Env: `NOOTROPIC_BASE_URL`.' , restricted: true })),
    model: z
      .string()
      .default('qwen2.5-coder:7b')
      .meta(meta({ description: 'Model name as the provider knows it (for `llamacpp`, the path of a GGUF file). Env: `NOOTROPIC_MODEL`.' })),
    allowCloud: z
      .boolean()
      .default(false)
      .meta(meta({ description: 'Allow sending code to non-loopback (cloud) endpoints. Off by default: nothing leaves the machine. Env: `NOOTROPIC_ALLOW_CLOUD=1`.' , restricted: true })),
    probeTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(60_000)
      .default(2_000)
      .meta(meta({ description: 'How long `nootropic doctor` waits for a model endpoint to answer before calling it unreachable (ms).' })),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(60_000)
      .meta(meta({ description: 'How long a model request may wait for the response to start, or for the next chunk of a streaming answer, before it is abandoned as stalled (ms). Loading a large local model can take a while.' })),
    maxRetries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(2)
      .meta(meta({ description: 'Retries per endpoint on HTTP 429/5xx or a reset connection, with exponential backoff and jitter, before the next model in the fallback chain is tried.' })),
    maxOutputTokens: z
      .number()
      .int()
      .min(16)
      .max(65_536)
      .default(1_024)
      .meta(meta({ description: 'Tokens reserved for the answer when the prompt is fitted into the model\'s context window.' })),
    roles: RolesSchema.prefault({}),
    llamacpp: z
      .object({
        threads: z
          .number()
          .int()
          .min(0)
          .max(256)
          .default(0)
          .meta(meta({ description: 'CPU threads for the embedded llama.cpp provider (`llamacpp`); 0 = one per available core.' })),
        gpu: z
          .enum(['auto', 'off'])
          .default('auto')
          .meta(meta({ description: 'GPU offload for the embedded llama.cpp provider: `auto` uses CUDA, Vulkan or Metal when node-llama-cpp has a working prebuilt binary for it, `off` runs on the CPU only.' })),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const ServerSchema = z
  .object({
    logLevel: z
      .enum(LOG_LEVELS)
      .default('info')
      .meta(meta({ description: 'Server log level. Logs are JSON lines on the server\'s stderr (the "nootropic" output channel in VS Code). Env: `NOOTROPIC_LOG_LEVEL`.' })),
  })
  .strict();

const DiagnosticsSchema = z
  .object({
    syntax: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .meta(
            meta({
              description:
                'Publish a diagnostic at each syntax error (tree-sitter) in open documents. In VS Code also per language (`"[python]": { "nootropic.diagnostics.syntax.enabled": false }`), and for TypeScript/JavaScript and CSS, whose syntax errors VS Code\'s own extensions report (while installed and validating), by default only a fallback: shown where that checker has reported nothing after 4 s, dropped once it reports. A value you set wins (`false`: never). Other editors: every language unless listed in `skipLanguages`.',
            }),
          ),
        debounceMs: z
          .number()
          .int()
          .min(0)
          .max(5_000)
          .default(150)
          .meta(meta({ description: 'Wait this long after the last keystroke before re-parsing a document (ms).' })),
        skipLanguages: z
          .array(z.string().min(1))
          .default([])
          .meta(
            meta({
              description:
                "Language ids (e.g. `typescript`) whose documents never get syntax diagnostics from nootropic, in any editor (for Neovim and others whose own language servers report those languages' syntax errors). VS Code adds the languages its per-language `diagnostics.syntax.enabled` is set false for.",
            }),
          ),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const IndexSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .meta(meta({ description: 'Index the workspace for retrieval (search, @codebase, agent context). The index lives in `.nootropic-cache/index/`.' })),
    maxFileBytes: z
      .number()
      .int()
      .min(1_000)
      .max(100_000_000)
      .default(1_000_000)
      .meta(meta({ description: 'Files larger than this are skipped (and counted as skipped) by the indexer.' })),
    watch: z
      .boolean()
      .default(true)
      .meta(meta({ description: 'Re-index files when they change on disk (saves in the editor are picked up either way). Editors that support it watch for the server (`workspace/didChangeWatchedFiles`); otherwise the server watches, honouring `.gitignore` and never descending into `node_modules` or `.git`.', restartRequired: true })),
    waitMs: z
      .number()
      .int()
      .min(0)
      .max(600_000)
      .default(60_000)
      .meta(meta({ description: 'How long ask, chat, run, plan and the coder wait for the workspace index to be ready (with progress) before answering from what is indexed so far. Another process writing the index is waited for as long.' })),
  })
  .strict();

const EmbeddingsSchema = z
  .object({
    provider: z
      .enum(['none', 'transformers', 'ollama', 'openai', 'llamacpp'])
      .default('none')
      .meta(meta({ description: 'Embedding model for hybrid (lexical + vector) search. `none`: lexical-only mode (no model needed). `transformers`: a local model folder run in the server with transformers.js (never downloaded). `llamacpp`: a GGUF embedding model run in the server with llama.cpp (node-llama-cpp). `ollama` / `openai`: an endpoint (`/api/embed`, `/v1/embeddings`). Changing it rebuilds the index.', restartRequired: true })),
    model: z
      .string()
      .default('')
      .meta(meta({ description: 'Embedding model: a local folder (transformers: containing config.json, tokenizer.json and onnx/model.onnx), the path of a .gguf file (llamacpp) or a model name (ollama/openai).', restartRequired: true })),
    baseUrl: z
      .union([z.literal(''), z.string().url()])
      .default('')
      .meta(meta({ description: 'Endpoint for ollama/openai embeddings; empty uses `nootropic.models.baseUrl`. The cloud rule applies.', restartRequired: true , restricted: true })),
    batchSize: z
      .number()
      .int()
      .min(1)
      .max(512)
      .default(32)
      .meta(meta({ description: 'Chunks embedded per request while indexing.' })),
  })
  .strict();

const TelemetrySchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .meta(meta({ description: 'Keep traces of requests, agent steps and model calls in `.nootropic-cache/traces/` for the trace viewer. Local only.' })),
    otlpEndpoint: z
      .union([z.literal(''), z.string().url()])
      .default('')
      .meta(meta({ description: 'Also export traces over OTLP/HTTP to this collector (e.g. `http://127.0.0.1:4318`). Empty: no export. Secrets are redacted before export. The models\' egress rule applies: a collector that does not resolve to loopback needs `nootropic.models.allowCloud`.', restricted: true })),
    prometheusPort: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(0)
      .meta(meta({ description: 'Serve metrics (request latency, errors, token usage) for Prometheus on `127.0.0.1:<port>/metrics`. 0: off.', restartRequired: true })),
  })
  .strict();

export const McpServerConfig = z
  .object({
    /** Shown in the registry as `mcp:<name>`; tools are named `<name>/<tool>`. */
    name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_-]*$/, 'must start with a letter and contain only letters, digits, - and _'),
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
  })
  .strict();
export type McpServerConfig = z.output<typeof McpServerConfig>;

const PluginsSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .meta(meta({ description: 'Load plugins: the bundled ones and, in a trusted workspace, those in `.nootropic/plugins/<name>/`.', restricted: true })),
    disabled: z
      .array(z.string())
      .default([])
      .meta(meta({ description: 'Names of plugins not to load (they are listed as disabled).' })),
    activateTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(120_000)
      .default(5_000)
      .meta(meta({ description: "How long a plugin's `activate` may take before the plugin is stopped and marked failed (ms)." })),
    commandTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(30_000)
      .meta(meta({ description: 'How long a plugin command may run before the plugin is stopped and marked failed (ms).' })),
    memoryLimitMb: z
      .number()
      .int()
      .min(64)
      .max(8_192)
      .default(256)
      .meta(meta({ description: "Memory limit of each plugin's process (MB): its resident memory, off-heap Buffers included (a bare Node host takes ~45 MB of it). A plugin that exceeds it is stopped and marked failed." })),
    hotReload: z
      .boolean()
      .default(true)
      .meta(meta({ description: 'Reload a workspace plugin when its folder under `.nootropic/plugins/` changes.' })),
    mcpServers: z
      .array(McpServerConfig)
      .default([])
      .meta(meta({ description: 'MCP servers (stdio) whose tools are added as tool providers: `[{ name, command, args, env }]`. Started only in a trusted workspace.', restricted: true })),
  })
  .strict();

const AgentsSchema = z
  .object({
    allowCommands: z
      .array(z.string())
      .default([])
      .meta(meta({ description: 'Commands agents may run without asking: `npm test` (exactly), `npm test*` (the last word a prefix, any arguments), `npm run *` (any arguments), `*`. Commands are parsed as shell: every part of a chain, pipeline or substitution must match on its own, and redirections, `&` and compound syntax always ask. The tests command in `project-spec.yaml` is always allowed; anything else asks first (`nootropic run --yes` approves). Untrusted workspaces run none.', restricted: true })),
    maxIterations: z
      .number()
      .int()
      .min(1)
      .max(50)
      .default(5)
      .meta(meta({ description: 'Coder → critic rounds per task before the loop stops (the spec\'s `budgets.iterations` overrides it).' })),
    maxTokens: z
      .number()
      .int()
      .min(100)
      .default(200_000)
      .meta(meta({ description: 'Model tokens (prompt + answer) one task may spend before the loop stops.' })),
    maxWallSeconds: z
      .number()
      .int()
      .min(1)
      .default(900)
      .meta(meta({ description: 'Wall time one task may take before the loop stops (s).' })),
    commandTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .default(120_000)
      .meta(meta({ description: 'How long the tests command (or any agent command) may run before it is killed (ms).' })),
    resumeOnStart: z
      .boolean()
      .default(true)
      .meta(meta({ description: 'When the server starts, offer to resume agent runs a killed server left unfinished (the editor asks Resume/Discard; the CLI needs `nootropic run --resume RUN`). Runs are never resumed without being asked, and a run this machine did not start is ignored.', restricted: true })),
  })
  .strict();

export const FIM_TEMPLATES = ['auto', 'native', 'qwen', 'deepseek', 'starcoder', 'codellama', 'codestral'] as const;
export type FimTemplateSetting = (typeof FIM_TEMPLATES)[number];
export const FIM_PROTOCOLS = ['auto', 'ollama', 'llama-server', 'openai-completions'] as const;
export type FimProtocolSetting = (typeof FIM_PROTOCOLS)[number];

const CompletionSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .meta(meta({ description: 'Inline code completion (ghost text) from the `completion` model role, served as LSP `textDocument/inlineCompletion` and, on explicit invocation, as a `textDocument/completion` item.' })),
    disabledLanguages: z
      .array(z.string().min(1))
      .default([])
      .meta(meta({ description: 'Language ids (e.g. `markdown`, `plaintext`) that never get inline completions.' })),
    protocol: z
      .enum(FIM_PROTOCOLS)
      .default('auto')
      .meta(meta({ description: 'Fill-in-the-middle wire protocol: `ollama` (`/api/generate` with `suffix`), `llama-server` (llama.cpp `/infill` with `input_extra` context), `openai-completions` (`/v1/completions` with `suffix`: vLLM, LM Studio, Tabby). `auto`: by the endpoint\'s provider (ollama → `ollama`, openai → `openai-completions`).' })),
    template: z
      .enum(FIM_TEMPLATES)
      .default('auto')
      .meta(meta({ description: 'How prefix and suffix reach the model. `native`: the endpoint applies the model\'s own FIM format (Ollama `suffix`, llama-server `/infill`, `/v1/completions` `suffix`). A family (`qwen`, `deepseek`, `starcoder`, `codellama`, `codestral`): nootropic writes that family\'s FIM tokens into a raw prompt. `auto`: the family detected from the model name when the endpoint has no native FIM, else native.' })),
    contextTokens: z
      .number()
      .int()
      .min(128)
      .max(32_768)
      .default(1_024)
      .meta(meta({ description: 'Token budget of the prompt: prefix and suffix around the cursor, then definitions from other files of the symbols used near the cursor, recently edited regions and imports.' })),
    maxTokens: z
      .number()
      .int()
      .min(8)
      .max(1_024)
      .default(128)
      .meta(meta({ description: 'Most tokens one completion may generate (streaming stops earlier when the post-processor has its answer).' })),
    debounceMs: z
      .number()
      .int()
      .min(0)
      .max(2_000)
      .default(60)
      .meta(meta({ description: 'Wait this long after a request arrives before calling the model; a keystroke within it cancels the request without any model traffic (ms).' })),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(120_000)
      .default(10_000)
      .meta(meta({ description: 'How long a completion request may wait for the model before it is abandoned (ms).' })),
  })
  .strict();

export const ConfigSchema = z
  .object({
    models: ModelsSchema.prefault({}),
    telemetry: TelemetrySchema.prefault({}),
    index: IndexSchema.prefault({}),
    embeddings: EmbeddingsSchema.prefault({}),
    plugins: PluginsSchema.prefault({}),
    server: ServerSchema.prefault({}),
    diagnostics: DiagnosticsSchema.prefault({}),
    agents: AgentsSchema.prefault({}),
    completion: CompletionSchema.prefault({}),
  })
  .strict();

export type Config = z.output<typeof ConfigSchema>;
/** What a layer may set: any subset, validated when merged. */
export type ConfigInput = z.input<typeof ConfigSchema>;

export function defaultConfig(): Config {
  return ConfigSchema.parse({});
}
