/**
 * Builds the server on a connection. Knows no transport: main.ts picks stdio / node-ipc / socket, tests hand
 * in an in-memory pair. Each domain registers its own handlers; this file only wires them and answers
 * `initialize` with what they registered.
 */
import {
  DidChangeWatchedFilesNotification,
  TextDocumentSyncKind,
  TextDocuments,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import { AgentApprove, AgentProgress, PluginsChanged, PROTOCOL_VERSION, RunsResumable, serverToClientNotifications, type NootropicCapabilities } from '../../shared/protocol';
import { AgentService } from './agents/service';
import { ConfigStore, InitializationOptions } from './config/store';
import type { ServerContext } from './context';
import { workspaceRetriever } from './context/workspace-retriever';
import * as agents from './handlers/agents';
import * as chat from './handlers/chat';
import * as completion from './handlers/completion';
import * as configuration from './handlers/configuration';
import { CHAT_EXECUTE_COMMAND } from './handlers/chat';
import * as doctor from './handlers/doctor';
import * as edits from './handlers/edits';
import * as trust from './handlers/trust';
import * as models from './handlers/models';
import * as plugins from './handlers/plugins';
import * as search from './handlers/search';
import * as syntaxDiagnostics from './handlers/syntax-diagnostics';
import * as traces from './handlers/traces';
import { DiagnosticsHub } from './diagnostics-hub';
import { createLogger, type Logger } from './log';
import { ModelRouter } from './models/router';
import { IndexService } from './rag/index-service';
import { RpcRegistry } from './rpc/registry';
import { Secrets } from './security/secrets';
import { StatusReporter } from './status';
import { Telemetry } from './telemetry/telemetry';
import { PluginCommands } from './plugins/command-port';
import { PluginService } from './plugins/service';
import { HealthProbe } from './doctor/health-probe';
import { buildDoctorReport } from './doctor/report';
import { SyntaxDiagnostics } from './syntax-diagnostics';
import { SERVER_VERSION } from './version';

export interface ServerOptions {
  transport: string;
  log?: Logger;
  env?: Record<string, string | undefined>;
}

/** Domains, each `register(ctx)`. New capabilities add a line here and a file in handlers/. */
const DOMAINS: ReadonlyArray<(ctx: ServerContext) => void> = [
  configuration.register,
  traces.register,
  syntaxDiagnostics.register,
  search.register,
  doctor.register,
  models.register,
  chat.register,
  plugins.register,
  agents.register,
  edits.register,
  trust.register,
  completion.register,
];

function workspaceRoot(params: InitializeParams): string | null {
  const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
  if (folder) return URI.parse(folder).fsPath;
  return params.rootPath ?? null;
}

/** LSP work-done progress while a request waits for the index (clients that support server-initiated progress). */
function indexWaitProgress(connection: Connection, index: IndexService, client: { workDone: boolean }): () => void {
  if (!client.workDone) return () => undefined;
  let ended = false;
  let timer: NodeJS.Timeout | undefined;
  void connection.window
    .createWorkDoneProgress()
    .then((p) => {
      if (ended) return p.done();
      const message = () => {
        const s = index.current();
        return s.total ? `${s.state}: ${s.processed ?? 0}/${s.total} files` : `${s.state}: ${s.chunks} chunks`;
      };
      p.begin('nootropic: waiting for the workspace index', undefined, message());
      timer = setInterval(() => (ended ? (clearInterval(timer), p.done()) : p.report(message())), 250);
    })
    .catch(() => undefined);
  return () => {
    ended = true;
  };
}

export function createServer(connection: Connection, options: ServerOptions): ServerContext {
  const log = options.log ?? createLogger();
  const env = options.env ?? process.env;
  const telemetry = new Telemetry(log.child('telemetry'), SERVER_VERSION);
  const rpc = new RpcRegistry(connection, log.child('rpc'), telemetry);
  const config = new ConfigStore(log.child('config'), env);
  const status = new StatusReporter(rpc, log.child('status'));
  // API keys are never configuration: Secrets holds them and registers them for redaction everywhere.
  // The process's own environment gives its key up once read, so no child process inherits it.
  const secrets = new Secrets(env, { consume: env === process.env });
  // One way to reach a model: chat, edits, plans and the index's embeddings all go through the router.
  const models = new ModelRouter({ models: () => config.config.models, embeddings: () => config.config.embeddings, secrets, log: log.child('models'), onHealth: (reasons) => status.set('models', reasons), telemetry });
  const index = new IndexService(log.child('index'), models);
  const clientProgress = { workDone: false };
  telemetry.observeIndexSize(() => {
    const s = index.current();
    return { files: s.files, chunks: s.chunks };
  });
  const documents = new TextDocuments(TextDocument);
  const diagnostics = new DiagnosticsHub(connection, log.child('diagnostics'));
  const retriever = () => workspaceRetriever(config.workspaceRoot, index, () => indexWaitProgress(connection, index, clientProgress));
  // Services with state live here, not in handler closures; handlers parse, call them and map errors.
  const plugins = new PluginService({
    config,
    log: log.child('plugins'),
    status,
    telemetry,
    version: SERVER_VERSION,
    advertised: () => rpc.advertise(serverToClientNotifications),
    onChanged: (list) => rpc.send(PluginsChanged, list),
  });
  const pluginCommands = new PluginCommands();
  pluginCommands.attach({ has: (name) => plugins.has(name), run: (name, args) => plugins.run(name, args), list: () => plugins.commands() });
  const agents = new AgentService({
    config,
    models,
    documents,
    retriever,
    log,
    telemetry,
    status,
    diagnostics,
    approve: async (req) => AgentApprove.result.parse(await connection.sendRequest(AgentApprove.method, req)).approved,
    onStep: (runId, step) =>
      rpc.send(AgentProgress, {
        runId,
        ...(step.taskId ? { taskId: step.taskId } : {}),
        step: { kind: step.kind, status: step.status, title: step.title, ...(step.rationale ? { rationale: step.rationale } : {}), startedAt: step.startedAt, ...(step.durationMs !== undefined ? { durationMs: step.durationMs } : {}), ...(step.detail ? { detail: step.detail } : {}) },
      }),
    onTask: (runId, task) => rpc.send(AgentProgress, { runId, taskId: task.id, step: { kind: 'decision', status: task.status, title: `task ${task.id}: ${task.status}`, startedAt: new Date().toISOString() }, task }),
    onResumable: (offer) => rpc.send(RunsResumable, offer),
  });
  // The report needs the whole context; the probe first runs after initialize, when ctx exists.
  const health = new HealthProbe({ report: (signal, timeoutMs) => buildDoctorReport(ctx, signal, timeoutMs), enabled: () => config.backgroundProbes, index, status, log });
  const syntax = new SyntaxDiagnostics({ diagnostics, documents, config, log, status });
  const ctx: ServerContext = {
    connection,
    rpc,
    log,
    config,
    documents,
    status,
    telemetry,
    index,
    info: { version: SERVER_VERSION, transport: options.transport, startedAt: Date.now() },
    secrets,
    models,
    diagnostics,
    retriever,
    pluginCommands,
    plugins,
    agents,
    health,
    syntax,
  };
  for (const register of DOMAINS) register(ctx);
  // After the domains' own reactions (log level, config problems in status): load plugins, offer interrupted runs.
  config.onChange((c) => {
    plugins.configure(c);
    agents.offerInterrupted();
  });

  connection.onInitialize((params): InitializeResult => {
    const init = InitializationOptions.safeParse(params.initializationOptions ?? {});
    if (!init.success) log.warn('ignored malformed initializationOptions', { error: init.error.message });
    const root = workspaceRoot(params);
    // Editors that watch files for us (VS Code, Neovim) replace the server's own watcher.
    clientProgress.workDone = params.capabilities.window?.workDoneProgress === true;
    index.useClientWatcher(params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true);
    // The CLI waits on the index itself: full speed. Editors wait on this thread: indexing yields to it.
    index.useBackgroundPriority(params.clientInfo?.name !== 'nootropic-cli');
    index.useStartupUpdate(!init.success || init.data.indexUpdateOnStart !== false);
    ctx.secrets.setFromClient(init.success ? init.data.secrets?.apiKey : undefined);
    // Options that do not parse cannot say the workspace is trusted: fail closed (restricted mode).
    ctx.config.initialize(root, init.success ? init.data : { workspaceTrusted: false });
    log.setLevel(ctx.config.config.server.logLevel);
    log.info('initialize', { client: params.clientInfo?.name, root, transport: options.transport, version: SERVER_VERSION });
    const advertised = rpc.advertise(serverToClientNotifications);
    const nootropic: NootropicCapabilities = { version: SERVER_VERSION, protocolVersion: PROTOCOL_VERSION, ...advertised };
    return {
      serverInfo: { name: 'nootropic-lsp', version: SERVER_VERSION },
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        workspaceSymbolProvider: true,
        codeActionProvider: true,
        // Inline completion (ghost text); editors without it get the same text as one completion item.
        inlineCompletionProvider: true,
        completionProvider: { resolveProvider: false },
        // Editors that cannot send custom requests (Helix) run chat commands through workspace/executeCommand.
        executeCommandProvider: { commands: [CHAT_EXECUTE_COMMAND] },
        experimental: { nootropic },
      },
    };
  });
  // vscode-languageserver keeps one onInitialized handler: domains react to config/status events instead.
  // Ready is normally declared by the first health probe (handlers/doctor.ts); this is the safety net.
  connection.onInitialized(() => {
    setTimeout(() => ctx.status.markReady(), 15_000).unref();
    if (index.clientWatches) {
      connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*' }] }).catch((err: unknown) => {
        log.warn('the client refused to watch files; the server watches instead', { error: String(err) });
        index.clientWatchFailed();
      });
    }
  });
  connection.onDidChangeWatchedFiles((p) => void index.filesChanged(p.changes.map((c) => URI.parse(c.uri).fsPath)));
  connection.onShutdown(async () => {
    log.info('shutdown requested');
    await ctx.index.dispose();
    await ctx.models.dispose();
    await telemetry.shutdown();
  });

  ctx.documents.listen(connection);
  return ctx;
}
