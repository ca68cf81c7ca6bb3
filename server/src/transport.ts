/**
 * Transports for `nootropic-lsp`: --stdio, --node-ipc, --socket=PORT. For stdio, stdout is reserved for the
 * protocol: everything else that writes to stdout (console.log in a dependency) is sent to stderr instead.
 */
import { Writable } from 'node:stream';
import {
  createConnection as createCommonConnection,
  createProtocolConnection,
  type Connection,
  type InitializeParams,
  type MessageReader,
  type MessageWriter,
} from 'vscode-languageserver';
import {
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  createServerSocketTransport,
} from 'vscode-languageserver/node';

export type TransportKind = 'stdio' | 'node-ipc' | 'socket';

export interface TransportChoice {
  kind: TransportKind;
  port?: number;
}

export function parseTransport(argv: readonly string[]): TransportChoice | { error: string } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--stdio') return { kind: 'stdio' };
    if (arg === '--node-ipc') return { kind: 'node-ipc' };
    const m = /^--socket(?:=(.*))?$/.exec(arg);
    if (m) {
      const raw = m[1] ?? argv[i + 1];
      const port = Number(raw);
      if (!Number.isInteger(port) || port <= 0 || port > 65535) return { error: `--socket needs a port number, got ${JSON.stringify(raw)}` };
      return { kind: 'socket', port };
    }
  }
  return { error: 'choose a transport: --stdio, --node-ipc or --socket=PORT' };
}

/** Routes stray stdout writes to stderr and returns a stream that still reaches the real stdout. */
function reserveStdout(): Writable {
  const realWrite = process.stdout.write.bind(process.stdout);
  const protocolOut = new Writable({
    write(chunk: Buffer, _enc, cb) {
      realWrite(chunk, cb);
    },
  });
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
    (process.stderr.write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
  for (const method of ['log', 'info', 'debug'] as const) {
    console[method] = (...args: unknown[]) => console.error(...args);
  }
  return protocolOut;
}

export function openTransport(choice: TransportChoice): { reader: MessageReader; writer: MessageWriter } {
  switch (choice.kind) {
    case 'stdio':
      return { reader: new StreamMessageReader(process.stdin), writer: new StreamMessageWriter(reserveStdout()) };
    case 'node-ipc':
      return { reader: new IPCMessageReader(process), writer: new IPCMessageWriter(process) };
    case 'socket': {
      const [reader, writer] = createServerSocketTransport(choice.port!);
      return { reader, writer };
    }
  }
}

/**
 * An LSP connection whose `exit` goes through `onExit` instead of vscode-languageserver's process.exit, so
 * the same server runs in-process in tests. `exit` after `shutdown` → 0, otherwise 1 (LSP spec).
 */
export function createLspConnection(
  reader: MessageReader,
  writer: MessageWriter,
  onExit: (code: number) => void,
  onParentPid?: (pid: number) => void,
): Connection {
  let shutdownReceived = false;
  const watchDog = {
    initialize: (params: InitializeParams) => {
      if (typeof params.processId === 'number' && onParentPid) onParentPid(params.processId);
    },
    get shutdownReceived() {
      return shutdownReceived;
    },
    set shutdownReceived(v: boolean) {
      shutdownReceived = v;
    },
    exit: (code: number) => onExit(code),
  };
  return createCommonConnection((logger) => createProtocolConnection(reader, writer, logger), watchDog);
}
