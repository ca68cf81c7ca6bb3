/**
 * Fill-in-the-middle over the three wire protocols local runtimes speak, each through the same guarded fetch as
 * chat (cloud policy before any connection, the caller's AbortSignal down to the HTTP request, stall timeout):
 *  - Ollama `/api/generate` with `suffix` (the official `ollama` client), or `raw` with a family template;
 *  - llama.cpp `llama-server` `/infill` (`input_prefix`, `input_suffix`, `input_extra` for other files' code);
 *  - OpenAI-compatible `/v1/completions` with `suffix` (the official `openai` client; vLLM, LM Studio, Tabby);
 * and in process on the embedded llama.cpp runtime (fim-llamacpp.ts), which has no wire and no cloud.
 * Streaming stops as soon as `onText` says the post-processor has its answer: the request is aborted then, so
 * the model stops generating too.
 */
import { Ollama } from 'ollama';
import { z } from 'zod';
import type { FimProtocolSetting, Provider } from '../../../shared/config/schema';
import { toModelError } from '../models/client-errors';
import { openAiClass } from '../models/openai-client';
import { ModelError } from '../models/errors';
import { createGuard, type Guard } from '../models/guarded-fetch';
import type { LlamaRuntime } from '../models/llamacpp-runtime';
import { llamaCppFim } from './fim-llamacpp';
import type { TemplateChoice } from './fim-templates';

/** The wire protocols, and `llamacpp`: the embedded runtime (always used for a `llamacpp` endpoint). */
export type FimProtocol = Exclude<FimProtocolSetting, 'auto'> | 'llamacpp';

export interface FimSnippet {
  /** Workspace-relative path. */
  filename: string;
  text: string;
}

export interface FimRequest {
  baseUrl: string;
  model: string;
  /** Text before the cursor, with the context snippets already in front (comment headers) — except for `/infill`. */
  prefix: string;
  suffix: string;
  /** The cursor's own text before it, without snippets (what `/infill` gets as `input_prefix`). */
  bareprefix: string;
  /** Other files' code for `/infill`'s `input_extra`. */
  extra: FimSnippet[];
  template: TemplateChoice;
  maxTokens: number;
  temperature: number;
  /** Context window to ask for (Ollama's num_ctx). */
  numCtx: number;
  allowCloud: boolean;
  apiKey?: string | undefined;
  timeoutMs: number;
  signal: AbortSignal;
  /** Called with the whole text so far after each chunk; true ends the stream (and the HTTP request). */
  onText?: (text: string) => boolean;
  /** Called once the request is on its way (for an embedded model: once generation starts), before any answer. */
  onRequest?: () => void;
  /** The embedded runtime, for protocol `llamacpp` (the model is the GGUF path). */
  llama?: LlamaRuntime;
}

export interface FimResult {
  text: string;
  /** `early`: the post-processor had its answer and the stream was cut. */
  finish: 'stop' | 'length' | 'early' | 'other';
  protocol: FimProtocol;
  /** What was sent besides the text (raw or native, stop strings), for logs and tests. */
  sent: Record<string, unknown>;
}

/** The protocol for an endpoint: explicit setting, else by provider. */
export function protocolFor(setting: FimProtocolSetting, provider: Provider): FimProtocol | undefined {
  // A GGUF in the server process has no HTTP endpoint: the wire protocol setting does not apply to it.
  if (provider === 'llamacpp') return 'llamacpp';
  if (setting !== 'auto') return setting;
  if (provider === 'ollama') return 'ollama';
  if (provider === 'openai') return 'openai-completions';
  return undefined;
}

/** llama-server's own routes live at the server root; a configured OpenAI base URL ends in `/v1`. */
function serverRoot(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
}

/** Runs `fn` with a guard whose signal also fires on an early stop; an early stop is a result, not an error. */
async function guarded<T>(req: FimRequest, ndjson: boolean, fn: (guard: Guard, stop: AbortController) => Promise<T>): Promise<T> {
  const stop = new AbortController();
  const signal = AbortSignal.any([req.signal, stop.signal]);
  const guard = createGuard({ allowCloud: req.allowCloud, timeoutMs: req.timeoutMs, signal, ndjson, ...(req.onRequest ? { onRequest: req.onRequest } : {}) });
  try {
    return await fn(guard, stop);
  } catch (err) {
    throw toModelError(err, guard, req.baseUrl, req.signal);
  } finally {
    guard.dispose();
  }
}

const stopsOf = (req: FimRequest) => (req.template.mode === 'raw' ? req.template.template.stop : []);
const promptOf = (req: FimRequest) => (req.template.mode === 'raw' ? req.template.template.render(req.prefix, req.suffix) : req.prefix);

async function ollamaFim(req: FimRequest): Promise<FimResult> {
  const raw = req.template.mode === 'raw';
  const sent = { raw, stop: stopsOf(req), num_predict: req.maxTokens, num_ctx: req.numCtx };
  return guarded(req, true, async (guard, stop) => {
    const headers: Record<string, string> = req.apiKey ? { Authorization: `Bearer ${req.apiKey}` } : {};
    const client = new Ollama({ host: req.baseUrl, fetch: guard.fetch, headers });
    const stream = await client.generate({
      model: req.model,
      prompt: promptOf(req),
      ...(raw ? { raw: true } : { suffix: req.suffix }),
      stream: true,
      options: { num_predict: req.maxTokens, temperature: req.temperature, num_ctx: req.numCtx, ...(sent.stop.length ? { stop: sent.stop } : {}) },
    });
    let text = '';
    for await (const part of stream) {
      if ('error' in part && typeof (part as { error?: unknown }).error === 'string')
        throw new ModelError('server', `${req.baseUrl}: ${(part as unknown as { error: string }).error}`, { endpoint: req.baseUrl });
      text += part.response ?? '';
      if (req.onText?.(text)) {
        stop.abort();
        return { text, finish: 'early' as const, protocol: 'ollama' as const, sent };
      }
      if (part.done) return { text, finish: part.done_reason === 'length' ? ('length' as const) : ('stop' as const), protocol: 'ollama' as const, sent };
    }
    throw new ModelError('reset', `${req.baseUrl} ended the stream before it was done`, { endpoint: req.baseUrl });
  });
}

