/**
 * Starts nootropic-lsp with vscode-languageclient. Restarts on crash with exponential backoff (and gives up,
 * loudly, after too many crashes in a short time); initialization failures are shown, never swallowed.
 */
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  TransportKind,
  type CloseHandlerResult,
  type ErrorHandler,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { completionMiddleware } from './completion';
import { diagnosticFilter } from './diagnostic-filter';
import { splitSettings, syntaxOffLanguages } from './settings';
import { LANGUAGES } from './languages';
import { serverEnv } from '../shared/security/child-env';

export const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 3 * 60_000;

/** Backoff for the n-th restart within the window: 0.5 s, 1 s, 2 s, 4 s … capped at 10 s. */
export function restartDelayMs(n: number): number {
  return Math.min(500 * 2 ** Math.max(0, n - 1), 10_000);
}

class RestartingErrorHandler implements ErrorHandler {
  private crashes: number[] = [];

  constructor(private readonly output: vscode.LogOutputChannel) {}

  error(error: Error, _message: unknown, count: number | undefined): ErrorHandlerResult {
    this.output.appendLine(`[client] connection error (${count ?? 1}): ${error.message}`);
    return { action: (count ?? 1) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown };
  }

  async closed(): Promise<CloseHandlerResult> {
    const now = Date.now();
    this.crashes = this.crashes.filter((t) => now - t < RESTART_WINDOW_MS);
    this.crashes.push(now);
    if (this.crashes.length > MAX_RESTARTS) {
      const message = `nootropic: the server crashed ${this.crashes.length} times in 3 minutes and will not be restarted. See the "nootropic" output, then run "nootropic: Restart Server".`;
      this.output.appendLine(`[client] ${message}`);
      return { action: CloseAction.DoNotRestart, message };
    }
    const delay = restartDelayMs(this.crashes.length);
    this.output.appendLine(`[client] server stopped unexpectedly; restarting in ${delay} ms (${this.crashes.length}/${MAX_RESTARTS})`);
    await new Promise((r) => setTimeout(r, delay));
    return { action: CloseAction.Restart, handled: true };
  }
}

export interface ClientInit {
  apiKey: string | undefined;
}

export function createClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel, init: ClientInit): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  // A bounded heap keeps the server's footprint predictable (bench/retrieval: ~440 MB RSS at 100k chunks).
  const heap = `--max-old-space-size=${Number(process.env.NOOTROPIC_MAX_HEAP_MB) || 512}`;
  // Fewer glibc malloc arenas and earlier trimming give freed native memory back (see server-client.ts).
  // No credential-looking variable reaches the server (nor, through /proc, its children): the key goes in
  // initializationOptions.secrets — SecretStorage's, else a NOOTROPIC_API_KEY VS Code was started with.
  const env = serverEnv(process.env, { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072', MALLOC_MMAP_THRESHOLD_: '131072' });
  const apiKey = init.apiKey ?? (process.env.NOOTROPIC_API_KEY?.trim() || undefined);
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv: [heap], env } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: [heap, '--nolazy', '--inspect=6009'], env } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: LANGUAGES.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    outputChannel: output,
    middleware: { handleDiagnostics: diagnosticFilter(context), ...completionMiddleware() },
    // Recomputed on every (re)start, so a restart picks up new settings, trust and keys.
    initializationOptions: () => ({
      ...splitSettings(),
      // Languages the user turned nootropic's syntax diagnostics off for: never published (syntax-languages.ts).
      syntaxOffLanguages: syntaxOffLanguages(LANGUAGES),
      workspaceTrusted: vscode.workspace.isTrusted,
      ...(apiKey ? { secrets: { apiKey } } : {}),
    }),
    errorHandler: new RestartingErrorHandler(output),
    initializationFailedHandler: (error) => {
      output.appendLine(`[client] server failed to initialize: ${error instanceof Error ? error.message : String(error)}`);
      void vscode.window
        .showErrorMessage('nootropic: the language server failed to start.', 'Show Output')
        .then((choice) => choice && output.show());
      return false;
    },
  };
  return new LanguageClient('nootropic', 'nootropic', serverOptions, clientOptions);
}
