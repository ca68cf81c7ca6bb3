/**
 * The server's live configuration: reads every layer, resolves them (shared/config/layers.ts) and tells
 * listeners when the result changes. Problems are kept for status and `nootropic doctor`, and logged.
 */
import { z } from 'zod';
import { envLayer, resolveConfig, type ConfigLayer } from '../../../shared/config/layers';
import type { Config } from '../../../shared/config/schema';
import type { ConfigSourceReport } from '../../../shared/protocol';
import type { Logger } from '../log';
import { readYamlLayer, userConfigPath, workspaceConfigPath } from './files';

/** What clients may pass in `initializationOptions`. */
export const InitializationOptions = z
  .object({
    /** Editor settings the user set explicitly (the `nootropic` section, nested). */
    settings: z.record(z.string(), z.unknown()).optional(),
    /** CLI flags: the top layer. */
    cliOverrides: z.record(z.string(), z.unknown()).optional(),
    /** VS Code's workspace trust; the CLI's `--restricted` sends false. Absent means trusted (the user ran it there). */
    workspaceTrusted: z.boolean().optional(),
    /** Secrets from the editor (VS Code SecretStorage); kept in memory by Secrets, never in config or logs. */
    secrets: z.object({ apiKey: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();
export type InitializationOptions = z.infer<typeof InitializationOptions>;

type Listener = (config: Config, previous: Config) => void;

export class ConfigStore {
  private editor: Record<string, unknown> | undefined;
  private root: string | null = null;
  private cli: Record<string, unknown> | undefined;
  private trusted = true;
  private current: Config;
  private sources: ConfigSourceReport[] = [];
  private problemList: string[] = [];
  private readonly listeners: Listener[] = [];

  constructor(
    private readonly log: Logger,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {
    this.current = this.resolve();
  }

  /** Called once at `initialize`, when the workspace root and the client's options are known. */
  initialize(root: string | null, options: InitializationOptions): void {
    this.root = root;
    this.cli = options.cliOverrides;
    this.editor = options.settings;
    this.trusted = options.workspaceTrusted ?? true;
    this.reload(true);
  }

  /** Untrusted workspaces get no agent writes, no commands and no workspace plugins. */
  get workspaceTrusted(): boolean {
    return this.trusted;
  }

  get workspaceRoot(): string | null {
    return this.root;
  }

  get config(): Config {
    return this.current;
  }

  get problems(): readonly string[] {
    return this.problemList;
  }

  get sourceReports(): readonly ConfigSourceReport[] {
    return this.sources;
  }

  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  setEditorSettings(settings: Record<string, unknown> | undefined): void {
    this.editor = settings;
    this.reload();
  }

  /** Re-reads every layer; listeners hear about it when the result changed (or when `force`d, at initialize). */
  reload(force = false): void {
    const previous = this.current;
    this.current = this.resolve();
    if (force || JSON.stringify(previous) !== JSON.stringify(this.current)) {
      for (const l of this.listeners) l(this.current, previous);
    }
  }

  private resolve(): Config {
    const layers: ConfigLayer[] = [];
    const sources: ConfigSourceReport[] = [];
    const fileLayer = (name: 'user' | 'workspace', file: string) => {
      const { layer, status } = readYamlLayer(name, file);
      layers.push(layer);
      sources.push({ layer: name, path: file, status, ...(layer.error ? { error: layer.error } : {}) });
    };
    fileLayer('user', userConfigPath(this.env));
    if (this.root) fileLayer('workspace', workspaceConfigPath(this.root));
    layers.push({ name: 'editor', origin: 'editor settings', values: this.editor ?? {} });
    sources.push({ layer: 'editor', status: this.editor && Object.keys(this.editor).length ? 'loaded' : 'absent' });
    const env = envLayer(this.env);
    layers.push(env);
    sources.push({ layer: 'env', status: Object.keys(env.values ?? {}).length ? 'loaded' : 'absent' });
    layers.push({ name: 'cli', origin: 'command-line flags', values: this.cli ?? {} });
    sources.push({ layer: 'cli', status: this.cli && Object.keys(this.cli).length ? 'loaded' : 'absent' });

    const { config, problems } = resolveConfig(layers);
    for (const p of problems) if (!this.problemList.includes(p)) this.log.warn('config problem', { problem: p });
    this.problemList = problems;
    // A layer whose values were partly rejected is still "loaded", but say so.
    this.sources = sources.map((s) => {
      const own = problems.filter((p) => p.startsWith(`${s.layer} config`));
      return own.length && s.status === 'loaded' ? { ...s, error: own.join('; ') } : s;
    });
    return config;
  }
}
