/**
 * Transports for `nootropic-lsp`: --stdio, --node-ipc, --socket=PORT. For stdio, stdout is reserved for the
 * protocol: everything else that writes to stdout (console.log in a dependency) is sent to stderr instead.
 */
import { Transform, Writable, type TransformCallback } from 'node:stream';
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
import { LifecycleReader } from './rpc/lifecycle';

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

/** A message's header as vscode-jsonrpc writes it: `Content-Length: N\r\n\r\n`, alone in its write. */
function isHeader(chunk: Buffer): boolean {
  return chunk.length < 256 && chunk.subarray(0, 15).toString('latin1') === 'Content-Length:' && chunk.subarray(-4).toString('latin1') === '\r\n\r\n';
}

/**
 * Routes stray stdout writes to stderr and returns a stream that still reaches the real stdout. vscode-jsonrpc writes
 * a message's header and its body as two writes, the body only once the header's write has called back: two
 * system calls per message, and the editor woken for a header whose body comes a turn later. The header is held
 * here and goes out with its body in one write.
 */
function reserveStdout(): Writable {
  const realWrite = process.stdout.write.bind(process.stdout);
  let header: Buffer | undefined;
  const protocolOut = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!header && isHeader(chunk)) {
        header = chunk;
        cb();
        return;
      }
      const out = header ? Buffer.concat([header, chunk]) : chunk;
      header = undefined;
      realWrite(out, cb);
    },
    final(cb) {
      if (header) realWrite(header, () => cb());
      else cb();
    },
  });
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
    (process.stderr.write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
  for (const method of ['log', 'info', 'debug'] as const) {
    console[method] = (...args: unknown[]) => console.error(...args);
  }
  return protocolOut;
}

/** The largest message accepted (a 5 MB edit text, JSON-escaped, with room to spare). */
export const MAX_CONTENT_LENGTH = 64 * 1024 * 1024;
const MAX_HEADER_BYTES = 8 * 1024;
const HEADER_LINE = /^[A-Za-z][A-Za-z0-9-]*:[ \t]*[\x20-\x7e]*$/;
const HEADER_PREFIX = /^(?:[A-Za-z][A-Za-z0-9-]*(?::[ \t]*[\x20-\x7e]*)?)?\r?$/;

/**
 * Checks LSP base-protocol framing (`Content-Length: N\r\n...\r\n\r\n` + N bytes) on a byte stream as it passes
 * through. vscode-jsonrpc's reader waits forever for a header end that binary garbage never brings and stops
 * reading after a bad Content-Length; here the first byte that cannot start or continue a header, a missing,
 * non-numeric or oversized Content-Length, or a header over 8 KiB calls `onBroken` (once, naming the offset and
 * the reason, never the bytes), and nothing more is passed on.
 */
export class FrameGuard extends Transform {
  private header = '';
  private remaining = 0;
  private offset = 0;
  private broken = false;

  constructor(private readonly onBroken: (reason: string) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.broken) return cb();
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - at);
        this.remaining -= n;
        at += n;
        continue;
      }
      const end = chunk.indexOf('\n', at);
      const piece = chunk.subarray(at, end === -1 ? chunk.length : end + 1).toString('latin1');
      this.header += piece;
      at += piece.length;
      const problem = this.checkHeader();
      if (problem) {
        this.broken = true;
        this.onBroken(`framing error at byte ${this.offset + at}: ${problem}`);
        return cb();
      }
    }
    this.offset += chunk.length;
    cb(null, chunk);
  }

  /** Validates the header read so far; at its end (a blank line), sets the body length. */
  private checkHeader(): string | undefined {
    if (this.header.length > MAX_HEADER_BYTES) return `a header longer than ${MAX_HEADER_BYTES} bytes`;
    const lastNewline = this.header.lastIndexOf('\n');
    const partial = this.header.slice(lastNewline + 1);
    if (partial && !HEADER_PREFIX.test(partial)) return 'bytes that are not a header';
    if (lastNewline === -1) return undefined;
    const complete = this.header.slice(0, lastNewline + 1);
    if (!complete.endsWith('\r\n')) return 'a header line not ended by CRLF';
    const lines = complete.slice(0, -2).split('\r\n');
    const blank = lines.indexOf('');
    const fields = blank === -1 ? lines : lines.slice(0, blank);
    if (!fields.every((l) => HEADER_LINE.test(l))) return 'a header line that is not "Name: value"';
    if (blank === -1) return undefined;
    this.header = '';
    if (!fields.length) return 'an empty header';
    const lengths = fields.filter((l) => /^content-length:/i.test(l)).map((l) => l.slice(l.indexOf(':') + 1).trim());
    if (lengths.length !== 1) return lengths.length ? 'more than one Content-Length' : 'no Content-Length';
    if (!/^\d{1,12}$/.test(lengths[0]!)) return 'a Content-Length that is not a number';
    const n = Number(lengths[0]);
    if (n > MAX_CONTENT_LENGTH) return `a Content-Length over ${MAX_CONTENT_LENGTH} bytes`;
    this.remaining = n;
    return undefined;
  }
}

export interface TransportHooks {
  /** The byte stream cannot be framed: log and exit non-zero so the client restarts the server. */
  onBroken(reason: string): void;
}

export function openTransport(choice: TransportChoice, hooks?: TransportHooks): { reader: MessageReader; writer: MessageWriter } {
  switch (choice.kind) {
    case 'stdio': {
      const input = hooks ? process.stdin.pipe(new FrameGuard(hooks.onBroken)) : process.stdin;
      return { reader: new StreamMessageReader(input), writer: new StreamMessageWriter(reserveStdout()) };
    }
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
 * the same server runs in-process in tests. `exit` after `shutdown` → 0, otherwise 1 (LSP spec). Messages pass
 * the lifecycle rules first (rpc/lifecycle.ts); a stream that breaks calls `onBroken`.
 */
export function createLspConnection(
  rawReader: MessageReader,
  writer: MessageWriter,
  onExit: (code: number) => void,
  onParentPid?: (pid: number) => void,
  onBroken: (reason: string) => void = () => onExit(1),
): Connection {
  const reader = new LifecycleReader(rawReader, writer, onBroken);
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