async function openAiFim(req: FimRequest): Promise<FimResult> {
  const raw = req.template.mode === 'raw';
  const sent = { raw, stop: stopsOf(req), max_tokens: req.maxTokens };
  return guarded(req, false, async (guard, stop) => {
    const OpenAI = await openAiClass();
    const client = new OpenAI({ apiKey: req.apiKey ?? 'nootropic-no-key', baseURL: req.baseUrl, maxRetries: 0, timeout: req.timeoutMs * 4, fetch: guard.fetch, organization: null, project: null });
    const stream = await client.completions.create(
      {
        model: req.model,
        prompt: promptOf(req),
        ...(raw ? {} : { suffix: req.suffix }),
        max_tokens: req.maxTokens,
        temperature: req.temperature,
        stream: true,
        ...(sent.stop.length ? { stop: sent.stop.slice(0, 4) } : {}),
      },
      { signal: AbortSignal.any([req.signal, stop.signal]) },
    );
    let text = '';
    let finish: FimResult['finish'] | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      text += choice.text ?? '';
      if (req.onText?.(text)) {
        stop.abort();
        return { text, finish: 'early' as const, protocol: 'openai-completions' as const, sent };
      }
      if (choice.finish_reason) finish = choice.finish_reason === 'length' ? 'length' : 'stop';
    }
    if (!finish) throw new ModelError('reset', `${req.baseUrl} ended the stream without a finish reason`, { endpoint: req.baseUrl });
    return { text, finish, protocol: 'openai-completions' as const, sent };
  });
}

/** One `/infill` stream event (llama-server sends `data: {...}` lines). */
const InfillEvent = z.object({ content: z.string().default(''), stop: z.boolean().optional(), stopped_limit: z.boolean().optional() }).loose();

async function llamaServerFim(req: FimRequest): Promise<FimResult> {
  const url = `${serverRoot(req.baseUrl)}/infill`;
  const sent = { input_extra: req.extra.length, n_predict: req.maxTokens };
  return guarded(req, false, async (guard, stop) => {
    const res = await guard.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(req.apiKey ? { authorization: `Bearer ${req.apiKey}` } : {}) },
      body: JSON.stringify({
        input_prefix: req.bareprefix,
        input_suffix: req.suffix,
        input_extra: req.extra.map((e) => ({ filename: e.filename, text: e.text })),
        n_predict: req.maxTokens,
        temperature: req.temperature,
        stream: true,
        cache_prompt: true,
      }),
      signal: AbortSignal.any([req.signal, stop.signal]),
    });
    if (!res.ok || !res.body) {
      const body = await res.text().catch(() => '');
      throw toModelError({ status: res.status, error: body, headers: res.headers }, undefined, url, req.signal);
    }
    const decoder = new TextDecoder();
    let buffer = '';
    let text = '';
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          const data = line.startsWith('data:') ? line.slice(5).trim() : '';
          if (!data || data === '[DONE]') continue;
          let parsed: z.infer<typeof InfillEvent>;
          try {
            parsed = InfillEvent.parse(JSON.parse(data));
          } catch {
            throw new ModelError('malformed', `${url} sent an event that could not be parsed: ${data.slice(0, 80)}`, { endpoint: url });
          }
          text += parsed.content;
          if (req.onText?.(text)) {
            stop.abort();
            return { text, finish: 'early' as const, protocol: 'llama-server' as const, sent };
          }
          if (parsed.stop) return { text, finish: parsed.stopped_limit ? ('length' as const) : ('stop' as const), protocol: 'llama-server' as const, sent };
        }
      }
    } finally {
      reader.releaseLock();
    }
    throw new ModelError('reset', `${url} ended the stream before it was done`, { endpoint: url });
  });
}

export function fim(protocol: FimProtocol, req: FimRequest): Promise<FimResult> {
  if (protocol === 'ollama') return ollamaFim(req);
  if (protocol === 'llama-server') return llamaServerFim(req);
  if (protocol === 'llamacpp') {
    if (!req.llama) return Promise.reject(new ModelError('unsupported', 'the embedded llama.cpp runtime was not passed to fill-in-the-middle'));
    return llamaCppFim(req.llama, req);
  }
  return openAiFim(req);
}

/** Ollama models whose template has no `.Suffix` ignore `suffix`: they need a raw family template. */
export async function ollamaHasNativeFim(baseUrl: string, model: string, opts: { allowCloud: boolean; timeoutMs: number; signal: AbortSignal; apiKey?: string | undefined }): Promise<boolean> {
  const guard = createGuard({ allowCloud: opts.allowCloud, timeoutMs: opts.timeoutMs, signal: opts.signal });
  try {
    const headers: Record<string, string> = opts.apiKey ? { Authorization: `Bearer ${opts.apiKey}` } : {};
    const show = await new Ollama({ host: baseUrl, fetch: guard.fetch, headers }).show({ model });
    const caps: unknown = (show as { capabilities?: unknown }).capabilities;
    return (Array.isArray(caps) && caps.includes('insert')) || (typeof show.template === 'string' && show.template.includes('.Suffix'));
  } catch (err) {
    throw toModelError(err, guard, baseUrl, opts.signal);
  } finally {
    guard.dispose();
  }
}
