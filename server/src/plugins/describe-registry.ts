/**
 * The capability registry: every server method and notification, the syntax languages, and each plugin's and
 * MCP server's capabilities with versions and dependencies. Written to
 * `.nootropic-cache/describe-registry.json` (atomically, validated against the shared schema before it is
 * written) so the extension, the CLI and chat discover commands from one place.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  DescribeRegistry,
  type CapabilityEntry,
  type McpServerInfo,
  type PluginInfo,
} from '../../../shared/protocol/plugins';
import { makeCacheDir } from '../workspace/cache-dir';

export interface RegistryInputs {
  server: { name: string; version: string; protocolVersion: string; pluginApiVersion: string };
  root: string | null;
  trusted: boolean;
  methods: string[];
  notifications: string[];
  /** Directions of the methods declared in shared/protocol (others default to client→server). */
  directions: Map<string, string>;
  languages: readonly string[];
  plugins: PluginInfo[];
  mcpServers: McpServerInfo[];
}

const KIND: Record<string, CapabilityEntry['kind']> = {
  commands: 'command',
  contextProviders: 'contextProvider',
  criticRules: 'criticRules',
  modelProviders: 'modelProvider',
  agents: 'agent',
};

export function buildRegistry(i: RegistryInputs): DescribeRegistry {
  const v = i.server.version;
  const caps: CapabilityEntry[] = [
    ...i.methods.map((m): CapabilityEntry => ({ kind: 'method', name: m, version: i.server.protocolVersion, provider: 'server', description: i.directions.get(m) ?? 'client→server', dependencies: [] })),
    ...i.notifications.map((m): CapabilityEntry => ({ kind: 'notification', name: m, version: i.server.protocolVersion, provider: 'server', description: i.directions.get(m) ?? 'server→client', dependencies: [] })),
    ...i.languages.map((l): CapabilityEntry => ({ kind: 'language', name: l, version: v, provider: 'server', description: 'tree-sitter syntax', dependencies: [] })),
  ];
  for (const p of i.plugins) {
    if (p.state !== 'active') continue;
    const deps = Object.keys(p.dependencies);
    for (const r of p.registrations) {
      caps.push({ kind: KIND[r.kind]!, name: r.decl.name, version: p.version, provider: `plugin:${p.name}`, description: r.decl.description, dependencies: deps });
    }
  }
  for (const s of i.mcpServers) {
    for (const t of s.tools) caps.push({ kind: 'mcpTool', name: `${s.name}/${t.name}`, version: s.version ?? '0.0.0', provider: `mcp:${s.name}`, description: t.description, dependencies: [] });
  }
  return DescribeRegistry.parse({
    schemaVersion: 1,
    generatedAt: new Date().toISOString(),
    server: i.server,
    workspace: { root: i.root, trusted: i.trusted },
    capabilities: caps,
    plugins: i.plugins,
    mcpServers: i.mcpServers,
  });
}

export function registryPath(root: string): string {
  return path.join(root, '.nootropic-cache', 'describe-registry.json');
}

/** Temp file + rename: a reader sees the old registry or the new one, never half of one. */
export async function writeRegistry(root: string, registry: DescribeRegistry): Promise<string> {
  const file = registryPath(root);
  const dir = path.dirname(file);
  await makeCacheDir(dir);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(tmp, JSON.stringify(DescribeRegistry.parse(registry), null, 2) + '\n');
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  return file;
}
