/**
 * Plugins and the capability registry: `nootropic/plugins/list`, `nootropic/plugins/run`,
 * `nootropic/plugins/reload`, `nootropic/registry/describe`, and `nootropic/plugins/changed`.
 */
import { z } from 'zod';
import { CAPABILITY_KINDS, CommandDescription, Registration } from '../plugins/manifest';
import { notification, request } from './method';

export const PluginState = z.enum(['loading', 'active', 'failed', 'refused', 'disabled']);
export type PluginState = z.infer<typeof PluginState>;

export const PluginInfo = z.object({
  name: z.string(),
  /** From package.json; "0.0.0" when the manifest could not be read. */
  version: z.string(),
  source: z.enum(['bundled', 'workspace']),
  dir: z.string(),
  state: PluginState,
  /** Why the plugin is failed, refused or disabled; absent when active. */
  reason: z.string().optional(),
  apiVersion: z.string().optional(),
  capabilities: z.array(z.enum(CAPABILITY_KINDS)),
  dependencies: z.record(z.string(), z.string()),
  commands: z.array(CommandDescription),
  registrations: z.array(Registration),
  /**
   * Workspace plugins only: hash of the plugin folder's files, and whether the user approved exactly that content
   * (`new`: never approved; `changed`: approved content differs). An unapproved plugin is disabled, never loaded.
   */
  contentHash: z.string().optional(),
  approval: z.enum(['approved', 'new', 'changed']).optional(),
  /** Host process start + module load + activate, when it got that far. */
  activationMs: z.number().optional(),
});
export type PluginInfo = z.infer<typeof PluginInfo>;

export const McpToolInfo = z.object({ name: z.string(), description: z.string() });
export const McpServerInfo = z.object({
  name: z.string(),
  command: z.string(),
  state: z.enum(['connected', 'failed', 'disabled']),
  reason: z.string().optional(),
  version: z.string().optional(),
  tools: z.array(McpToolInfo),
});
export type McpServerInfo = z.infer<typeof McpServerInfo>;

export const PluginsListResult = z.object({
  /** False in a restricted (untrusted) workspace: workspace plugins and MCP servers are not started. */
  trusted: z.boolean(),
  /** Each plugin runs in its own child process under Node's permission model. */
  isolation: z.literal('child-process'),
  apiVersion: z.string(),
  plugins: z.array(PluginInfo),
  mcpServers: z.array(McpServerInfo),
});
export type PluginsListResult = z.infer<typeof PluginsListResult>;

/** client→server: every plugin found (bundled and workspace), with its state and reason. */
export const PluginsList = request('nootropic/plugins/list', 'client→server', z.object({}).strict(), PluginsListResult);

export const PluginsRunParams = z
  .object({
    /** A command name, or `plugin/command` when two plugins define the same name. */
    command: z.string().min(1).max(300),
    args: z.array(z.string().max(100_000)).max(1_000).default([]),
  })
  .strict();

export const PluginsRunResult = z.object({
  plugin: z.string(),
  command: z.string(),
  /** Whatever JSON the command returned. */
  result: z.json(),
  durationMs: z.number(),
});
export type PluginsRunResult = z.infer<typeof PluginsRunResult>;

/** client→server: run a plugin command (in its worker, under the command timeout). */
export const PluginsRun = request('nootropic/plugins/run', 'client→server', PluginsRunParams, PluginsRunResult);

/**
 * client→server: approve workspace plugins' exact content (each hash as listed by `nootropic/plugins/list`); a
 * plugin whose content changed since it was listed is refused. Plugins are reloaded; the answer is the new list.
 */
export const PluginsApprove = request(
  'nootropic/plugins/approve',
  'client→server',
  z.object({ plugins: z.array(z.object({ name: z.string().max(214), contentHash: z.string().max(128) }).strict()).min(1).max(1_000) }).strict(),
  PluginsListResult,
);

/** client→server: stop and reload every plugin (what hot reload does for one folder). */
export const PluginsReload = request('nootropic/plugins/reload', 'client→server', z.object({}).strict(), PluginsListResult);

/** server→client: plugins were (re)loaded; clients refresh their slash commands from it. */
export const PluginsChanged = notification('nootropic/plugins/changed', 'server→client', PluginsListResult);

export const CapabilityEntry = z.object({
  kind: z.enum(['method', 'notification', 'language', 'command', 'contextProvider', 'criticRules', 'modelProvider', 'agent', 'mcpTool']),
  name: z.string(),
  version: z.string(),
  /** `server`, `plugin:<name>` or `mcp:<server>`. */
  provider: z.string(),
  description: z.string().optional(),
  /** Names this capability needs to work (plugins, MCP servers). */
  dependencies: z.array(z.string()),
});
export type CapabilityEntry = z.infer<typeof CapabilityEntry>;

/** `.nootropic-cache/describe-registry.json`, and the result of `nootropic/registry/describe`. */
export const DescribeRegistry = z.object({
  schemaVersion: z.literal(1),
  generatedAt: z.string(),
  server: z.object({ name: z.string(), version: z.string(), protocolVersion: z.string(), pluginApiVersion: z.string() }),
  workspace: z.object({ root: z.string().nullable(), trusted: z.boolean() }),
  capabilities: z.array(CapabilityEntry),
  plugins: z.array(PluginInfo),
  mcpServers: z.array(McpServerInfo),
});
export type DescribeRegistry = z.infer<typeof DescribeRegistry>;

/** client→server: the capability registry as last written (commands for slash menus, methods, languages). */
export const RegistryDescribe = request('nootropic/registry/describe', 'client→server', z.object({}).strict(), DescribeRegistry);
