// The adapters against the stand-in: the official clients over real HTTP, wire formats as servers send them.
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../../server/src/log';
import { AnthropicAdapter } from '../../../server/src/models/anthropic';
import { ModelError } from '../../../server/src/models/errors';
import { numCtxFor, OllamaAdapter } from '../../../server/src/models/ollama';
import { OpenAiCompatibleAdapter } from '../../../server/src/models/openai-compatible';
import type { ChatRequest } from '../../../server/src/models/types';
import { startModelStandin, type Standin } from '../../support/model-standin';

let standin: Standin;
afterEach(async () => standin?.close());

const logs: string[] = [];
const log = createLogger((l) => logs.push(l), 'debug');
const opts = (baseUrl: string, extra: Partial<{ timeoutMs: number; apiKey: string }> = {}) => ({ baseUrl, allowCloud: false, timeoutMs: 5_000, log, ...extra });

function request(extra: Partial<ChatRequest> = {}): ChatRequest {
  return {
    messages: [{ role: 'user', content: 'hello there' }],
    maxOutputTokens: 256,
    contextLength: 32_768,
    promptTokens: 1_500,
    signal: new AbortController().signal,
    ...extra,
  };
}

const ReadFile = { name: 'read_file', description: 'read a file', parameters: z.object({ path: z.string() }) };

describe('num_ctx', () => {
  it('is sized from the prompt and the answer, in 1k steps, capped at the model window, never below 2k', () => {
    expect(numCtxFor(1_500, 256, 32_768)).toBe(2_048);
    expect(numCtxFor(5_000, 1_024, 32_768)).toBe(6_144);
    expect(numCtxFor(40_000, 1_024, 32_768)).toBe(32_768);
    expect(numCtxFor(10, 10, 1_024)).toBe(1_024);
  });
});

