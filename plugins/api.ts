/**
 * The nootropic plugin API (version PLUGIN_API_VERSION in server/src/plugins/api-version.ts). Plain TypeScript
 * types, no editor: a plugin runs in its own worker thread inside nootropic-lsp, so the same plugin works in
 * VS Code, Neovim and the CLI.
 *
 * A plugin is a folder with a package.json:
 *   { "name": "my-plugin", "version": "1.0.0", "main": "index.js",
 *     "nootropic": { "apiVersion": "^1.0.0", "capabilities": ["commands"] } }
 * whose main module exports `describe()` and `activate(api)` (CommonJS exports or ESM named exports).
 */

export type CapabilityKind = 'commands' | 'contextProviders' | 'criticRules' | 'modelProviders' | 'agents';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface CommandInfo {
  name: string;
  description?: string;
  /** One-line usage of the arguments, e.g. "[TODO|FIXME ...]". */
  usage?: string;
}

export interface PluginDescription {
  name: string;
  version: string;
  capabilities?: CapabilityKind[];
  /** Every command `activate` registers, with its description (shown in slash menus and `--help`). */
  commands?: CommandInfo[];
}

/** Arguments as typed after the command (`nootropic plugins run todo FIXME` → ["FIXME"]). */
export type CommandHandler = (args: string[]) => Promise<JsonValue> | JsonValue;

export interface ContextItem {
  /** Workspace-relative path, when the item comes from a file. */
  path?: string;
  title: string;
  content: string;
}
export type ContextProviderHandler = (query: string) => Promise<ContextItem[]> | ContextItem[];

export interface CriticRule {
  id: string;
  message: string;
  severity?: 'error' | 'warning' | 'info';
  /** JavaScript regular expression source, matched per line. */
  pattern: string;
  languages?: string[];
}

export interface ModelProviderInfo {
  name: string;
  description?: string;
  /** The wire protocol it speaks: the built-in adapters are reused. */
  protocol: 'ollama' | 'openai';
  baseUrl: string;
  models?: string[];
}

export interface AgentInfo {
  name: string;
  description?: string;
  tools?: string[];
}

export interface PluginLogger {
  error(msg: string, fields?: Record<string, JsonValue>): void;
  warn(msg: string, fields?: Record<string, JsonValue>): void;
  info(msg: string, fields?: Record<string, JsonValue>): void;
  debug(msg: string, fields?: Record<string, JsonValue>): void;
}

/**
 * File access confined to the workspace: paths are workspace-relative; absolute paths, `..` that leaves the
 * workspace and symlinks that point outside it are refused with an error. Writes are atomic and are refused
 * in a restricted (untrusted) workspace.
 */
export interface WorkspaceFiles {
  /** Absolute path of the workspace root (null when the client opened no folder). */
  readonly root: string | null;
  readFile(relPath: string): Promise<string>;
  writeFile(relPath: string, text: string): Promise<void>;
  /** Workspace files (relative, `/`-separated), honouring .gitignore; skips .git, node_modules, .nootropic-cache. */
  listFiles(options?: { maxFiles?: number }): Promise<string[]>;
}

export interface PluginApi {
  /** The API version the server implements (semver). */
  readonly apiVersion: string;
  readonly log: PluginLogger;
  readonly workspace: WorkspaceFiles;
  registerCommand(name: string, handler: CommandHandler): void;
  registerContextProvider(info: { name: string; description?: string }, handler: ContextProviderHandler): void;
  registerCriticRules(pack: { name: string; description?: string; rules: CriticRule[] }): void;
  registerModelProvider(info: ModelProviderInfo): void;
  registerAgent(info: AgentInfo): void;
}

/** What a plugin's main module exports. */
export interface PluginModule {
  describe(): PluginDescription | Promise<PluginDescription>;
  activate(api: PluginApi): void | Promise<void>;
  deactivate?(): void | Promise<void>;
}
