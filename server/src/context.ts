/**
 * What every handler may use. Built once per connection by createServer; handlers take only the parts they
 * need (`Pick<ServerContext, ...>`), which keeps each domain honest about its dependencies.
 */
import type { AgentService } from './agents/service';
import type { DiagnosticsHub } from './diagnostics-hub';
import type { HealthProbe } from './doctor/health-probe';
import type { Connection, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ConfigStore } from './config/store';
import type { ContextRetriever } from './context/retriever';
import type { Logger } from './log';
import type { ModelRouter } from './models/router';
import type { PluginCommands } from './plugins/command-port';
import type { PluginService } from './plugins/service';
import type { IndexService } from './rag/index-service';
import type { RpcRegistry } from './rpc/registry';
import type { Secrets } from './security/secrets';
import type { StatusReporter } from './status';
import type { SyntaxDiagnostics } from './syntax-diagnostics';
import type { Telemetry } from './telemetry/telemetry';

export interface ServerInfo {
  version: string;
  transport: string;
  startedAt: number;
}

export interface ServerContext {
  connection: Connection;
  rpc: RpcRegistry;
  log: Logger;
  config: ConfigStore;
  documents: TextDocuments<TextDocument>;
  status: StatusReporter;
  telemetry: Telemetry;
  index: IndexService;
  info: ServerInfo;
  /** API keys (env or the editor's SecretStorage via initializationOptions); never logged. */
  secrets: Secrets;
  /** Model roles, fallback chains, retries and circuit breakers. */
  models: ModelRouter;
  /** Per-file diagnostics from several producers (syntax, critic), published as their union. */
  diagnostics: DiagnosticsHub;
  /** Workspace context for chat and ask (the index when it exists; see context/workspace-retriever.ts). */
  retriever(): ContextRetriever;
  /** Commands of active plugins, for chat's `/command` routing (the plugins service's, attached in createServer). */
  pluginCommands: PluginCommands;
  /** Plugins, MCP servers, hot reload and the capability registry. */
  plugins: PluginService;
  /** Agent runs, episode memory, critic diagnostics and the offer of interrupted runs. */
  agents: AgentService;
  /** doctor's probes in the background, so the status bar shows what doctor would say. */
  health: HealthProbe;
  /** Tree-sitter syntax errors of open documents, debounced per document. */
  syntax: SyntaxDiagnostics;
}
