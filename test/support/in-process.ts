/**
 * The server in-process with a JSON-RPC client on an in-memory duplex (the tier between unit tests and a
 * spawned process). Same createServer as production; only the transport and exit hook differ.
 */
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { ClientCapabilities, InitializeResult, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import type { ServerContext } from '../../server/src/context';
import { createLogger } from '../../server/src/log';
import { createServer } from '../../server/src/server';
import { createLspConnection } from '../../server/src/transport';

export interface InProcessServer {
  client: MessageConnection;
  exitCodes: number[];
  logs: string[];
  /** The server's own context (to reach what a client cannot: e.g. the index worker, to end it as a crash would). */
  ctx: ServerContext;
  /** `capabilities`: what the fake client says it supports (none by default). */
  initialize(root: string | null, initializationOptions?: unknown, capabilities?: ClientCapabilities): Promise<InitializeResult>;
  /** Resolves with the next publishDiagnostics for `uri` that satisfies `pred`. */
  diagnostics(uri: string, pred?: (p: PublishDiagnosticsParams) => boolean, timeoutMs?: number): Promise<PublishDiagnosticsParams>;
  notifications(method: string): unknown[];
  dispose(): void;
}

export function startInProcessServer(env: Record<string, string | undefined> = { NOOTROPIC_USER_CONFIG: '/nonexistent/nootropic.yaml' }): InProcessServer {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const exitCodes: number[] = [];
  const logs: string[] = [];
  const connection = createLspConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient), (code) => exitCodes.push(code));
  // Per-user state stays in the test run's folder (vitest.config.mts) whatever env a test passes.
  const ctx = createServer(connection, { transport: 'in-process', log: createLogger((l) => logs.push(l), 'debug'), env: { NOOTROPIC_STATE_DIR: process.env.NOOTROPIC_STATE_DIR, ...env } });
  connection.listen();
  const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const seen = new Map<string, unknown[]>();
  const waiters: { uri: string; pred: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  client.onNotification((method: string, params: unknown) => {
    if (!seen.has(method)) seen.set(method, []);
    seen.get(method)!.push(params);
    if (method === 'textDocument/publishDiagnostics') {
      const p = params as PublishDiagnosticsParams;
      for (const w of [...waiters]) {
        if (w.uri === p.uri && w.pred(p)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(p);
        }
      }
    }
  });
  client.listen();
  return {
    client,
    exitCodes,
    logs,
    ctx,
    async initialize(root, initializationOptions, capabilities = {}) {
      const result = await client.sendRequest<InitializeResult>('initialize', {
        processId: null,
        rootUri: root ? pathToFileURL(root).href : null,
        capabilities,
        initializationOptions,
      });
      await client.sendNotification('initialized', {});
      return result;
    },
    diagnostics(uri, pred = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ uri, pred, resolve: (p) => (clearTimeout(timer), resolve(p)) });
      });
    },
    notifications: (method) => seen.get(method) ?? [],
    dispose() {
      client.dispose();
      connection.dispose();
      toServer.destroy();
      toClient.destroy();
    },
  };
}
