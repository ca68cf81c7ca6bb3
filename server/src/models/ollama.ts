/**
 * Ollama through the official `ollama` client: `/api/chat` (NDJSON streaming), `/api/embed`, `/api/tags`,
 * `/api/show`. `num_ctx` is always sent: Ollama's default window (2k–4k tokens, depending on version) silently
 * truncates prompts, which alone took Aider's pass rate from 71% to 52%.
 */
import { Ollama, type Message, type Tool } from 'ollama';
import { z } from 'zod';
import type { Logger } from '../log';
import { toModelError } from './client-errors';
import { ModelError } from './errors';
import { createGuard, type Guard } from './guarded-fetch';
import type { ChatMessage, ChatRequest, ChatResult, FinishReason, ModelAdapter, ModelInfo, ToolCall, ToolSpec } from './types';

export interface HttpAdapterOptions {
  baseUrl: string;
  allowCloud: boolean;
  timeoutMs: number;
  apiKey?: string | undefined;
  log: Logger;
}

/** Smallest window that holds the prompt and the answer, in 1k steps, never above what the model has. */
export function numCtxFor(promptTokens: number, maxOutputTokens: number, contextLength: number): number {
  const need = Math.ceil((promptTokens + maxOutputTokens) / 1024) * 1024;
  return Math.max(Math.min(2048, contextLength), Math.min(contextLength, need));
}

function toOllamaMessages(messages: ChatMessage[]): Message[] {
  return messages.map((m) => {
    if (m.role === 'tool') return { role: 'tool', content: m.content, tool_name: m.toolName };
    if (m.role === 'assistant' && m.toolCalls?.length)
      return { role: 'assistant', content: m.content, tool_calls: m.toolCalls.map((c) => ({ function: { name: c.name, arguments: c.arguments } })) };
    return { role: m.role, content: m.content };
  });
}

function toOllamaTools(tools: ToolSpec[]): Tool[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: z.toJSONSchema(t.parameters) as Tool['function']['parameters'] },
  }));
}

function contextLengthOf(modelInfo: unknown): number | undefined {
  if (!modelInfo || typeof modelInfo !== 'object') return undefined;
  for (const [k, v] of Object.entries(modelInfo as Record<string, unknown>)) {
    if (k.endsWith('.context_length') && typeof v === 'number' && v > 0) return v;
  }
  return undefined;
}

export class OllamaAdapter implements ModelAdapter {
  readonly provider = 'ollama' as const;
  readonly baseUrl: string;
  private readonly described = new Map<string, ModelInfo>();

  constructor(private readonly opts: HttpAdapterOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
  }

  private client(guard: Guard): Ollama {
    const headers: Record<string, string> = this.opts.apiKey ? { Authorization: `Bearer ${this.opts.apiKey}` } : {};
    return new Ollama({ host: this.baseUrl, fetch: guard.fetch, headers });
  }

  private async call<T>(
    signal: AbortSignal,
    ndjson: boolean,
    fn: (client: Ollama, progress: { started: boolean }, warnings: string[]) => Promise<T>,
  ): Promise<T> {
    const warnings: string[] = [];
    const progress = { started: false };
    const guard = createGuard({
      allowCloud: this.opts.allowCloud,
      timeoutMs: this.opts.timeoutMs,
      signal,
      ndjson,
      onMalformed: (line) => {
        warnings.push(`skipped a malformed stream line: ${line.slice(0, 80)}`);
        this.opts.log.warn('malformed NDJSON line from ollama (skipped)', { endpoint: this.baseUrl, line: line.slice(0, 200) });
      },
    });
    try {
      return await fn(this.client(guard), progress, warnings);
    } catch (err) {
      const e = toModelError(err, guard, this.baseUrl, signal);
      // Once text reached the caller, a retry or fallback would repeat it: the failure is final.
      throw progress.started ? e.withOutputStarted() : e;
    } finally {
      guard.dispose();
    }
  }

