/**
 * A stand-in model server on 127.0.0.1 that speaks the real wire protocols, so the product's official clients
 * (ollama, openai, @anthropic-ai/sdk) run unchanged against it:
 *  - Ollama: `/api/chat` (NDJSON streaming, tool calls), `/api/embed`, `/api/tags`, `/api/show`, `/api/version`;
 *  - OpenAI: `/v1/chat/completions` (SSE streaming, tool-call deltas), `/v1/embeddings`, `/v1/models`;
 *  - Anthropic: `/v1/messages` (SSE events, tool_use blocks);
 *  - fill-in-the-middle: Ollama `/api/generate` (with `suffix` or `raw`), OpenAI-compatible `/v1/completions`
 *    (SSE, with `suffix`), llama.cpp `llama-server` `/infill` (`input_prefix`, `input_suffix`, `input_extra`; SSE).
 * Chat replies come from a script (a queue, then a default that echoes the question). A scripted reply can be
 * an HTTP error (429/500 bursts, with Retry-After), a stream that stalls, resets, or carries a malformed
 * chunk. Every request is recorded with its parsed body and whether the client went away before the end, so
 * tests can assert num_ctx, tools, and that cancellation really closed the HTTP stream.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface StandinModel {
  name: string;
  contextLength?: number;
  /** Ollama capabilities (`completion`, `tools`, `embedding`). */
  capabilities?: string[];
  quantization?: string;
}

export interface ScriptedReply {
  /** Answer text; streamed in `chunks` pieces if given, else split into words. */
  text?: string;
  chunks?: string[];
  toolCalls?: { name: string; arguments: Record<string, unknown> | string }[];
  finishReason?: 'stop' | 'length' | 'tool_calls';
  /** Answer with this HTTP status and an error body instead. */
  status?: number;
  retryAfter?: string;
  /** Milliseconds between chunks. */
  delayMs?: number;
  /** Send this many chunks, then keep the connection open without another byte. */
  stallAfter?: number;
  /** Send this many chunks, then destroy the socket (a connection reset mid-stream). */
  resetAfter?: number;
  /** Send a malformed line/event after this many chunks, then carry on. */
  malformedAfter?: number;
}

export interface StandinOptions {
  /** Model names or full descriptions; defaults to one qwen2.5-coder:7b with 32k context and tools. */
  models?: (string | StandinModel)[];
  /** Accept requests but never answer them. */
  stall?: boolean;
  /** Chat replies, consumed one per chat request (any protocol). */
  replies?: ScriptedReply[];
  /** Reply when the queue is empty; default: echo the last user message. */
  defaultReply?: (lastUserMessage: string) => ScriptedReply;
  embeddingDims?: number;
  /** Fill-in-the-middle replies, consumed one per FIM request (any protocol). */
  fimReplies?: ScriptedReply[];
  /** FIM reply when that queue is empty; default: a fixed call expression. */
  defaultFimReply?: (fim: { prefix: string; suffix: string; raw: boolean }) => ScriptedReply;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  headers: http.IncomingHttpHeaders;
  /** The client closed the connection before the response ended. */
  aborted: boolean;
  /** The response finished normally. */
  completed: boolean;
}

