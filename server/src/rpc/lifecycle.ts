/**
 * The protocol's lifecycle and message rules, enforced before any handler sees a message (LSP 3.17 "Server
 * lifecycle", JSON-RPC 2.0 "Error object"):
 * - before `initialize`, a request gets -32002 ServerNotInitialized and a notification is dropped (`exit` excepted);
 * - after `shutdown`, a request gets -32600 InvalidRequest (the only thing left to do is `exit`);
 * - a body that is not JSON gets -32700 ParseError (id null); a message that is not a JSON-RPC object gets -32600;
 * - anything else the reader reports (broken framing) is handed to `onFatal`: the stream cannot be trusted to
 *   find the next message, so the server logs it and exits non-zero, and the client restarts it.
 * Errors never echo the input.
 */
import { Emitter, ErrorCodes, type DataCallback, type Disposable, type Event, type Message, type MessageReader, type MessageWriter, type PartialMessageInfo } from 'vscode-languageserver';

/** LSP's ServerNotInitialized (vscode-languageserver names it ErrorCodes.ServerNotInitialized). */
export const SERVER_NOT_INITIALIZED = -32002;

type Phase = 'new' | 'running' | 'shut down';

interface RawMessage {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
}

function isId(v: unknown): v is string | number {
  return typeof v === 'string' || typeof v === 'number';
}

export class LifecycleReader implements MessageReader {
  private phase: Phase = 'new';
  private readonly errors = new Emitter<Error>();

  constructor(
    private readonly inner: MessageReader,
    private readonly writer: MessageWriter,
    private readonly onFatal: (reason: string) => void,
  ) {
    inner.onError((err) => {
      if (err instanceof SyntaxError) {
        this.reject(null, ErrorCodes.ParseError, 'parse error: the message body is not valid JSON');
        return;
      }
      this.onFatal(`broken message stream: ${err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : 'unknown error'}`);
      this.errors.fire(err instanceof Error ? err : new Error(String(err)));
    });
  }

  get onError(): Event<Error> {
    return this.errors.event;
  }

  get onClose(): Event<void> {
    return this.inner.onClose;
  }

  get onPartialMessage(): Event<PartialMessageInfo> {
    return this.inner.onPartialMessage;
  }

  listen(callback: DataCallback): Disposable {
    return this.inner.listen((message: Message) => {
      const m = message as unknown as RawMessage;
      if (m === null || typeof m !== 'object' || Array.isArray(m) || m.jsonrpc !== '2.0') {
        this.reject(m !== null && typeof m === 'object' && isId(m.id) ? m.id : null, ErrorCodes.InvalidRequest, 'invalid request: not a JSON-RPC 2.0 message object');
        return;
      }
      if (m.method === undefined) {
        // A response to one of the server's requests.
        callback(message);
        return;
      }
      const isRequest = 'id' in m;
      if (typeof m.method !== 'string' || (isRequest && !isId(m.id) && m.id !== null)) {
        this.reject(isId(m.id) ? m.id : null, ErrorCodes.InvalidRequest, 'invalid request: method must be a string and id a string or number');
        return;
      }
      if (m.method === 'exit') {
        callback(message);
        return;
      }
      if (this.phase === 'new') {
        if (isRequest && m.method === 'initialize') {
          this.phase = 'running';
          callback(message);
        } else if (isRequest) this.reject(m.id as string | number | null, SERVER_NOT_INITIALIZED, `server not initialized: send initialize before ${m.method.slice(0, 100)}`);
        return;
      }
      if (this.phase === 'shut down') {
        if (isRequest) this.reject(m.id as string | number | null, ErrorCodes.InvalidRequest, 'invalid request: the server is shut down; only exit is accepted');
        return;
      }
      if (isRequest && m.method === 'shutdown') this.phase = 'shut down';
      callback(message);
    });
  }

  dispose(): void {
    this.inner.dispose();
    this.errors.dispose();
  }

  private reject(id: string | number | null, code: number, message: string): void {
    void this.writer.write({ jsonrpc: '2.0', id, error: { code, message } } as Message).catch(() => undefined);
  }
}
