/**
 * The CLI's connection to the server: it spawns `nootropic-lsp --stdio` (the same bundle editors run) and
 * talks JSON-RPC. Results are parsed with the shared zod schemas on receipt. The server's stderr is kept
 * (and shown with --verbose) so a failure can say what the server said.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type { CancellationToken, InitializeResult, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import type { z } from 'zod';
import type { RequestDef } from '../shared/protocol';
import { spawnServer, takeEarly } from './early-server';

export interface ClientOptions {
  root: string;
  cliOverrides: Record<string, unknown>;
  verbose: boolean;
  /** Passed as initializationOptions.trusted; false = restricted mode (`--restricted`). */
  trusted?: boolean;
  /** For tests and unusual installs; defaults to server.js beside this bundle. */
  serverPath?: string;
  /** The API key (NOOTROPIC_API_KEY): sent in initializationOptions.secrets, never put in the server's environment. */
  apiKey?: string;
  /** false: the server runs no health probe in the background (a one-shot command shows no status). */
  backgroundProbes?: boolean;
  /** false: a persisted index is served as last built, not walked at start (a one-shot search). */
  indexUpdateOnStart?: boolean;
}

export class ServerExitedError extends Error {}

export class ServerClient {
  private stderrTail: string[] = [];
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly connection: MessageConnection,
    readonly initializeResult: InitializeResult,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(options: ClientOptions): Promise<ServerClient> {
    const serverPath = options.serverPath ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'server.js');
    // Started by bin/nootropic.js while this bundle loaded (cli/early-server.ts), or now.
    const child = takeEarly(serverPath, options.root) ?? spawnServer(serverPath, options.root);
    const tail: string[] = [];
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (options.verbose) process.stderr.write(chunk);
      tail.push(...chunk.split('\n').filter(Boolean));
      if (tail.length > 40) tail.splice(0, tail.length - 40);
    });
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (err) => reject(new ServerExitedError(`could not start the server: ${err.message}`))),
    );
    const earlyExit = new Promise<never>((_, reject) =>
      child.once('exit', (code) =>
        reject(new ServerExitedError(`the server exited with code ${code} before answering:\n${tail.slice(-10).join('\n')}`)),
      ),
    );
    const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    connection.listen();
    const init = connection.sendRequest<InitializeResult>('initialize', {
      processId: process.pid,
      clientInfo: { name: 'nootropic-cli' },
      rootUri: pathToFileURL(options.root).href,
      workspaceFolders: [{ uri: pathToFileURL(options.root).href, name: path.basename(options.root) }],
      capabilities: {},
      initializationOptions: {
        cliOverrides: options.cliOverrides,
        workspaceTrusted: options.trusted ?? true,
        ...(options.apiKey ? { secrets: { apiKey: options.apiKey } } : {}),
        ...(options.backgroundProbes === false ? { backgroundProbes: false } : {}),
        ...(options.indexUpdateOnStart === false ? { indexUpdateOnStart: false } : {}),
      },
    });
    const result = await Promise.race([init, spawnError, earlyExit]);
    connection.sendNotification('initialized', {});
    const client = new ServerClient(child, connection, result);
    client.stderrTail = tail;
    child.once('exit', (code) => {
      client.exitCode = code;
    });
    return client;
  }

  /** A typed request; the result is validated with the method's schema. */
  async request<M extends string, P extends z.ZodType, R extends z.ZodType>(
    def: RequestDef<M, P, R>,
    params: z.input<P>,
    token?: CancellationToken,
  ): Promise<z.output<R>> {
    const died = this.exited.then((code) => {
      throw new ServerExitedError(`the server exited (code ${code}) during ${def.method}:\n${this.stderrTail.slice(-10).join('\n')}`);
    });
    // vscode-jsonrpc treats a trailing undefined as a second parameter: pass the token only when there is one.
    const sent = token ? this.connection.sendRequest(def.method, params, token) : this.connection.sendRequest(def.method, params);
    const raw = await Promise.race([sent, died]);
    return def.result.parse(raw);
  }

  onDiagnostics(handler: (params: PublishDiagnosticsParams) => void): void {
    this.connection.onNotification('textDocument/publishDiagnostics', handler);
  }

  /** LSP shutdown + exit; waits for the process to end (kills it if it does not within 5 s). */
  async stop(): Promise<number | null> {
    if (this.exitCode !== undefined) return this.exitCode;
    // Timers are unref'd: a finished CLI must not sit waiting on its own safety nets.
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 5_000).unref())]);
      await this.connection.sendNotification('exit');
    } catch {
      // the server is already gone; fall through to reap it
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    timer.unref();
    const code = await this.exited;
    clearTimeout(timer);
    this.connection.dispose();
    return code;
  }
}
