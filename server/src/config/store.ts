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
import { readApproval, writeApproval } from './user-state';
import { wideningHash, wideningValues, withoutKeys, type WideningValue } from './widening';

/** What clients may pass in `initializationOptions`. */
export const InitializationOptions = z
  .object({
    /** Editor settings the user set explicitly (the `nootropic` section, nested). */
    settings: z.record(z.string(), z.unknown()).optional(),
    /** Of those, the values set at workspace or folder level (`.vscode/settings.json`): they widen only once approved. */
    workspaceSettings: z.record(z.string(), z.unknown()).optional(),
    /** Of those, the values set at user level: what a refused workspace value falls back to. */
    userSettings: z.record(z.string(), z.unknown()).optional(),
    /** CLI flags: the top layer. */
    cliOverrides: z.record(z.string(), z.unknown()).optional(),
    /** VS Code's workspace trust; the CLI's `--restricted` sends false. Absent means trusted (the user ran it there). */
    workspaceTrusted: z.boolean().optional(),
    /** Accepted alias of `workspaceTrusted` (older docs named it so); when both are given, false wins. */
    trusted: z.boolean().optional(),
    /**
     * Languages the editor wants no syntax diagnostics for (VS Code: those whose per-language
     * `nootropic.diagnostics.syntax.enabled` the user set false; its TS/JS/CSS fallback is decided in the extension):
     * added to `diagnostics.syntax.skipLanguages`. Only narrows.
     */
    syntaxOffLanguages: z.array(z.string().min(1)).optional(),
    /** Secrets from the editor (VS Code SecretStorage); kept in memory by Secrets, never in config or logs. */
    secrets: z.object({ apiKey: z.string().optional() }).passthrough().optional(),
    /**
     * false: no health probe in the background (at start-up, on configuration changes) for a client that shows
     * no status, e.g. the CLI's one-shot commands; `nootropic/doctor` still probes when asked. Absent means true.
     */
    backgroundProbes: z.boolean().optional(),
    /**
     * false: a persisted index is searched as it was last built, without the walk that brings it up to date at
     * start (the CLI's `search`: it answers one query and exits, so the walk would only compete with it and be
     * cancelled). An absent, empty or interrupted index is still built. Absent means true.
     */
    indexUpdateOnStart: z.boolean().optional(),
  })
  .passthrough();
export type InitializationOptions = z.infer<typeof InitializationOptions>;

type Listener = (config: Config, previous: Config) => void;

/** `workspaceTrusted`, or its alias `trusted`; either one saying false means restricted. */
export function trustOf(options: InitializationOptions): boolean {
  return options.workspaceTrusted !== false && options.trusted !== false;
}

/** What the workspace's own files would widen, and whether the user approved exactly that. */
export interface WorkspaceWidening {
  values: Array<WideningValue & { source: string }>;
  hash: string;
  approved: boolean;
  /** Why the values are ignored (absent when approved or when there are none). */
  ignoredBecause?: string;
}

export class ConfigStore {
  private editor: Record<string, unknown> | undefined;
  private editorWorkspace: Record<string, unknown> | undefined;
  private editorUser: Record<string, unknown> | undefined;
  private wideningState: WorkspaceWidening = { values: [], hash: '', approved: true };
  /** The ignored widening values already warned about in the log (once per set of values). */
  private wideningWarned = '';
  private root: string | null = null;
  private cli: Record<string, unknown> | undefined;
  private editorSyntaxOff: readonly string[] = [];
  private trusted = true;
  private current: Config;
  private sources: ConfigSourceReport[] = [];
  private problemList: string[] = [];
  private readonly listeners: Listener[] = [];
  /** Whether the client wants health probes in the background (InitializationOptions.backgroundProbes). */
  backgroundProbes = true;

  constructor(
    private readonly log: Logger,
    readonly env: Record<string, string | undefined> = process.env,
  ) {
    this.current = this.resolve();
  }

