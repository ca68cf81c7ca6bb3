/**
 * `nootropic plugins list [--json]`, `nootropic plugins approve NAME... [--json]` and
 * `nootropic plugins run COMMAND [ARGS...] [--json]`: thin calls of `nootropic/plugins/list|approve|run`. A failed or refused plugin is information, not a CLI
 * failure: `list` exits 0 and shows the reason.
 */
import { ResponseError } from 'vscode-jsonrpc';
import { NootropicErrorCodes, PluginsApprove, PluginsList, PluginsRun, type PluginInfo, type PluginsListResult } from '../../shared/protocol';
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

/** Workspace plugins the user has not approved (new, or changed since approved): they are not loaded. */
export function unapprovedPlugins(r: PluginsListResult): PluginInfo[] {
  return r.plugins.filter((p) => p.source === 'workspace' && (p.approval === 'new' || p.approval === 'changed') && p.contentHash);
}

export async function pluginsApprove(client: ServerClient, names: string[], opts: { json: boolean }): Promise<number> {
  const listed = await client.request(PluginsList, {});
  const picked: Array<{ name: string; contentHash: string }> = [];
  for (const name of names) {
    const p = listed.plugins.find((q) => q.source === 'workspace' && q.name === name);
    if (!p?.contentHash) {
      const known = listed.plugins.filter((q) => q.source === 'workspace').map((q) => q.name);
      process.stderr.write(`nootropic: no workspace plugin named ${name}${known.length ? ` (workspace plugins: ${known.join(', ')})` : ''}\n`);
      return 2;
    }
    picked.push({ name, contentHash: p.contentHash });
  }
  try {
    const r = await client.request(PluginsApprove, { plugins: picked });
    if (opts.json) printJson(r);
    else process.stdout.write(`approved: ${names.join(', ')} (exactly their current files; a change needs a new approval)\n${renderPluginList(r)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ResponseError)) throw err;
    process.stderr.write(`nootropic: ${err.message}\n`);
    return err.code === NootropicErrorCodes.InvalidParams ? 2 : 1;
  }
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
