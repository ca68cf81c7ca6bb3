/**
 * MCP servers as tool providers: each configured stdio server is started with the official SDK client, its
 * tools are listed (and so appear in the capability registry as `<server>/<tool>`), and they can be called.
 * A server that cannot start, or does not answer within the activate timeout, is marked failed with why.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { childEnv } from '../../../shared/security/child-env';
import type { McpServerConfig } from '../../../shared/config/schema';
import type { McpServerInfo } from '../../../shared/protocol/plugins';
import type { Logger } from '../log';
import { SERVER_VERSION } from '../version';

interface Connection {
  info: McpServerInfo;
  client: Client | null;
  transport: StdioClientTransport | null;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export class McpServers {
  private connections: Connection[] = [];

  constructor(private readonly log: Logger) {}

  list(): McpServerInfo[] {
    return this.connections.map((c) => structuredClone(c.info));
  }

  /** Stops the running servers and starts `configs`; `allowed` false lists them as disabled (restricted mode). */
  async restart(configs: McpServerConfig[], opts: { cwd: string | undefined; timeoutMs: number; allowed: boolean; why?: string }): Promise<void> {
    await this.close();
    this.connections = configs.map((c) => ({
      info: { name: c.name, command: [c.command, ...c.args].join(' '), state: 'disabled', tools: [], ...(opts.allowed ? {} : { reason: opts.why ?? 'disabled' }) },
      client: null,
      transport: null,
    }));
    if (!opts.allowed) return;
    await Promise.all(this.connections.map((conn, i) => this.connect(conn, configs[i]!, opts)));
  }

  async callTool(server: string, tool: string, args: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    const conn = this.connections.find((c) => c.info.name === server);
    if (!conn) throw new Error(`no MCP server named ${server}`);
    if (!conn.client || conn.info.state !== 'connected') throw new Error(`MCP server ${server} is ${conn.info.state}${conn.info.reason ? `: ${conn.info.reason}` : ''}`);
    if (!conn.info.tools.some((t) => t.name === tool)) throw new Error(`MCP server ${server} has no tool ${tool}`);
    return conn.client.callTool({ name: tool, arguments: args }, undefined, { timeout: timeoutMs });
  }

  async close(): Promise<void> {
    const open = this.connections.filter((c) => c.client);
    this.connections = [];
    await Promise.all(open.map((c) => c.client!.close().catch(() => undefined)));
  }

  private async connect(conn: Connection, cfg: McpServerConfig, opts: { cwd: string | undefined; timeoutMs: number }): Promise<void> {
    // Loaded on first use (dist/lazy/): a workspace without MCP servers never reads the SDK.
    const [{ Client }, { StdioClientTransport }] = await Promise.all([import('@modelcontextprotocol/sdk/client/index.js'), import('@modelcontextprotocol/sdk/client/stdio.js')]);
    const transport = new StdioClientTransport({ command: cfg.command, args: cfg.args, env: childEnv(cfg.env), stderr: 'pipe', ...(opts.cwd ? { cwd: opts.cwd } : {}) });
    transport.stderr?.on('data', (d: Buffer) => {
      for (const line of d.toString('utf8').split('\n')) if (line.trim()) this.log.info('mcp server output', { server: cfg.name, line: line.slice(0, 2000) });
    });
    const client = new Client({ name: 'nootropic-lsp', version: SERVER_VERSION });
    conn.transport = transport;
    conn.client = client;
    try {
      await withTimeout(client.connect(transport), opts.timeoutMs, `MCP server ${cfg.name}`);
      const tools: McpServerInfo['tools'] = [];
      let cursor: string | undefined;
      do {
        const page = await withTimeout(client.listTools(cursor ? { cursor } : undefined), opts.timeoutMs, `MCP server ${cfg.name} (tools/list)`);
        for (const t of page.tools) tools.push({ name: t.name, description: t.description ?? '' });
        cursor = page.nextCursor;
      } while (cursor && tools.length < 10_000);
      const version = client.getServerVersion()?.version;
      conn.info = { ...conn.info, state: 'connected', tools, ...(version ? { version } : {}) };
      delete conn.info.reason;
      // The SDK owns transport.onclose; the client's own onclose is ours to set.
      client.onclose = () => {
        if (conn.info.state !== 'connected') return;
        conn.info = { ...conn.info, state: 'failed', reason: 'the MCP server exited', tools: [] };
        this.log.warn('MCP server exited', { server: cfg.name });
      };
      this.log.info('MCP server connected', { server: cfg.name, tools: tools.length });
    } catch (err) {
      conn.info = { ...conn.info, state: 'failed', reason: (err as Error).message, tools: [] };
      conn.client = null;
      await client.close().catch(() => undefined);
      this.log.warn('MCP server failed', { server: cfg.name, reason: (err as Error).message });
    }
  }
}