  async listModels(signal: AbortSignal): Promise<ModelInfo[]> {
    return this.call(signal, false, async (client) => {
      const res = await client.list();
      return res.models.map((m) => ({
        name: m.name,
        provider: 'ollama' as const,
        ...(m.details?.quantization_level ? { quantization: m.details.quantization_level } : {}),
        ...(typeof m.size === 'number' ? { sizeBytes: m.size } : {}),
      }));
    });
  }

  async describe(model: string, signal: AbortSignal): Promise<ModelInfo> {
    const cached = this.described.get(model);
    if (cached) return cached;
    const info = await this.call(signal, false, async (client) => {
      const res = await client.show({ model });
      const caps = Array.isArray(res.capabilities) ? res.capabilities : [];
      const contextLength = contextLengthOf(res.model_info);
      return {
        name: model,
        provider: 'ollama' as const,
        capabilities: caps,
        toolCalls: caps.includes('tools'),
        kind: caps.includes('embedding') && !caps.includes('completion') ? ('embed' as const) : ('chat' as const),
        ...(contextLength ? { contextLength } : {}),
        ...(res.details?.quantization_level ? { quantization: res.details.quantization_level } : {}),
      };
    }).catch((err: unknown) => {
      if (err instanceof ModelError && err.kind === 'not-found')
        throw new ModelError('not-found', `model ${model} is not on ${this.baseUrl}: run \`ollama pull ${model}\``, { endpoint: this.baseUrl, status: 404 });
      throw err;
    });
    this.described.set(model, info);
    return info;
  }

  async chat(model: string, req: ChatRequest): Promise<ChatResult> {
    const numCtx = numCtxFor(req.promptTokens, req.maxOutputTokens, req.contextLength);
    const options = { num_ctx: numCtx, num_predict: req.maxOutputTokens, ...(req.temperature !== undefined ? { temperature: req.temperature } : {}) };
    return this.call(req.signal, true, async (client, progress, warnings) => {
      const stream = await client.chat({
        model,
        messages: toOllamaMessages(req.messages),
        stream: true,
        options,
        ...(req.tools?.length ? { tools: toOllamaTools(req.tools) } : {}),
      });
      let text = '';
      const toolCalls: ToolCall[] = [];
      let finish: FinishReason = 'other';
      let usage: ChatResult['usage'];
      let done = false;
      for await (const part of stream) {
        if ('error' in part && typeof (part as { error?: unknown }).error === 'string') {
          throw new ModelError('server', `${this.baseUrl}: ${(part as unknown as { error: string }).error}`, { endpoint: this.baseUrl });
        }
        const delta = part.message?.content ?? '';
        if (delta) {
          progress.started = true;
          text += delta;
          req.onDelta?.(delta);
        }
        for (const call of part.message?.tool_calls ?? []) {
          toolCalls.push({ id: `call_${toolCalls.length}`, name: call.function.name, arguments: call.function.arguments ?? {} });
        }
        if (part.done) {
          done = true;
          finish = toolCalls.length ? 'tool_calls' : part.done_reason === 'length' ? 'length' : 'stop';
          usage = { promptTokens: part.prompt_eval_count, outputTokens: part.eval_count };
        }
      }
      if (!done) throw new ModelError('reset', `${this.baseUrl} ended the stream before it was done`, { endpoint: this.baseUrl });
      return { text, toolCalls, finishReason: finish, ...(usage ? { usage } : {}), sent: { num_ctx: numCtx, num_predict: req.maxOutputTokens }, warnings };
    });
  }

  async embed(model: string, inputs: string[], signal: AbortSignal): Promise<number[][]> {
    return this.call(signal, false, async (client) => {
      const res = await client.embed({ model, input: inputs });
      if (!Array.isArray(res.embeddings) || res.embeddings.length !== inputs.length)
        throw new ModelError('malformed', `${this.baseUrl} returned ${res.embeddings?.length ?? 0} embeddings for ${inputs.length} inputs`, { endpoint: this.baseUrl });
      return res.embeddings;
    });
  }
}
