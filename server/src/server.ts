/**
 * Builds the server on a connection. Knows no transport: main.ts picks stdio / node-ipc / socket, tests hand
 * in an in-memory pair. Each domain registers its own handlers; this file only wires them and answers
 * `initialize` with what they registered.
 */
import {
  TextDocumentSyncKind,
  TextDocuments,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import { PROTOCOL_VERSION, serverToClientNotifications, type NootropicCapabilities } from '../../shared/protocol';
import { ConfigStore, InitializationOptions } from './config/store';
import type { ServerContext } from './context';
import * as configuration from './handlers/configuration';
import * as doctor from './handlers/doctor';
import * as plugins from './handlers/plugins';
import * as syntaxDiagnostics from './handlers/syntax-diagnostics';
import { createLogger, type Logger } from './log';
import { RpcRegistry } from './rpc/registry';
import { StatusReporter } from './status';
import { SERVER_VERSION } from './version';

export interface ServerOptions {
  transport: string;
  log?: Logger;
  env?: Record<string, string | undefined>;
}

/** Domains, each `register(ctx)`. New capabilities add a line here and a file in handlers/. */
const DOMAINS: ReadonlyArray<(ctx: ServerContext) => void> = [
  configuration.register,
  syntaxDiagnostics.register,
  doctor.register,
  plugins.register,
];

function workspaceRoot(params: InitializeParams): string | null {
  const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
  if (folder) return URI.parse(folder).fsPath;
  return params.rootPath ?? null;
}

export function createServer(connection: Connection, options: ServerOptions): ServerContext {
  const log = options.log ?? createLogger();
  const rpc = new RpcRegistry(connection, log.child('rpc'));
  const ctx: ServerContext = {
    connection,
    rpc,
    log,
    config: new ConfigStore(log.child('config'), options.env ?? process.env),
    documents: new TextDocuments(TextDocument),
    status: new StatusReporter(rpc, log.child('status')),
    info: { version: SERVER_VERSION, transport: options.transport, startedAt: Date.now() },
  };
  for (const register of DOMAINS) register(ctx);

  connection.onInitialize((params): InitializeResult => {
    const init = InitializationOptions.safeParse(params.initializationOptions ?? {});
    if (!init.success) log.warn('ignored malformed initializationOptions', { error: init.error.message });
    const root = workspaceRoot(params);
    ctx.config.initialize(root, init.success ? init.data : {});
    log.setLevel(ctx.config.config.server.logLevel);
    log.info('initialize', { client: params.clientInfo?.name, root, transport: options.transport, version: SERVER_VERSION });
    const advertised = rpc.advertise(serverToClientNotifications);
    const nootropic: NootropicCapabilities = { version: SERVER_VERSION, protocolVersion: PROTOCOL_VERSION, ...advertised };
    return {
      serverInfo: { name: 'nootropic-lsp', version: SERVER_VERSION },
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        experimental: { nootropic },
      },
    };
  });
  // vscode-languageserver keeps one onInitialized handler: domains react to config/status events instead.
  connection.onInitialized(() => ctx.status.markReady());
  connection.onShutdown(() => {
    log.info('shutdown requested');
  });

  ctx.documents.listen(connection);
  return ctx;
}
