/**
 * Spawns the bundled server (dist/server.js) and speaks JSON-RPC to it: the path Neovim, Helix and the CLI take.
 * Keeps every byte of stdout so tests can prove nothing but protocol was written there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { InitializeResult } from 'vscode-languageserver-protocol';
import { cleanEnv, SERVER_BUNDLE } from './paths';

export interface LspProcess {
  child: ChildProcess;
  client: MessageConnection;
  stdout: Buffer[];
  stderr: string[];
  exit: Promise<number | null>;
  /** `initializationOptions`: what an editor passes (settings), none by default. */
  initialize(root: string | null, initializationOptions?: unknown): Promise<InitializeResult>;
  kill(): void;
}

export function spawnStdioServer(env: Record<string, string> = {}): LspProcess {
  const child = spawn(process.execPath, [SERVER_BUNDLE, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: cleanEnv(env) });
  const stdout: Buffer[] = [];
  const stderr: string[] = [];
  child.stdout!.on('data', (b: Buffer) => stdout.push(b));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => stderr.push(s));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const client = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  client.listen();
  return {
    child,
    client,
    stdout,
    stderr,
    exit,
    async initialize(root, initializationOptions) {
      const r = await client.sendRequest<InitializeResult>('initialize', {
        processId: process.pid,
        rootUri: root ? pathToFileURL(root).href : null,
        capabilities: {},
        ...(initializationOptions === undefined ? {} : { initializationOptions }),
      });
      await client.sendNotification('initialized', {});
      return r;
    },
    kill() {
      client.dispose();
      child.kill('SIGKILL');
    },
  };
}

/** Splits raw stdout into LSP frames; throws if anything that is not a well-formed frame appears. */
export function parseFrames(raw: Buffer): unknown[] {
  const frames: unknown[] = [];
  let rest = raw;
  while (rest.length > 0) {
    const headerEnd = rest.indexOf('\r\n\r\n');
    if (headerEnd < 0) throw new Error(`stray bytes on stdout: ${JSON.stringify(rest.toString('utf8').slice(0, 80))}`);
    const header = rest.subarray(0, headerEnd).toString('ascii');
    const m = /^Content-Length: (\d+)$/im.exec(header);
    if (!m) throw new Error(`not an LSP header on stdout: ${JSON.stringify(header.slice(0, 80))}`);
    const len = Number(m[1]);
    const body = rest.subarray(headerEnd + 4, headerEnd + 4 + len);
    frames.push(JSON.parse(body.toString('utf8')));
    rest = rest.subarray(headerEnd + 4 + len);
  }
  return frames;
}
