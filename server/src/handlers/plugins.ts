/**
 * Plugins domain over LSP: `nootropic/plugins/list|run|reload` and `nootropic/registry/describe`. Loading, hot
 * reload, MCP servers, the registry file and `nootropic/plugins/changed` are the plugins service's
 * (plugins/service.ts); these handlers parse, call and map errors.
 */
import { LSPErrorCodes } from 'vscode-languageserver';
import { NootropicErrorCodes, PluginsApprove, PluginsList, PluginsReload, PluginsRun, RegistryDescribe } from '../../../shared/protocol';
import type { ServerContext } from '../context';
import { PluginRunError } from '../plugins/manager';
import { PluginApprovalError } from '../plugins/service';
import { RpcError } from '../rpc/registry';

export function register(ctx: Pick<ServerContext, 'rpc' | 'config' | 'plugins'>): void {
  const plugins = ctx.plugins;

  ctx.rpc.request(PluginsList, async () => {
    await plugins.settled();
    return plugins.list();
  });

  ctx.rpc.request(PluginsReload, async () => {
    await plugins.reload();
    return plugins.list();
  });

  // The user's consent to run a workspace plugin, bound to the content hash they were shown.
  ctx.rpc.request(PluginsApprove, async (params) => {
    try {
      return await plugins.approve(params.plugins);
    } catch (err) {
      if (!(err instanceof PluginApprovalError)) throw err;
      const code = { 'no-workspace': NootropicErrorCodes.NoWorkspace, restricted: NootropicErrorCodes.Restricted, invalid: NootropicErrorCodes.InvalidParams }[err.kind];
      throw new RpcError(code, err.message);
    }
  });

  ctx.rpc.request(RegistryDescribe, async () => {
    await plugins.settled();
    return plugins.describe();
  });

  ctx.rpc.request(PluginsRun, async (params) => {
    await plugins.settled();
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
      try {
        return await plugins.callMcpTool(server, tool, args, timeoutMs);
      } catch (err) {
        throw new RpcError(LSPErrorCodes.RequestFailed, `mcp:${server}/${tool} failed: ${(err as Error).message}`);
      }
    }
    try {
      return await plugins.run(params.command, params.args);
    } catch (err) {
      if (err instanceof PluginRunError)
        throw new RpcError(err.kind === 'unknown-command' ? NootropicErrorCodes.InvalidParams : LSPErrorCodes.RequestFailed, err.message);
      throw err;
    }
  });
}
