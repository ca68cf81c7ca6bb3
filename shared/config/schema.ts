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
}
const meta = (m: SettingMeta) => m as unknown as Record<string, unknown>;

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
      .meta(meta({ description: 'Base URL of the model endpoint (for OpenAI-compatible servers include `/v1`). A non-loopback URL is refused unless `nootropic.models.allowCloud` is on. Env: `NOOTROPIC_BASE_URL`.' })),
    model: z
      .string()
      .default('qwen2.5-coder:7b')
      .meta(meta({ description: 'Model name as the provider knows it (for `llamacpp`, the path of a GGUF file). Env: `NOOTROPIC_MODEL`.' })),
    allowCloud: z
      .boolean()
      .default(false)
      .meta(meta({ description: 'Allow sending code to non-loopback (cloud) endpoints. Off by default: nothing leaves the machine. Env: `NOOTROPIC_ALLOW_CLOUD=1`.' })),
    probeTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(60_000)
      .default(2_000)
      .meta(meta({ description: 'How long `nootropic doctor` waits for a model endpoint to answer before calling it unreachable (ms).' })),
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
          .meta(meta({ description: 'Publish a diagnostic at each syntax error (tree-sitter) in open documents.' })),
        debounceMs: z
          .number()
          .int()
          .min(0)
          .max(5_000)
          .default(150)
          .meta(meta({ description: 'Wait this long after the last keystroke before re-parsing a document (ms).' })),
      })
      .strict()
      .prefault({}),
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
      .meta(meta({ description: 'Load plugins: the bundled ones and, in a trusted workspace, those in `.nootropic/plugins/<name>/`.' })),
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
      .min(16)
      .max(8_192)
      .default(256)
      .meta(meta({ description: "Heap limit of each plugin's worker thread (MB); a plugin that exceeds it is stopped and marked failed." })),
    hotReload: z
      .boolean()
      .default(true)
      .meta(meta({ description: 'Reload a workspace plugin when its folder under `.nootropic/plugins/` changes.' })),
    mcpServers: z
      .array(McpServerConfig)
      .default([])
      .meta(meta({ description: 'MCP servers (stdio) whose tools are added as tool providers: `[{ name, command, args, env }]`. Started only in a trusted workspace.' })),
  })
  .strict();

export const ConfigSchema = z
  .object({
    models: ModelsSchema.prefault({}),
    server: ServerSchema.prefault({}),
    diagnostics: DiagnosticsSchema.prefault({}),
    plugins: PluginsSchema.prefault({}),
  })
  .strict();

export type Config = z.output<typeof ConfigSchema>;
/** What a layer may set: any subset, validated when merged. */
export type ConfigInput = z.input<typeof ConfigSchema>;

export function defaultConfig(): Config {
  return ConfigSchema.parse({});
}