describe('OllamaAdapter', () => {
  it('streams /api/chat NDJSON deltas and always sends num_ctx from the real window and prompt size', async () => {
    standin = await startModelStandin({ replies: [{ chunks: ['Hel', 'lo ', 'world'] }] });
    const a = new OllamaAdapter(opts(standin.url));
    const info = await a.describe('qwen2.5-coder:7b', new AbortController().signal);
    expect(info).toMatchObject({ contextLength: 32_768, toolCalls: true, quantization: 'Q4_K_M' });
    const deltas: string[] = [];
    const res = await a.chat('qwen2.5-coder:7b', request({ contextLength: info.contextLength!, promptTokens: 5_000, onDelta: (d) => deltas.push(d) }));
    expect(deltas).toEqual(['Hel', 'lo ', 'world']);
    expect(res.text).toBe('Hello world');
    expect(res.finishReason).toBe('stop');
    const body = standin.calls('/api/chat')[0]!.body as { options: { num_ctx: number; num_predict: number }; stream: boolean };
    expect(body.stream).toBe(true);
    expect(body.options.num_ctx).toBe(6_144);
    expect(body.options.num_predict).toBe(256);
    expect(res.sent.num_ctx).toBe(6_144);
  });

  it('normalises native tool calls and sends tools as JSON Schema', async () => {
    standin = await startModelStandin({ replies: [{ text: '', toolCalls: [{ name: 'read_file', arguments: { path: 'a.ts' } }] }] });
    const res = await new OllamaAdapter(opts(standin.url)).chat('qwen2.5-coder:7b', request({ tools: [ReadFile] }));
    expect(res.toolCalls).toEqual([{ id: 'call_0', name: 'read_file', arguments: { path: 'a.ts' } }]);
    expect(res.finishReason).toBe('tool_calls');
    const body = standin.calls('/api/chat')[0]!.body as { tools: { function: { name: string; parameters: { properties: object } } }[] };
    expect(body.tools[0]!.function.name).toBe('read_file');
    expect(body.tools[0]!.function.parameters.properties).toHaveProperty('path');
  });

  it('skips a malformed NDJSON line, keeps the answer and says so', async () => {
    standin = await startModelStandin({ replies: [{ chunks: ['a', 'b', 'c'], malformedAfter: 1 }] });
    const res = await new OllamaAdapter(opts(standin.url)).chat('qwen2.5-coder:7b', request());
    expect(res.text).toBe('abc');
    expect(res.warnings.join()).toContain('malformed');
    expect(logs.some((l) => l.includes('malformed NDJSON line'))).toBe(true);
  });

  it('lists models, embeds, and names the pull command for a missing model', async () => {
    standin = await startModelStandin({ models: ['qwen2.5-coder:7b', 'nomic-embed-text'] });
    const a = new OllamaAdapter(opts(standin.url));
    const signal = new AbortController().signal;
    expect((await a.listModels(signal)).map((m) => m.name)).toEqual(['qwen2.5-coder:7b', 'nomic-embed-text']);
    const vectors = await a.embed('nomic-embed-text', ['x', 'y'], signal);
    expect(vectors).toHaveLength(2);
    expect(vectors[0]).toHaveLength(8);
    await expect(a.describe('nope:1b', signal)).rejects.toMatchObject({ kind: 'not-found', message: expect.stringContaining('ollama pull nope:1b') });
  });

  it('cancelling mid-stream aborts the HTTP request (the server sees the connection close)', async () => {
    standin = await startModelStandin({ replies: [{ chunks: ['one ', 'two ', 'three'], stallAfter: 2 }] });
    const controller = new AbortController();
    const deltas: string[] = [];
    const pending = new OllamaAdapter(opts(standin.url)).chat(
      'qwen2.5-coder:7b',
      request({ signal: controller.signal, onDelta: (d) => (deltas.push(d), deltas.length === 2 && controller.abort()) }),
    );
    await expect(pending).rejects.toMatchObject({ kind: 'cancelled' });
    const aborted = await standin.waitForAbort('/api/chat');
    expect(aborted.completed).toBe(false);
    expect(deltas).toEqual(['one ', 'two ']);
  });

  it('a stalled stream times out with a message naming the setting', async () => {
    standin = await startModelStandin({ replies: [{ chunks: ['x', 'y'], stallAfter: 1 }] });
    const started = Date.now();
    const err = await new OllamaAdapter(opts(standin.url, { timeoutMs: 300 })).chat('qwen2.5-coder:7b', request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect(err).toMatchObject({ kind: 'timeout', message: expect.stringContaining('nootropic.models.timeoutMs') });
    expect((err as ModelError).details.outputStarted).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    await standin.waitForAbort('/api/chat');
  });

  it('maps HTTP 429 and 500 to retryable errors', async () => {
    standin = await startModelStandin({ replies: [{ status: 429 }, { status: 500 }] });
    const a = new OllamaAdapter(opts(standin.url));
    await expect(a.chat('qwen2.5-coder:7b', request())).rejects.toMatchObject({ kind: 'rate-limited', retryable: true });
    await expect(a.chat('qwen2.5-coder:7b', request())).rejects.toMatchObject({ kind: 'server', retryable: true });
  });
});

describe('OpenAiCompatibleAdapter', () => {
  it('streams SSE deltas and assembles tool calls split across chunks', async () => {
    standin = await startModelStandin({
      replies: [{ chunks: ['Let me ', 'look.'], toolCalls: [{ name: 'read_file', arguments: { path: 'src/a.ts' } }] }],
    });
    const deltas: string[] = [];
    const res = await new OpenAiCompatibleAdapter(opts(`${standin.url}/v1`)).chat('qwen2.5-coder:7b', request({ tools: [ReadFile], onDelta: (d) => deltas.push(d) }));
    expect(deltas).toEqual(['Let me ', 'look.']);
    expect(res.toolCalls).toEqual([{ id: 'call_0', name: 'read_file', arguments: { path: 'src/a.ts' } }]);
    expect(res.finishReason).toBe('tool_calls');
    const body = standin.calls('/v1/chat/completions')[0]!.body as { stream: boolean; max_tokens: number; tools: unknown[] };
    expect(body).toMatchObject({ stream: true, max_tokens: 256 });
    expect(body.tools).toHaveLength(1);
  });

  it('reads the window from /v1/models (vLLM max_model_len) and embeds', async () => {
    standin = await startModelStandin({ models: [{ name: 'coder', contextLength: 16_384 }, 'nomic-embed-text'] });
    const a = new OpenAiCompatibleAdapter(opts(`${standin.url}/v1`));
    const signal = new AbortController().signal;
    expect(await a.describe('coder', signal)).toMatchObject({ contextLength: 16_384 });
    expect(await a.embed('nomic-embed-text', ['a', 'b', 'c'], signal)).toHaveLength(3);
  });

  it('a malformed SSE chunk after some text is a malformed error that forbids a fallback', async () => {
    standin = await startModelStandin({ replies: [{ chunks: ['a', 'b'], malformedAfter: 1 }] });
    const err = await new OpenAiCompatibleAdapter(opts(`${standin.url}/v1`)).chat('m', request()).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'malformed' });
    expect((err as ModelError).details.outputStarted).toBe(true);
  });

  it('passes Retry-After through on 429', async () => {
    standin = await startModelStandin({ replies: [{ status: 429, retryAfter: '2' }] });
    const err = await new OpenAiCompatibleAdapter(opts(`${standin.url}/v1`)).chat('m', request()).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'rate-limited', details: { status: 429, retryAfterMs: 2_000 } });
  });

  it('cancelling mid-stream closes the HTTP stream', async () => {
    standin = await startModelStandin({ replies: [{ chunks: ['a', 'b', 'c'], stallAfter: 1 }] });
    const controller = new AbortController();
    const pending = new OpenAiCompatibleAdapter(opts(`${standin.url}/v1`)).chat('m', request({ signal: controller.signal, onDelta: () => controller.abort() }));
    await expect(pending).rejects.toMatchObject({ kind: 'cancelled' });
    await standin.waitForAbort('/v1/chat/completions');
  });
});

