/**
 * Any OpenAI-compatible server through the official `openai` client and a base URL: OpenAI itself, llama.cpp's
 * `llama-server`, LM Studio, vLLM, Tabby. SSE streaming with tool-call deltas assembled by index; the client's
 * own retries are off because the router owns retry, backoff and fallback.
 */
import type OpenAI from 'openai';
import { openAiClass } from './openai-client';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { z } from 'zod';
import { toModelError } from './client-errors';
import { ModelError } from './errors';
import { createGuard, type Guard } from './guarded-fetch';
import type { HttpAdapterOptions } from './ollama';
import type { ChatMessage, ChatRequest, ChatResult, FinishReason, ModelAdapter, ModelInfo, ToolCall, ToolSpec } from './types';

/** Local servers ignore the key, but the client insists on one; never fall back to OPENAI_API_KEY silently. */
const NO_KEY = 'nootropic-no-key';

function toOpenAiMessages(messages: ChatMessage[]): ChatCompletionMessageParam[] {
  return messages.map((m): ChatCompletionMessageParam => {
    if (m.role === 'tool') return { role: 'tool', content: m.content, tool_call_id: m.toolCallId };
    if (m.role === 'assistant')
      return m.toolCalls?.length
        ? {
            role: 'assistant',
            content: m.content || null,
            tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: JSON.stringify(c.arguments) } })),
          }
        : { role: 'assistant', content: m.content };
    return { role: m.role, content: m.content };
  });
}

function toOpenAiTools(tools: ToolSpec[]): ChatCompletionTool[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: z.toJSONSchema(t.parameters) as Record<string, unknown> },
  }));
}

/** Servers that report a window do so under different names (vLLM, LM Studio, llama-server). */
function contextLengthOf(model: Record<string, unknown>): number | undefined {
  for (const key of ['context_length', 'max_model_len', 'max_context_length', 'context_window']) {
    const v = model[key];
    if (typeof v === 'number' && v > 0) return v;
  }
  const meta = model.meta as Record<string, unknown> | undefined;
  if (meta && typeof meta.n_ctx === 'number') return meta.n_ctx;
  if (meta && typeof meta.n_ctx_train === 'number') return meta.n_ctx_train;
  return undefined;
}

function finishOf(reason: string | null | undefined, toolCalls: number): FinishReason {
  if (toolCalls > 0 || reason === 'tool_calls') return 'tool_calls';
  if (reason === 'length') return 'length';
  if (reason === 'stop') return 'stop';
  return 'other';
}

export class OpenAiCompatibleAdapter implements ModelAdapter {
  readonly provider = 'openai' as const;
  readonly baseUrl: string;
  private listed: ModelInfo[] | undefined;

  constructor(private readonly opts: HttpAdapterOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
  }

  private async client(guard: Guard): Promise<OpenAI> {
    const OpenAI = await openAiClass();
    return new OpenAI({
      apiKey: this.opts.apiKey ?? NO_KEY,
      baseURL: this.baseUrl,
      maxRetries: 0,
      // The guard enforces the stall timeout per chunk; this only bounds a request that trickles forever.
      timeout: 60 * 60 * 1000,
      fetch: guard.fetch,
      organization: null,
      project: null,
    });
  }

  private async call<T>(signal: AbortSignal, fn: (client: OpenAI, progress: { started: boolean }) => Promise<T>): Promise<T> {
    const guard = createGuard({ allowCloud: this.opts.allowCloud, timeoutMs: this.opts.timeoutMs, signal });
    const progress = { started: false };
    try {
      return await fn(await this.client(guard), progress);
    } catch (err) {
      const e = toModelError(err, guard, this.baseUrl, signal);
      throw progress.started ? e.withOutputStarted() : e;
    } finally {
      guard.dispose();
    }
  }

  async listModels(signal: AbortSignal): Promise<ModelInfo[]> {
    const models = await this.call(signal, async (client) => {
      const out: ModelInfo[] = [];
      for await (const m of client.models.list({ signal })) {
        const ctx = contextLengthOf(m as unknown as Record<string, unknown>);
        out.push({ name: m.id, provider: 'openai', ...(ctx ? { contextLength: ctx } : {}) });
      }
      return out;
    });
    this.listed = models;
    return models;
  }

  async describe(model: string, signal: AbortSignal): Promise<ModelInfo> {
    const list = this.listed ?? (await this.listModels(signal));
    const found = list.find((m) => m.name === model);
    // Many servers serve whatever model is loaded under any name: an unlisted name is not an error by itself.
    return found ?? { name: model, provider: 'openai' };
  }

  async chat(model: string, req: ChatRequest): Promise<ChatResult> {
    return this.call(req.signal, async (client, progress) => {
      const stream = await client.chat.completions.create(
        {
          model,
          messages: toOpenAiMessages(req.messages),
          stream: true,
          max_tokens: req.maxOutputTokens,
          ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
          ...(req.tools?.length ? { tools: toOpenAiTools(req.tools) } : {}),
        },
        { signal: req.signal },
      );
      let text = '';
      let finish: string | null | undefined;
      let usage: ChatResult['usage'];
      const partial = new Map<number, { id: string; name: string; args: string }>();
      for await (const chunk of stream) {
        if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens };
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const delta = choice.delta?.content ?? '';
        if (delta) {
          progress.started = true;
          text += delta;
          req.onDelta?.(delta);
        }
        for (const tc of choice.delta?.tool_calls ?? []) {
          const cur = partial.get(tc.index) ?? { id: '', name: '', args: '' };
          if (tc.id) cur.id = tc.id;
          if (tc.function?.name) cur.name += tc.function.name;
          if (tc.function?.arguments) cur.args += tc.function.arguments;
          partial.set(tc.index, cur);
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
      if (finish === undefined) throw new ModelError('reset', `${this.baseUrl} ended the stream without a finish reason`, { endpoint: this.baseUrl });
      const toolCalls: ToolCall[] = [];
      for (const [index, c] of [...partial.entries()].sort((a, b) => a[0] - b[0])) {
        let args: unknown;
        try {
          args = c.args.trim() ? JSON.parse(c.args) : {};
        } catch {
          // Left for the tool-call validator, which asks the model to repair it.
          args = { __unparsed: c.args };
        }
        toolCalls.push({ id: c.id || `call_${index}`, name: c.name, arguments: (args ?? {}) as Record<string, unknown> });
      }
      return { text, toolCalls, finishReason: finishOf(finish, toolCalls.length), ...(usage ? { usage } : {}), sent: { max_tokens: req.maxOutputTokens }, warnings: [] };
    });
  }

  async embed(model: string, inputs: string[], signal: AbortSignal): Promise<number[][]> {
    return this.call(signal, async (client) => {
      // Plain floats: the SDK's default (base64) is not understood by every OpenAI-compatible local server.
      const res = await client.embeddings.create({ model, input: inputs, encoding_format: 'float' }, { signal });
      const data = [...res.data].sort((a, b) => a.index - b.index);
      if (data.length !== inputs.length)
        throw new ModelError('malformed', `${this.baseUrl} returned ${data.length} embeddings for ${inputs.length} inputs`, { endpoint: this.baseUrl });
      return data.map((d) => d.embedding);
    });
  }
}
