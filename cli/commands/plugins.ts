/**
 * `nootropic plugins list [--json]` and `nootropic plugins run COMMAND [ARGS...] [--json]`: thin calls of
 * `nootropic/plugins/list` and `nootropic/plugins/run`. A failed or refused plugin is information, not a CLI
 * failure: `list` exits 0 and shows the reason.
 */
import { ResponseError } from 'vscode-jsonrpc';
import { NootropicErrorCodes, PluginsList, PluginsRun, type PluginsListResult } from '../../shared/protocol';
import { printJson, table } from '../render';
import type { ServerClient } from '../server-client';

export function renderPluginList(r: PluginsListResult): string {
  const lines: string[] = [];
  lines.push(`plugin API ${r.apiVersion}, ${r.isolation} isolation${r.trusted ? '' : ', restricted mode (workspace not trusted)'}`);
  if (r.plugins.length === 0) lines.push('  no plugins found');
  else
    lines.push(
      table([
        ['NAME', 'VERSION', 'SOURCE', 'STATE', 'COMMANDS / REASON'],
        ...r.plugins.map((p) => [p.name, p.version, p.source, p.state, p.state === 'active' ? p.commands.map((c) => c.name).join(', ') || '-' : (p.reason ?? '')]),
      ]),
    );
  if (r.mcpServers.length) {
    lines.push('MCP servers');
    lines.push(
      table(r.mcpServers.map((s) => [s.name, s.state, s.state === 'connected' ? s.tools.map((t) => t.name).join(', ') || '-' : (s.reason ?? '')])),
    );
  }
  return lines.join('\n');
}

export async function pluginsList(client: ServerClient, opts: { json: boolean }): Promise<number> {
  const result = await client.request(PluginsList, {});
  if (opts.json) printJson(result);
  else process.stdout.write(renderPluginList(result) + '\n');
  return 0;
}

export async function pluginsRun(client: ServerClient, command: string, args: string[], opts: { json: boolean }): Promise<number> {
  try {
    const r = await client.request(PluginsRun, { command, args });
    if (opts.json) printJson(r);
    else if (typeof r.result === 'string') process.stdout.write(r.result.endsWith('\n') ? r.result : `${r.result}\n`);
    else printJson(r.result);
    return 0;
  } catch (err) {
    if (!(err instanceof ResponseError)) throw err;
    process.stderr.write(`nootropic: ${err.message}\n`);
    // An unknown command is a usage error; a command that failed is a failure.
    return err.code === NootropicErrorCodes.InvalidParams ? 2 : 1;
  }
}