describe('AnthropicAdapter', () => {
  it('streams text and tool_use blocks through the official SDK, sending the key', async () => {
    standin = await startModelStandin({ replies: [{ chunks: ['Hi', '!'], toolCalls: [{ name: 'read_file', arguments: { path: 'x' } }] }] });
    const deltas: string[] = [];
    const res = await new AnthropicAdapter(opts(standin.url, { apiKey: 'sk-ant-test-0123456789' })).chat(
      'claude-3-5-haiku-latest',
      request({ messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello' }], tools: [ReadFile], onDelta: (d) => deltas.push(d) }),
    );
    expect(deltas).toEqual(['Hi', '!']);
    expect(res.toolCalls).toEqual([{ id: 'toolu_0', name: 'read_file', arguments: { path: 'x' } }]);
    const call = standin.calls('/v1/messages')[0]!;
    // SDK 1.x sends the key as a bearer token (older ones used x-api-key).
    expect([call.headers['x-api-key'], call.headers.authorization]).toContainEqual(expect.stringContaining('sk-ant-test-0123456789'));
    expect(call.body).toMatchObject({ system: 'be brief', stream: true });
  });

  it('refuses to run without a key and has no embeddings', async () => {
    standin = await startModelStandin();
    const a = new AnthropicAdapter(opts(standin.url));
    await expect(a.chat('claude', request())).rejects.toMatchObject({ kind: 'auth', message: expect.stringContaining('NOOTROPIC_API_KEY') });
    await expect(a.embed()).rejects.toMatchObject({ kind: 'unsupported' });
    expect(standin.requests).toHaveLength(0);
  });
});
