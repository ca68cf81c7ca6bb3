/**
 * Plugins domain: `nootropic/plugins/list|run|reload`, `nootropic/registry/describe`, the
 * `nootropic/plugins/changed` notification, hot reload, and the registry file. Loading starts when the
 * configuration is first resolved (at `initialize`) and again whenever the `plugins` settings change.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { LSPErrorCodes } from 'vscode-languageserver';
import {
  clientToServerRequests,
  NootropicErrorCodes,
  PluginsApprove,
  PluginsChanged,
  PluginsList,
  PluginsReload,
  PluginsRun,
  PROTOCOL_VERSION,
  RegistryDescribe,
  serverToClientNotifications,
  type DescribeRegistry,
  type PluginsListResult,
} from '../../../shared/protocol';
import type { Config } from '../../../shared/config/schema';
import type { ServerContext } from '../context';
import { PLUGIN_API_VERSION } from '../plugins/api-version';
import { buildRegistry, writeRegistry } from '../plugins/describe-registry';
import { distDir, workspacePluginsDir } from '../plugins/discover';
import { PluginFolderWatcher } from '../plugins/hot-reload';
import { PluginManager, PluginRunError, RESTRICTED_REASON } from '../plugins/manager';
import { McpServers } from '../plugins/mcp-servers';
import { RpcError } from '../rpc/registry';
import { approvePlugins, readPluginApprovals } from '../config/user-state';
import { withToolSpan } from '../telemetry/genai';
import { GRAMMARS } from '../syntax/grammars';

export function register(ctx: Pick<ServerContext, 'rpc' | 'config' | 'log' | 'status' | 'info' | 'telemetry' | 'pluginCommands'>): void {
  const log = ctx.log.child('plugins');
  const dist = distDir();
  const hostScript = path.join(dist, 'plugin-host.js');
  const manager = new PluginManager({ log, hostScript, bundledDir: path.join(dist, 'plugins'), approvals: (root) => readPluginApprovals(root, ctx.config.env) });
  const mcp = new McpServers(log.child('mcp'));
  let watcher: PluginFolderWatcher | null = null;
  let lastKey: string | null = null;
  let registry: DescribeRegistry | null = null;
  let mcpLoad: Promise<void> = Promise.resolve();

  const listResult = (): PluginsListResult => ({
    trusted: ctx.config.workspaceTrusted,
    isolation: 'child-process',
    apiVersion: PLUGIN_API_VERSION,
    plugins: manager.list(),
    mcpServers: mcp.list(),
  });

  const directions = new Map<string, string>([...clientToServerRequests, ...serverToClientNotifications].map((d) => [d.method, d.direction]));
  const currentRegistry = (): DescribeRegistry => {
    const advertised = ctx.rpc.advertise(serverToClientNotifications);
    return buildRegistry({
      server: { name: 'nootropic-lsp', version: ctx.info.version, protocolVersion: PROTOCOL_VERSION, pluginApiVersion: PLUGIN_API_VERSION },
      root: ctx.config.workspaceRoot,
      trusted: ctx.config.workspaceTrusted,
      methods: advertised.methods,
      notifications: advertised.notifications,
      directions,
      languages: GRAMMARS,
      plugins: manager.list(),
      mcpServers: mcp.list(),
    });
  };

  // Status, registry file and clients hear about every change; a registry that cannot be written is degraded.
  let writing: Promise<unknown> = Promise.resolve();
  const publish = (): void => {
    const list = listResult();
    const reasons: string[] = [];
    for (const p of list.plugins) {
      if (p.state === 'failed' || p.state === 'refused') reasons.push(`plugin ${p.name} (${p.source}) ${p.state}: ${p.reason ?? ''}`);
      else if (p.state === 'disabled' && (p.approval === 'new' || p.approval === 'changed')) reasons.push(`plugin ${p.name} (workspace) ${p.reason ?? 'not approved'}`);
    }
    for (const s of list.mcpServers) if (s.state === 'failed') reasons.push(`MCP server ${s.name} failed: ${s.reason ?? ''}`);
    if (!existsSync(hostScript)) reasons.push(`plugins: plugin host missing at ${hostScript}; rebuild with node esbuild.config.mjs`);
    registry = currentRegistry();
    const root = ctx.config.workspaceRoot;
    const snapshot = registry;
    ctx.status.set('plugins', reasons);
    if (root) {
      writing = writing.then(async () => {
        try {
          await writeRegistry(root, snapshot);
        } catch (err) {
          log.error('cannot write the capability registry', { error: err instanceof Error ? err : String(err) });
          ctx.status.set('plugins', [...reasons, `capability registry not written: ${(err as Error).message}`]);
        }
      });
      ctx.status.track(writing);
    }
    ctx.rpc.send(PluginsChanged, list);
  };
  manager.onChange = publish;

  const settingsKey = (c: Config) => JSON.stringify([ctx.config.workspaceRoot, ctx.config.workspaceTrusted, c.plugins]);
  ctx.config.onChange((config) => {
    const key = settingsKey(config);
    if (key === lastKey) return;
    lastKey = key;
    const root = ctx.config.workspaceRoot;
    const trusted = ctx.config.workspaceTrusted;
    const p = config.plugins;
    manager.configure(root, trusted, p);
    ctx.status.track(manager.reloadAll());
    mcpLoad = mcpLoad
      .then(() =>
        mcp.restart(p.enabled ? p.mcpServers : [], {
          cwd: root ?? undefined,
          timeoutMs: p.activateTimeoutMs,
          allowed: trusted,
          why: 'the workspace is not trusted (restricted mode): MCP servers are not started',
        }),
      )
      .then(publish, (err: unknown) => log.error('MCP servers failed to start', { error: String(err) }));
    ctx.status.track(mcpLoad);
    watcher?.close();
    watcher = null;
    if (root && trusted && p.enabled && p.hotReload) {
      watcher = new PluginFolderWatcher(root, workspacePluginsDir(root), (dirs) => {
        log.info('plugin folder changed; reloading', { dirs });
        if (dirs.includes('*')) void manager.reloadAll();
        else for (const d of dirs) void manager.reloadFolder(d);
      }, log);
    }
    if (!trusted) log.info('restricted mode', { reason: RESTRICTED_REASON });
  });

  // Answers reflect every load that was queued, and the registry file on disk matches them.
  const settled = async () => {
    await manager.settled();
    await mcpLoad;
    await writing;
  };

  // `execute_tool <command>`: a plugin command as a GenAI tool call, under the request's span.
  const runPluginCommand = (command: string, args: string[]) =>
    withToolSpan(ctx.telemetry, command, { 'nootropic.tool.kind': 'plugin-command', 'nootropic.args': args.length }, () => manager.run(command, args));
  ctx.pluginCommands.attach({
    has: async (name) => {
      await settled();
      return manager.list().some((p) => p.state === 'active' && p.commands.some((c) => c.name === name || `${p.name}/${c.name}` === name));
    },
    run: runPluginCommand,
    list: async () => {
      await settled();
      return manager.list().flatMap((p) => (p.state === 'active' ? p.commands.map((c) => ({ name: c.name, plugin: p.name, ...(c.description ? { description: c.description } : {}), ...(c.usage ? { usage: c.usage } : {}) })) : []));
    },
  });

  ctx.rpc.request(PluginsList, async () => {
    await settled();
    return listResult();
  });

  ctx.rpc.request(PluginsReload, async () => {
    await manager.reloadAll();
    await settled();
    return listResult();
  });

  // The user's consent to run a workspace plugin, bound to the content hash they were shown.
  ctx.rpc.request(PluginsApprove, async (params) => {
    await settled();
    const root = ctx.config.workspaceRoot;
    if (!root) throw new RpcError(NootropicErrorCodes.NoWorkspace, 'no workspace folder is open');
    if (!ctx.config.workspaceTrusted) throw new RpcError(NootropicErrorCodes.Restricted, 'restricted mode: workspace plugins cannot be approved in an untrusted workspace');
    const listed = manager.list();
    for (const want of params.plugins) {
      const p = listed.find((q) => q.source === 'workspace' && q.name === want.name);
      if (!p) throw new RpcError(NootropicErrorCodes.InvalidParams, `no workspace plugin named ${want.name}`);
      if (!p.contentHash || p.contentHash !== want.contentHash)
        throw new RpcError(NootropicErrorCodes.InvalidParams, `workspace plugin ${want.name} changed since it was listed: review it again (\`nootropic plugins list\`)`);
    }
    approvePlugins(root, params.plugins.map((p) => ({ name: p.name, hash: p.contentHash })), ctx.config.env);
    log.info('workspace plugins approved', { plugins: params.plugins.map((p) => p.name) });
    await manager.reloadAll();
    await settled();
    return listResult();
  });

  ctx.rpc.request(RegistryDescribe, async () => {
    await settled();
    return registry ?? currentRegistry();
  });

  ctx.rpc.request(PluginsRun, async (params) => {
    await settled();
    const timeoutMs = ctx.config.config.plugins.commandTimeoutMs;
    if (params.command.startsWith('mcp:')) {
      // mcp:<server>/<tool> '{"json":"arguments"}'
      const [server, tool] = params.command.slice(4).split('/');
      if (!server || !tool) throw new RpcError(NootropicErrorCodes.InvalidParams, `params.command: MCP tools are run as mcp:<server>/<tool>, got ${params.command}`);
      let args: Record<string, unknown> = {};
      if (params.args[0]) {
        try {
          args = JSON.parse(params.args[0]) as Record<string, unknown>;
        } catch {
          throw new RpcError(NootropicErrorCodes.InvalidParams, 'params.args[0]: an MCP tool takes one JSON object of arguments');
        }
        if (typeof args !== 'object' || args === null || Array.isArray(args))
          throw new RpcError(NootropicErrorCodes.InvalidParams, 'params.args[0]: an MCP tool takes one JSON object of arguments');
      }
      const started = performance.now();
      try {
        const result = await withToolSpan(ctx.telemetry, `mcp:${server}/${tool}`, { 'nootropic.tool.kind': 'mcp' }, () => mcp.callTool(server, tool, args, timeoutMs));
        return { plugin: `mcp:${server}`, command: tool, result: JSON.parse(JSON.stringify(result)) as never, durationMs: Math.round(performance.now() - started) };
      } catch (err) {
        throw new RpcError(LSPErrorCodes.RequestFailed, `mcp:${server}/${tool} failed: ${(err as Error).message}`);
      }
    }
    try {
      return await runPluginCommand(params.command, params.args);
    } catch (err) {
      if (err instanceof PluginRunError)
        throw new RpcError(err.kind === 'unknown-command' ? NootropicErrorCodes.InvalidParams : LSPErrorCodes.RequestFailed, err.message);
      throw err;
    }
  });
}
