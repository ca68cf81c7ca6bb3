/**
 * The `fetch` every official client (ollama, openai, @anthropic-ai/sdk) is given. It is where three promises
 * are kept regardless of what a client does internally:
 *  - data sovereignty: every outgoing URL is checked before a connection is opened, so a client that picks its
 *    own base URL (env vars, credential files) still cannot reach a non-loopback host without opt-in; a name
 *    counts as loopback only when it resolves to loopback addresses;
 *  - cancellation: the caller's AbortSignal (from `$/cancelRequest`) aborts the HTTP request itself;
 *  - stalls: no response, or no next chunk, within `timeoutMs` aborts the request as timed out.
 * For NDJSON streams (Ollama) it also drops malformed lines and reports them, instead of letting the client
 * print to the console and carry on silently.
 */
import { checkEndpointResolved } from '../security/endpoint-policy';
import { ModelError } from './errors';

export interface GuardOptions {
  allowCloud: boolean;
  timeoutMs: number;
  signal: AbortSignal;
  /** Filter the response body as newline-delimited JSON. */
  ndjson?: boolean;
  onMalformed?: (line: string) => void;
  /** Called once the request has been handed to the HTTP client (its answer not awaited yet). */
  onRequest?: () => void;
}

export interface Guard {
  fetch: typeof fetch;
  /** Set when the guard itself ended the request (policy refusal, stall): adapters report this, not the client's wrapper. */
  readonly error: ModelError | undefined;
  /** Bytes of response body seen (0 means the answer never started). */
  readonly bytes: number;
  dispose(): void;
}

function urlOf(input: Parameters<typeof fetch>[0]): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

function ndjsonFilter(onMalformed: (line: string) => void): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let buffer = '';
  const emitLine = (line: string, controller: TransformStreamDefaultController<Uint8Array>) => {
    if (!line.trim()) return;
    try {
      JSON.parse(line);
      controller.enqueue(encoder.encode(line + '\n'));
    } catch {
      onMalformed(line);
    }
  };
  return new TransformStream({
    transform(chunk, controller) {
      buffer += decoder.decode(chunk, { stream: true });
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) emitLine(line, controller);
    },
    flush(controller) {
      buffer += decoder.decode();
      emitLine(buffer, controller);
    },
  });
}

export function createGuard(opts: GuardOptions): Guard {
  const controller = new AbortController();
  const state: { error: ModelError | undefined; bytes: number; timer: NodeJS.Timeout | undefined } = {
    error: undefined,
    bytes: 0,
    timer: undefined,
  };
  const clear = () => {
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
  };
  const arm = (what: string, url: string) => {
    clear();
    state.timer = setTimeout(() => {
      state.error = new ModelError('timeout', `${what} from ${new URL(url).origin} within ${opts.timeoutMs} ms; the request was abandoned (raise nootropic.models.timeoutMs for slow models)`, {
        endpoint: new URL(url).origin,
      });
      controller.abort(state.error);
    }, opts.timeoutMs);
    state.timer.unref();
  };
  if (opts.signal.aborted) controller.abort();
  else opts.signal.addEventListener('abort', () => controller.abort(), { once: true });
  controller.signal.addEventListener('abort', clear, { once: true });

  const guardedFetch: typeof fetch = async (input, init) => {
    const url = urlOf(input);
    const decision = await checkEndpointResolved(url, opts.allowCloud);
    if (!decision.allowed) {
      state.error = new ModelError('policy', decision.reason, { endpoint: url });
      throw state.error;
    }
    const signals = [controller.signal, ...(init?.signal ? [init.signal] : [])];
    arm('no response', url);
    const pending = fetch(input, { ...init, signal: AbortSignal.any(signals) });
    opts.onRequest?.();
    const res = await pending;
    if (!res.body) {
      clear();
      return res;
    }
    arm('no data', url);
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctl) {
        state.bytes += chunk.byteLength;
        arm('the stream stalled: no data', url);
        ctl.enqueue(chunk);
      },
      flush() {
        clear();
      },
    });
    let body = res.body.pipeThrough(counter);
    if (opts.ndjson) body = body.pipeThrough(ndjsonFilter(opts.onMalformed ?? (() => {})));
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };

  return {
    fetch: guardedFetch,
    get error() {
      return state.error;
    },
    get bytes() {
      return state.bytes;
    },
    dispose: clear,
  };
}
