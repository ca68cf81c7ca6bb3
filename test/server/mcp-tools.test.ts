/**
 * MCP servers as tool providers: a tiny stdio MCP server (written here with the official SDK) is started from
 * the workspace config; its tools appear in the registry and can be called through nootropic/plugins/run.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { DescribeRegistry, PluginsList, PluginsListResult, PluginsRun, RegistryDescribe } from '../../shared/protocol';
import { startInProcessServer, type InProcessServer } from '../support/in-process';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

const require = createRequire(import.meta.url);
let server: InProcessServer | undefined;
let ws: TempWorkspace | undefined;
afterEach(() => {
  server?.dispose();
  ws?.dispose();
  server = ws = undefined;
});

function mcpServerScript(): string {
  const mcp = require.resolve('@modelcontextprotocol/sdk/server/mcp.js');
  const stdio = require.resolve('@modelcontextprotocol/sdk/server/stdio.js');
  const zod = require.resolve('zod');
  return `
const { McpServer } = require(${JSON.stringify(mcp)});
const { StdioServerTransport } = require(${JSON.stringify(stdio)});
const { z } = require(${JSON.stringify(zod)});
const server = new McpServer({ name: 'echo', version: '2.1.0' });
server.registerTool('echo', { description: 'Echoes its text', inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text: 'echo: ' + text }] }));
server.registerTool('add', { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
server.connect(new StdioServerTransport());
`;
}

async function start(yaml: string, init: Record<string, unknown> = {}): Promise<InProcessServer> {
  ws = tempWorkspace('nootropic-mcp-');
  const script = ws.write('tools/echo-mcp.cjs', mcpServerScript());
  // MCP servers run programs: honoured from the user's own config (a workspace file would need `nootropic trust`).
  const userConfig = ws.write('user/config.yaml', yaml.replace('SCRIPT', JSON.stringify(script)).replace('NODE', JSON.stringify(process.execPath)));
  server = startInProcessServer({ NOOTROPIC_USER_CONFIG: userConfig });
  await server.initialize(ws.root, init);
  return server;
}

describe('MCP servers as tool providers', () => {
  it('lists the tools of a configured stdio MCP server in the registry and calls them', async () => {
    const s = await start(`plugins:
  mcpServers:
    - name: echo
      command: NODE
      args: [SCRIPT]
    - name: broken
      command: /nonexistent/mcp-server
`);
    const r = PluginsListResult.parse(await s.client.sendRequest(PluginsList.method, {}));
    const echo = r.mcpServers.find((m) => m.name === 'echo');
    expect(echo).toMatchObject({ state: 'connected', version: '2.1.0' });
    expect(echo!.tools.map((t) => t.name).sort()).toEqual(['add', 'echo']);
    expect(r.mcpServers.find((m) => m.name === 'broken')).toMatchObject({ state: 'failed', reason: expect.stringMatching(/ENOENT|not found|spawn/i) });

    const reg = DescribeRegistry.parse(await s.client.sendRequest(RegistryDescribe.method, {}));
    expect(reg.capabilities.filter((c) => c.kind === 'mcpTool').map((c) => `${c.provider} ${c.name} ${c.version}`).sort()).toEqual([
      'mcp:echo echo/add 2.1.0',
      'mcp:echo echo/echo 2.1.0',
    ]);

    const out = (await s.client.sendRequest(PluginsRun.method, { command: 'mcp:echo/echo', args: ['{"text":"hi"}'] })) as { result: { content: { text: string }[] } };
    expect(out.result.content[0]!.text).toBe('echo: hi');
    const sum = (await s.client.sendRequest(PluginsRun.method, { command: 'mcp:echo/add', args: ['{"a":2,"b":40}'] })) as { result: { content: { text: string }[] } };
    expect(sum.result.content[0]!.text).toBe('42');
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'mcp:echo/echo', args: ['not json'] })).rejects.toMatchObject({ code: -32602 });
    await expect(s.client.sendRequest(PluginsRun.method, { command: 'mcp:echo/nope', args: [] })).rejects.toThrow(/has no tool nope/);
  });

  it('does not start MCP servers in restricted mode', async () => {
    const s = await start(`plugins:\n  mcpServers:\n    - name: echo\n      command: NODE\n      args: [SCRIPT]\n`, { workspaceTrusted: false });
    const r = PluginsListResult.parse(await s.client.sendRequest(PluginsList.method, {}));
    expect(r.mcpServers).toEqual([expect.objectContaining({ name: 'echo', state: 'disabled', tools: [], reason: expect.stringMatching(/restricted mode/) })]);
  });
});
