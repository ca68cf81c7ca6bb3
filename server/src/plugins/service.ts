/**
 * The plugins service, built once per server in createServer: the plugin manager, the MCP servers, the hot-reload
 * watcher, the capability registry (and its file) and the loads in flight. Loading starts when the configuration
 * is first resolved (at `initialize`) and again whenever the `plugins` settings change. Every change reaches
 * status, the registry file and `onChanged` (the clients' `nootropic/plugins/changed`). The handlers
 * (handlers/plugins.ts) only parse, call this, and map its errors to RPC errors.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  clientToServerRequests,
  PROTOCOL_VERSION,
  serverToClientNotifications,
  type DescribeRegistry,
  type PluginsListResult,
  type PluginsRunResult,
} from '../../../shared/protocol';
import type { Config } from '../../../shared/config/schema';
import type { ConfigStore } from '../config/store';
import { approvePlugins, readPluginApprovals } from '../config/user-state';
import type { Logger } from '../log';
import type { StatusReporter } from '../status';
import { GRAMMARS } from '../syntax/grammars';
import { withToolSpan } from '../telemetry/genai';
import type { Telemetry } from '../telemetry/telemetry';
import { PLUGIN_API_VERSION } from './api-version';
import type { PluginCommandInfo } from './command-port';
import { buildRegistry, writeRegistry } from './describe-registry';
import { distDir, workspacePluginsDir } from './discover';
import { PluginFolderWatcher } from './hot-reload';
import { PluginManager, RESTRICTED_REASON } from './manager';
import { McpServers } from './mcp-servers';

/** Why an approval was refused: no workspace, an untrusted one, or a plugin not listed with the hash given. */
export class PluginApprovalError extends Error {
  constructor(
    readonly kind: 'no-workspace' | 'restricted' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

export interface PluginServiceDeps {
  config: ConfigStore;
  log: Logger;
  status: StatusReporter;
  telemetry: Telemetry;
  /** The server's name and version for the registry. */
  version: string;
  /** The methods and notifications the server advertises (the RPC registry's, at the time of asking). */
  advertised: () => { methods: string[]; notifications: string[] };
  /** Every change of the plugin or MCP list. */
  onChanged: (list: PluginsListResult) => void;
}

export class PluginService {
  private readonly log: Logger;
  private readonly hostScript: string;
  private readonly manager: PluginManager;
  private readonly mcp: McpServers;
  private watcher: PluginFolderWatcher | null = null;
  private lastKey: string | null = null;
  private registry: DescribeRegistry | null = null;
  private mcpLoad: Promise<void> = Promise.resolve();
  private writing: Promise<unknown> = Promise.resolve();
  private readonly directions = new Map<string, string>([...clientToServerRequests, ...serverToClientNotifications].map((d) => [d.method, d.direction]));

  constructor(private readonly deps: PluginServiceDeps) {
    this.log = deps.log;
    const dist = distDir();
    this.hostScript = path.join(dist, 'plugin-host.js');
    this.manager = new PluginManager({ log: this.log, hostScript: this.hostScript, bundledDir: path.join(dist, 'plugins'), approvals: (root) => readPluginApprovals(root, deps.config.env) });
    this.mcp = new McpServers(this.log.child('mcp'));
    this.manager.onChange = () => this.publish();
  }

  list(): PluginsListResult {
    return {
      trusted: this.deps.config.workspaceTrusted,
      isolation: 'child-process',
      apiVersion: PLUGIN_API_VERSION,
      plugins: this.manager.list(),
      mcpServers: this.mcp.list(),
    };
  }

  /** The capability registry as last published (or now, before the first publish). */
  describe(): DescribeRegistry {
    return this.registry ?? this.currentRegistry();
  }

  private currentRegistry(): DescribeRegistry {
    const { config } = this.deps;
    const advertised = this.deps.advertised();
    return buildRegistry({
      server: { name: 'nootropic-lsp', version: this.deps.version, protocolVersion: PROTOCOL_VERSION, pluginApiVersion: PLUGIN_API_VERSION },
      root: config.workspaceRoot,
      trusted: config.workspaceTrusted,
      methods: advertised.methods,
      notifications: advertised.notifications,
      directions: this.directions,
      languages: GRAMMARS,
      plugins: this.manager.list(),
      mcpServers: this.mcp.list(),
    });
  }

  // Status, registry file and clients hear about every change; a registry that cannot be written is degraded.
  private publish(): void {
    const { status, config } = this.deps;
    const list = this.list();
    const reasons: string[] = [];
    for (const p of list.plugins) {
      if (p.state === 'failed' || p.state === 'refused') reasons.push(`plugin ${p.name} (${p.source}) ${p.state}: ${p.reason ?? ''}`);
      else if (p.state === 'disabled' && (p.approval === 'new' || p.approval === 'changed')) reasons.push(`plugin ${p.name} (workspace) ${p.reason ?? 'not approved'}`);
    }
    for (const s of list.mcpServers) if (s.state === 'failed') reasons.push(`MCP server ${s.name} failed: ${s.reason ?? ''}`);
    if (!existsSync(this.hostScript)) reasons.push(`plugins: plugin host missing at ${this.hostScript}; rebuild with node esbuild.config.mjs`);
    this.registry = this.currentRegistry();
    const root = config.workspaceRoot;
    const snapshot = this.registry;
    status.set('plugins', reasons);
    if (root) {
      this.writing = this.writing.then(async () => {
        try {
          await writeRegistry(root, snapshot);
        } catch (err) {
          this.log.error('cannot write the capability registry', { error: err instanceof Error ? err : String(err) });
          status.set('plugins', [...reasons, `capability registry not written: ${(err as Error).message}`]);
        }
      });
      status.track(this.writing);
    }
    this.deps.onChanged(list);
  }

  /** (Re)loads plugins, MCP servers and the watcher when the root, trust or `plugins` settings changed (every config change). */
  configure(config: Config): void {
    const store = this.deps.config;
    const root = store.workspaceRoot;
    const trusted = store.workspaceTrusted;
    const p = config.plugins;
    const key = JSON.stringify([root, trusted, p]);
    if (key === this.lastKey) return;
    this.lastKey = key;
    const status = this.deps.status;
    const log = this.log;
    this.manager.configure(root, trusted, p);
    status.track(this.manager.reloadAll());
    this.mcpLoad = this.mcpLoad
      .then(() =>
        this.mcp.restart(p.enabled ? p.mcpServers : [], {
          cwd: root ?? undefined,
          timeoutMs: p.activateTimeoutMs,
          allowed: trusted,
          why: 'the workspace is not trusted (restricted mode): MCP servers are not started',
        }),
      )
      .then(
        () => this.publish(),
        (err: unknown) => log.error('MCP servers failed to start', { error: String(err) }),
      );
    status.track(this.mcpLoad);
    this.watcher?.close();
    this.watcher = null;
    if (root && trusted && p.enabled && p.hotReload) {
      this.watcher = new PluginFolderWatcher(
        root,
        workspacePluginsDir(root),
        (dirs) => {
          log.info('plugin folder changed; reloading', { dirs });
          if (dirs.includes('*')) void this.manager.reloadAll();
          else for (const d of dirs) void this.manager.reloadFolder(d);
        },
        log,
      );
    }
    if (!trusted) log.info('restricted mode', { reason: RESTRICTED_REASON });
  }

  /** Answers reflect every load that was queued, and the registry file on disk matches them. */
  async settled(): Promise<void> {
    await this.manager.settled();
    await this.mcpLoad;
    await this.writing;
  }

  async reload(): Promise<void> {
    await this.manager.reloadAll();
    await this.settled();
  }

  /**
   * The user's consent to run workspace plugins, bound to the content hash they were shown: every named plugin
   * must be listed with that hash now, else nothing is approved (PluginApprovalError).
   */
  async approve(wanted: Array<{ name: string; contentHash: string }>): Promise<PluginsListResult> {
    await this.settled();
    const { config } = this.deps;
    const root = config.workspaceRoot;
    if (!root) throw new PluginApprovalError('no-workspace', 'no workspace folder is open');
    if (!config.workspaceTrusted) throw new PluginApprovalError('restricted', 'restricted mode: workspace plugins cannot be approved in an untrusted workspace');
    const listed = this.manager.list();
    for (const want of wanted) {
      const p = listed.find((q) => q.source === 'workspace' && q.name === want.name);
      if (!p) throw new PluginApprovalError('invalid', `no workspace plugin named ${want.name}`);
      if (!p.contentHash || p.contentHash !== want.contentHash)
        throw new PluginApprovalError('invalid', `workspace plugin ${want.name} changed since it was listed: review it again (\`nootropic plugins list\`)`);
    }
    approvePlugins(root, wanted.map((p) => ({ name: p.name, hash: p.contentHash })), config.env);
    this.log.info('workspace plugins approved', { plugins: wanted.map((p) => p.name) });
    await this.reload();
    return this.list();
  }

  /** `execute_tool <command>`: a plugin command as a GenAI tool call, under the request's span (PluginRunError on failure). */
  run(command: string, args: string[]): Promise<PluginsRunResult> {
    return withToolSpan(this.deps.telemetry, command, { 'nootropic.tool.kind': 'plugin-command', 'nootropic.args': args.length }, () => this.manager.run(command, args));
  }

  /** One MCP tool call, under an `execute_tool mcp:<server>/<tool>` span. */
  async callMcpTool(server: string, tool: string, args: Record<string, unknown>, timeoutMs: number): Promise<PluginsRunResult> {
    const started = performance.now();
    const result = await withToolSpan(this.deps.telemetry, `mcp:${server}/${tool}`, { 'nootropic.tool.kind': 'mcp' }, () => this.mcp.callTool(server, tool, args, timeoutMs));
    return { plugin: `mcp:${server}`, command: tool, result: JSON.parse(JSON.stringify(result)) as never, durationMs: Math.round(performance.now() - started) };
  }

  // For chat's `/command` routing (plugins/command-port.ts).
  async has(name: string): Promise<boolean> {
    await this.settled();
    return this.manager.list().some((p) => p.state === 'active' && p.commands.some((c) => c.name === name || `${p.name}/${c.name}` === name));
  }

  async commands(): Promise<PluginCommandInfo[]> {
    await this.settled();
    return this.manager
      .list()
      .flatMap((p) => (p.state === 'active' ? p.commands.map((c) => ({ name: c.name, plugin: p.name, ...(c.description ? { description: c.description } : {}), ...(c.usage ? { usage: c.usage } : {}) })) : []));
  }
}
