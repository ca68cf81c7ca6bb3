/**
 * Anthropic through the official `@anthropic-ai/sdk` (cloud: refused unless cloud use is opted into, like any
 * non-loopback endpoint). The key is always passed explicitly so the SDK never goes looking for credentials
 * in the environment or on disk; streaming events are folded into text deltas and tool calls.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { MessageParam, Tool } from '@anthropic-ai/sdk/resources/messages/messages';
import { z } from 'zod';
import { toModelError } from './client-errors';
import { ModelError } from './errors';
import { createGuard, type Guard } from './guarded-fetch';
import type { HttpAdapterOptions } from './ollama';
import type { ChatMessage, ChatRequest, ChatResult, FinishReason, ModelAdapter, ModelInfo, ToolCall, ToolSpec } from './types';

function split(messages: ChatMessage[]): { system: string; messages: MessageParam[] } {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
  const out: MessageParam[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    if (m.role === 'tool') out.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: m.toolCallId, content: m.content }] });
    else if (m.role === 'assistant' && m.toolCalls?.length)
      out.push({
        role: 'assistant',
        content: [
          ...(m.content ? [{ type: 'text' as const, text: m.content }] : []),
          ...m.toolCalls.map((c) => ({ type: 'tool_use' as const, id: c.id, name: c.name, input: c.arguments })),
        ],
      });
    else out.push({ role: m.role, content: m.content });
  }
  return { system, messages: out };
}

function toAnthropicTools(tools: ToolSpec[]): Tool[] {
  return tools.map((t) => ({ name: t.name, description: t.description, input_schema: z.toJSONSchema(t.parameters) as Tool['input_schema'] }));
}

function finishOf(reason: string | null | undefined): FinishReason {
  if (reason === 'tool_use') return 'tool_calls';
  if (reason === 'max_tokens' || reason === 'model_context_window_exceeded') return 'length';
  if (reason === 'end_turn' || reason === 'stop_sequence') return 'stop';
  return 'other';
}

export class AnthropicAdapter implements ModelAdapter {
  readonly provider = 'anthropic' as const;
  readonly baseUrl: string;

  constructor(private readonly opts: HttpAdapterOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
  }

  /** The SDK is loaded on first use: its module set-up is a measurable part of every server start otherwise. */
  private async client(guard: Guard): Promise<Anthropic> {
    if (!this.opts.apiKey)
      throw new ModelError('auth', 'Anthropic needs an API key: set NOOTROPIC_API_KEY (or the key in the editor) and opt into cloud use', { endpoint: this.baseUrl });
    const { default: Anthropic } = await import('@anthropic-ai/sdk');
    return new Anthropic({ apiKey: this.opts.apiKey, baseURL: this.baseUrl, maxRetries: 0, timeout: 60 * 60 * 1000, fetch: guard.fetch });
  }

  private async call<T>(signal: AbortSignal, fn: (client: Anthropic, progress: { started: boolean }) => Promise<T>): Promise<T> {
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
    return this.call(signal, async (client) => {
      const out: ModelInfo[] = [];
      for await (const m of client.models.list({}, { signal })) out.push({ name: m.id, provider: 'anthropic' });
      return out;
    });
  }

  async describe(model: string): Promise<ModelInfo> {
    // The models API says nothing about windows; the registry does (router.ts).
    return { name: model, provider: 'anthropic', toolCalls: true };
  }

  async chat(model: string, req: ChatRequest): Promise<ChatResult> {
    const { system, messages } = split(req.messages);
    return this.call(req.signal, async (client, progress) => {
      const stream = await client.messages.create(
        {
          model,
          max_tokens: req.maxOutputTokens,
          messages,
          stream: true,
          ...(system ? { system } : {}),
          ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
          ...(req.tools?.length ? { tools: toAnthropicTools(req.tools) } : {}),
        },
        { signal: req.signal },
      );
      let text = '';
      let stop: string | null | undefined;
      let usage: ChatResult['usage'];
      const blocks = new Map<number, { id: string; name: string; json: string }>();
      let ended = false;
      for await (const event of stream) {
        switch (event.type) {
          case 'message_start':
            usage = { promptTokens: event.message.usage?.input_tokens };
            break;
          case 'content_block_start':
            if (event.content_block.type === 'tool_use') blocks.set(event.index, { id: event.content_block.id, name: event.content_block.name, json: '' });
            break;
          case 'content_block_delta':
            if (event.delta.type === 'text_delta') {
              progress.started = true;
              text += event.delta.text;
              req.onDelta?.(event.delta.text);
            } else if (event.delta.type === 'input_json_delta') {
              const b = blocks.get(event.index);
              if (b) b.json += event.delta.partial_json;
            }
            break;
          case 'message_delta':
            stop = event.delta.stop_reason;
            usage = { ...usage, outputTokens: event.usage?.output_tokens };
            break;
          case 'message_stop':
            ended = true;
            break;
          default:
            break;
        }
      }
      if (!ended) throw new ModelError('reset', `${this.baseUrl} ended the stream before message_stop`, { endpoint: this.baseUrl });
      const toolCalls: ToolCall[] = [...blocks.values()].map((b) => {
        let args: unknown;
        try {
          args = b.json.trim() ? JSON.parse(b.json) : {};
        } catch {
          args = { __unparsed: b.json };
        }
        return { id: b.id, name: b.name, arguments: (args ?? {}) as Record<string, unknown> };
      });
      return { text, toolCalls, finishReason: toolCalls.length ? 'tool_calls' : finishOf(stop), ...(usage ? { usage } : {}), sent: { max_tokens: req.maxOutputTokens }, warnings: [] };
    });
  }

  async embed(): Promise<number[][]> {
    throw new ModelError('unsupported', 'Anthropic has no embeddings API: configure nootropic.models.roles.embed with an ollama or openai-compatible model', {
      endpoint: this.baseUrl,
    });
  }
}