  /** Called once at `initialize`, when the workspace root and the client's options are known. */
  initialize(root: string | null, options: InitializationOptions): void {
    this.root = root;
    this.cli = options.cliOverrides;
    this.editor = options.settings;
    this.editorWorkspace = options.workspaceSettings;
    this.editorUser = options.userSettings;
    this.editorSyntaxOff = options.syntaxOffLanguages ?? [];
    this.trusted = trustOf(options);
    this.backgroundProbes = options.backgroundProbes !== false;
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

  /** Workspace-file values that would widen egress or code execution, and whether they apply. */
  get widening(): WorkspaceWidening {
    return this.wideningState;
  }

  /** The languages the editor turned syntax diagnostics off for (InitializationOptions.syntaxOffLanguages); applied by the next reload. */
  setEditorSyntaxOff(languages: readonly string[]): void {
    this.editorSyntaxOff = languages;
  }

  /** Records the user's approval of exactly the current widening values for this workspace (outside it). */
  approveWidening(): WorkspaceWidening {
    if (!this.root) throw new Error('no workspace folder is open');
    if (!this.trusted) throw new Error('the workspace is restricted (untrusted): workspace settings cannot widen anything here');
    this.resolve();
    writeApproval(this.root, this.wideningState.hash, this.wideningState.values.map((v) => v.key), this.env);
    this.reload();
    return this.wideningState;
  }

  setEditorSettings(settings: Record<string, unknown> | undefined, split?: { workspace?: Record<string, unknown>; user?: Record<string, unknown> }): void {
    this.editor = settings;
    if (split) {
      this.editorWorkspace = split.workspace;
      this.editorUser = split.user;
    }
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
      return layer;
    };
    fileLayer('user', userConfigPath(this.env));
    const wsLayer = this.root ? fileLayer('workspace', workspaceConfigPath(this.root)) : undefined;
    let editorValues = this.editor ?? {};

    // Repository files can narrow, never widen: their widening values count only once approved, never restricted.
    const wsFile = wsLayer ? wideningValues(wsLayer.values).map((v) => ({ ...v, source: wsLayer.origin ?? '.nootropic/config.yaml' })) : [];
    const wsEditor = wideningValues(this.editorWorkspace).map((v) => ({ ...v, source: 'workspace editor settings (.vscode/settings.json)' }));
    const values = [...wsFile, ...wsEditor];
    const hash = values.length ? wideningHash(values) : '';
    const approval = values.length && this.root && this.trusted ? readApproval(this.root, this.env) : undefined;
    const approved = values.length === 0 || (this.trusted && approval?.hash === hash);
    this.wideningState = {
      values,
      hash,
      approved,
      ...(approved
        ? {}
        : { ignoredBecause: this.trusted ? (approval ? 'the workspace settings changed since you approved them' : 'not approved for this workspace') : 'restricted mode (untrusted workspace)' }),
    };
    if (!approved) {
      if (this.wideningWarned !== hash) {
        this.wideningWarned = hash;
        this.log.warn('workspace settings that widen egress or code execution are ignored', { settings: values.map((v) => v.key).join(', '), reason: this.wideningState.ignoredBecause });
      }
      if (wsLayer?.values && wsFile.length) wsLayer.values = withoutKeys(wsLayer.values, wsFile.map((v) => v.key));
      if (wsEditor.length) {
        editorValues = withoutKeys(editorValues, wsEditor.map((v) => v.key));
        // The user-level value the workspace value was hiding applies instead.
        const fallback = withoutKeys(this.editorUser ?? {}, []);
        for (const v of wsEditor) {
          const parts = v.key.split('.');
          let cur: unknown = fallback;
          for (const p of parts) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
          if (cur === undefined) continue;
          let target = editorValues;
          for (const p of parts.slice(0, -1)) target = (target[p] ??= {}) as Record<string, unknown>;
          target[parts[parts.length - 1]!] = cur;
        }
      }
    }
    layers.push({ name: 'editor', origin: 'editor settings', values: editorValues });
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
    return this.withEditorSyntaxOff(config);
  }

  /** The editor's own servers check these languages' syntax: add them to skipLanguages (narrowing only). */
  private withEditorSyntaxOff(config: Config): Config {
    const skip = config.diagnostics.syntax.skipLanguages;
    const added = this.editorSyntaxOff.filter((l) => !skip.includes(l));
    if (!added.length) return config;
    return { ...config, diagnostics: { ...config.diagnostics, syntax: { ...config.diagnostics.syntax, skipLanguages: [...skip, ...added] } } };
  }
}