export interface Standin {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Connections closed by the client while their request was pending (cancellation reached HTTP). */
  abortedRequests: number;
  /** Queue more chat replies. */
  script(...replies: ScriptedReply[]): void;
  /** Queue more fill-in-the-middle replies. */
  scriptFim(...replies: ScriptedReply[]): void;
  /** Recorded requests to a path. */
  calls(path: string): RecordedRequest[];
  /** Resolves when a request to `path` has been aborted by the client. */
  waitForAbort(path: string, timeoutMs?: number): Promise<RecordedRequest>;
  /** Resolves when `count` requests to `path` have arrived. */
  waitForRequests(path: string, count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function normaliseModel(m: string | StandinModel): Required<StandinModel> {
  const base = typeof m === 'string' ? { name: m } : m;
  const embed = /embed|minilm/i.test(base.name);
  return {
    name: base.name,
    contextLength: base.contextLength ?? 32_768,
    // Ollama reports `insert` for models whose template takes a suffix (fill-in-the-middle).
    capabilities: base.capabilities ?? (embed ? ['embedding'] : /coder|codellama|codestral/i.test(base.name) ? ['completion', 'tools', 'insert'] : ['completion', 'tools']),
    quantization: base.quantization ?? 'Q4_K_M',
  };
}

/** Deterministic small vectors: the same text always embeds the same way. */
function embedText(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  for (let i = 0; i < text.length; i++) v[i % dims]! += (text.charCodeAt(i) % 31) / 31;
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

function lastUserMessage(body: unknown): string {
  const b = body as { messages?: { role?: string; content?: unknown }[] } | undefined;
  const users = (b?.messages ?? []).filter((m) => m.role === 'user');
  const c = users[users.length - 1]?.content;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((p: { text?: string }) => p.text ?? '').join('');
  return '';
}

function chunksOf(reply: ScriptedReply): string[] {
  if (reply.chunks) return reply.chunks;
  if (!reply.text) return [];
  return reply.text.match(/\S+\s*|\s+/g) ?? [reply.text];
}

export async function startModelStandin(opts: StandinOptions = {}): Promise<Standin> {
  const models = (opts.models ?? ['qwen2.5-coder:7b']).map(normaliseModel);
  const dims = opts.embeddingDims ?? 8;
  const queue: ScriptedReply[] = [...(opts.replies ?? [])];
  const defaultReply: (q: string) => ScriptedReply = opts.defaultReply ?? ((q) => ({ text: `standin answer: ${q.slice(-60)}` }));
  const fimQueue: ScriptedReply[] = [...(opts.fimReplies ?? [])];
  const defaultFim: NonNullable<StandinOptions['defaultFimReply']> = opts.defaultFimReply ?? (() => ({ text: 'standinCompletion()' }));
  const nextFim = (prefix: string, suffix: string, raw: boolean) => fimQueue.shift() ?? defaultFim({ prefix, suffix, raw });
  const requests: RecordedRequest[] = [];
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const bodyParts: Buffer[] = [];
    req.on('data', (c: Buffer) => bodyParts.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(bodyParts).toString('utf8');
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        // keep the raw text
      }
      const record: RecordedRequest = { method: req.method ?? 'GET', path, body, headers: req.headers, aborted: false, completed: false };
      requests.push(record);
      res.once('close', () => {
        if (!res.writableFinished) record.aborted = true;
        else record.completed = true;
        notify();
      });
      notify();
      if (opts.stall) return;
      void route(path, body, req, res).catch((err: unknown) => {
        if (!res.headersSent) json(res, 500, { error: String(err) });
        else res.destroy();
      });
    });
  });

  function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  const findModel = (name: string | undefined) => models.find((m) => m.name === name || `${m.name}:latest` === name || m.name === `${name}:latest`);

  /** Streams a scripted reply: `emit` writes one chunk, `malformed` one broken line; handles stall/reset/delay. */
  async function stream(
    res: http.ServerResponse,
    reply: ScriptedReply,
    emit: (chunk: string) => void,
    malformed: () => void,
    finish: () => void,
  ): Promise<void> {
    const chunks = chunksOf(reply);
    for (let i = 0; i <= chunks.length; i++) {
      if (res.destroyed) return;
      if (reply.malformedAfter === i) malformed();
      if (reply.stallAfter === i) return; // never another byte; the client must time out or cancel
      if (reply.resetAfter === i) {
        res.socket?.destroy();
        return;
      }
      if (i === chunks.length) break;
      emit(chunks[i]!);
      if (reply.delayMs) await sleep(reply.delayMs);
    }
    finish();
  }

  function errorReply(res: http.ServerResponse, reply: ScriptedReply, shape: 'ollama' | 'openai' | 'anthropic') {
    const status = reply.status!;
    const message = status === 429 ? 'rate limited by the stand-in' : `stand-in failure ${status}`;
    const headers: Record<string, string> = reply.retryAfter !== undefined ? { 'retry-after': reply.retryAfter } : {};
    if (shape === 'ollama') return json(res, status, { error: message }, headers);
    if (shape === 'anthropic') return json(res, status, { type: 'error', error: { type: status === 429 ? 'rate_limit_error' : 'api_error', message } }, headers);
    return json(res, status, { error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'server_error', code: null } }, headers);
  }

  async function route(path: string, body: unknown, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const b = (body ?? {}) as Record<string, unknown>;
    // ---- Ollama
    if (path === '/api/version') return json(res, 200, { version: '0.0.0-standin' });
    if (path === '/api/tags')
      return json(res, 200, {
        models: models.map((m) => ({ name: m.name, model: m.name, modified_at: new Date(0).toISOString(), size: 4_683_087_332, digest: 'standin', details: { format: 'gguf', family: 'qwen2', parameter_size: '7.6B', quantization_level: m.quantization } })),
      });
    if (path === '/api/show') {
      const m = findModel(b.model as string | undefined);
      if (!m) return json(res, 404, { error: `model '${String(b.model)}' not found` });
      return json(res, 200, {
        modelfile: '',
        parameters: '',
        details: { format: 'gguf', family: 'qwen2', parameter_size: '7.6B', quantization_level: m.quantization },
        model_info: { 'general.architecture': 'qwen2', 'qwen2.context_length': m.contextLength, 'qwen2.embedding_length': 3584 },
        capabilities: m.capabilities,
        template: m.capabilities.includes('insert') ? '{{- if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>{{ else }}{{ .Prompt }}{{ end }}' : '{{ .Prompt }}',
      });
    }
    if (path === '/api/embed') {
      const input = Array.isArray(b.input) ? (b.input as string[]) : [String(b.input ?? '')];
      if (!findModel(b.model as string)) return json(res, 404, { error: `model '${String(b.model)}' not found` });
      return json(res, 200, { model: b.model, embeddings: input.map((t) => embedText(t, dims)) });
    }
    if (path === '/api/chat') {
      if (!findModel(b.model as string)) return json(res, 404, { error: `model '${String(b.model)}' not found, try pulling it first` });
      const reply = queue.shift() ?? defaultReply(lastUserMessage(body));
      if (reply.status) return errorReply(res, reply, 'ollama');
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const line = (o: unknown) => res.write(JSON.stringify(o) + '\n');
      const at = () => new Date().toISOString();
      let out = 0;
      return stream(
        res,
        reply,
        (c) => {
          out++;
          line({ model: b.model, created_at: at(), message: { role: 'assistant', content: c }, done: false });
        },
        () => res.write('{"model": "broken", "message": {\n'),
        () => {
          if (reply.toolCalls?.length)
            line({
              model: b.model,
              created_at: at(),
              message: { role: 'assistant', content: '', tool_calls: reply.toolCalls.map((t) => ({ function: { name: t.name, arguments: typeof t.arguments === 'string' ? JSON.parse(t.arguments) : t.arguments } })) },
              done: false,
            });
          line({ model: b.model, created_at: at(), message: { role: 'assistant', content: '' }, done: true, done_reason: reply.finishReason ?? 'stop', prompt_eval_count: 42, eval_count: out });
          res.end();
        },
      );
    }
    // ---- Fill-in-the-middle
    if (path === '/api/generate') {
      if (!findModel(b.model as string)) return json(res, 404, { error: `model '${String(b.model)}' not found, try pulling it first` });
      const reply = nextFim(String(b.prompt ?? ''), String(b.suffix ?? ''), b.raw === true);
      if (reply.status) return errorReply(res, reply, 'ollama');
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const line = (o: unknown) => res.write(JSON.stringify(o) + '\n');
      const at = () => new Date().toISOString();
      let out = 0;
      return stream(
        res,
        reply,
        (c) => {
          out++;
          line({ model: b.model, created_at: at(), response: c, done: false });
        },
        () => res.write('{"model": "broken", "response": \n'),
        () => {
          line({ model: b.model, created_at: at(), response: '', done: true, done_reason: reply.finishReason ?? 'stop', prompt_eval_count: 42, eval_count: out });
          res.end();
        },
      );
    }
    if (path === '/v1/completions') {
      const reply = nextFim(String(b.prompt ?? ''), String(b.suffix ?? ''), b.suffix === undefined);
      if (reply.status) return errorReply(res, reply, 'openai');
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const base = { id: 'cmpl-standin', object: 'text_completion', created: 0, model: b.model };
      const event = (text: string, finish: string | null = null) => res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, text, logprobs: null, finish_reason: finish }] })}\n\n`);
      return stream(
        res,
        reply,
        (c) => event(c),
        () => res.write('data: {"id": "broken", "choices": [\n\n'),
        () => {
          event('', reply.finishReason ?? 'stop');
          res.write('data: [DONE]\n\n');
          res.end();
        },
      );
    }
    if (path === '/infill') {
      const reply = nextFim(String(b.input_prefix ?? ''), String(b.input_suffix ?? ''), false);
      if (reply.status) return errorReply(res, reply, 'openai');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const event = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
      return stream(
        res,
        reply,
        (c) => event({ content: c, stop: false }),
        () => res.write('data: {"content": \n\n'),
        () => {
          event({ content: '', stop: true, stopped_eos: reply.finishReason !== 'length', stopped_limit: reply.finishReason === 'length' });
          res.end();
        },
      );
    }
    // ---- OpenAI-compatible
    if (path === '/v1/models')
      return json(res, 200, { object: 'list', data: models.map((m) => ({ id: m.name, object: 'model', created: 0, owned_by: 'standin', max_model_len: m.contextLength })) });
    if (path === '/v1/embeddings') {
      const input = Array.isArray(b.input) ? (b.input as string[]) : [String(b.input ?? '')];
      return json(res, 200, { object: 'list', model: b.model, data: input.map((t, index) => ({ object: 'embedding', index, embedding: embedText(t, dims) })), usage: { prompt_tokens: 1, total_tokens: 1 } });
    }
    if (path === '/v1/chat/completions') {
      const reply = queue.shift() ?? defaultReply(lastUserMessage(body));
      if (reply.status) return errorReply(res, reply, 'openai');
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const base = { id: 'chatcmpl-standin', object: 'chat.completion.chunk', created: 0, model: b.model };
      const event = (delta: unknown, finish: string | null = null) => res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
      return stream(
        res,
        reply,
        (c) => event({ role: 'assistant', content: c }),
        () => res.write('data: {"id": "broken", "choices": [\n\n'),
        () => {
          (reply.toolCalls ?? []).forEach((t, index) => {
            const args = typeof t.arguments === 'string' ? t.arguments : JSON.stringify(t.arguments);
            const half = Math.ceil(args.length / 2);
            // Split arguments across deltas, as real servers do.
            event({ tool_calls: [{ index, id: `call_${index}`, type: 'function', function: { name: t.name, arguments: args.slice(0, half) } }] });
            event({ tool_calls: [{ index, function: { arguments: args.slice(half) } }] });
          });
          event({}, reply.finishReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'stop'));
          res.write('data: [DONE]\n\n');
          res.end();
        },
      );
    }
    // ---- Anthropic
    if (path === '/v1/messages') {
      const reply = queue.shift() ?? defaultReply(lastUserMessage(body));
      if (reply.status) return errorReply(res, reply, 'anthropic');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const ev = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
      ev('message_start', { message: { id: 'msg_standin', type: 'message', role: 'assistant', model: b.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 42, output_tokens: 0 } } });
      ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
      return stream(
        res,
        reply,
        (c) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: c } }),
        () => res.write('event: content_block_delta\ndata: {broken\n\n'),
        () => {
          ev('content_block_stop', { index: 0 });
          (reply.toolCalls ?? []).forEach((t, i) => {
            const index = i + 1;
            ev('content_block_start', { index, content_block: { type: 'tool_use', id: `toolu_${i}`, name: t.name, input: {} } });
            ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: typeof t.arguments === 'string' ? t.arguments : JSON.stringify(t.arguments) } });
            ev('content_block_stop', { index });
          });
          ev('message_delta', { delta: { stop_reason: reply.toolCalls?.length ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 7 } });
          ev('message_stop', {});
          res.end();
        },
      );
    }
    if (path === '/v1/models' || req.method === 'GET') return json(res, 404, { error: `no route ${path}` });
    json(res, 404, { error: `no route ${path}` });
  }

  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const waitFor = (pred: () => RecordedRequest | boolean | undefined, what: string, timeoutMs: number) =>
    new Promise<RecordedRequest | boolean>((resolve, reject) => {
      const check = () => {
        const v = pred();
        if (v) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`stand-in: ${what} did not happen within ${timeoutMs} ms`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get abortedRequests() {
      return requests.filter((r) => r.aborted).length;
    },
    script: (...replies) => queue.push(...replies),
    scriptFim: (...replies) => fimQueue.push(...replies),
    calls: (p) => requests.filter((r) => r.path === p),
    waitForAbort: async (p, timeoutMs = 10_000) => (await waitFor(() => requests.find((r) => r.path === p && r.aborted), `an aborted ${p} request`, timeoutMs)) as RecordedRequest,
    waitForRequests: async (p, count, timeoutMs = 10_000) => {
      await waitFor(() => requests.filter((r) => r.path === p).length >= count, `${count} request(s) to ${p}`, timeoutMs);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
