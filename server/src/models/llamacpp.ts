/**
 * Embedded llama.cpp: a GGUF file on disk run in the server process through node-llama-cpp (no model server).
 * The model is the file's path; listing is the configured GGUF files; the chat template comes from the GGUF
 * (node-llama-cpp's chat wrappers), answers stream token by token, and a cancelled request stops generation.
 * Tool calls use the text protocol (tool-calls.ts): the router sees `toolCalls: false` from describe().
 */
import type * as NodeLlamaCpp from 'node-llama-cpp';
import type { Logger } from '../log';
import { ModelError } from './errors';
import { checkGgufFile, LlamaRuntime } from './llamacpp-runtime';
import { numCtxFor } from './ollama';
import type { ChatMessage, ChatRequest, ChatResult, FinishReason, ModelAdapter, ModelInfo } from './types';

export interface LlamaCppAdapterOptions {
  runtime: LlamaRuntime;
  /** The GGUF paths the configuration names (what listModels reports). */
  configured: () => string[];
  /** Longest wait for the next token before the request counts as stalled (ms). */
  timeoutMs: number;
  log: Logger;
}

/** Our messages as node-llama-cpp chat history, ending with the empty model turn to generate. */
export function toChatHistory(messages: ChatMessage[]): NodeLlamaCpp.ChatHistoryItem[] {
  const history: NodeLlamaCpp.ChatHistoryItem[] = [];
  for (const m of messages) {
    if (m.role === 'system') history.push({ type: 'system', text: m.content });
    else if (m.role === 'user') history.push({ type: 'user', text: m.content });
    else if (m.role === 'assistant') history.push({ type: 'model', response: [m.content] });
    // Tool results go back as user turns: the text tool protocol needs no native tool-call support.
    else if (m.role === 'tool') history.push({ type: 'user', text: `Result of tool ${m.toolName} (call ${m.toolCallId}):\n${m.content}` });
  }
  history.push({ type: 'model', response: [] });
  return history;
}

function finishFrom(stopReason: string): FinishReason {
  if (stopReason === 'maxTokens') return 'length';
  if (stopReason === 'eogToken' || stopReason === 'stopGenerationTrigger' || stopReason === 'customStopTrigger') return 'stop';
  return 'other';
}

export class LlamaCppAdapter implements ModelAdapter {
  readonly provider = 'llamacpp' as const;
  readonly baseUrl = 'file:';

  constructor(private readonly opts: LlamaCppAdapterOptions) {}

  async listModels(signal: AbortSignal): Promise<ModelInfo[]> {
    const out: ModelInfo[] = [];
    for (const file of new Set(this.opts.configured())) {
      try {
        out.push(await this.describe(file, signal));
      } catch (err) {
        // A missing or broken file is not listed; describe() reports it for the model that names it.
        if (signal.aborted) throw err;
      }
    }
    return out;
  }

  async describe(model: string, signal: AbortSignal): Promise<ModelInfo> {
    const s = await this.opts.runtime.summary(model, signal);
    return {
      name: model,
      provider: 'llamacpp',
      ...(s.contextLength ? { contextLength: s.contextLength } : {}),
      ...(s.quantization ? { quantization: s.quantization } : {}),
      sizeBytes: s.sizeBytes,
      toolCalls: false,
      kind: 'chat',
      capabilities: ['completion', 'embedding', ...(s.hasChatTemplate ? ['chat-template'] : [])],
    };
  }

  async chat(model: string, req: ChatRequest): Promise<ChatResult> {
    if (req.tools?.length)
      throw new ModelError('unsupported', 'the embedded llama.cpp provider has no native tool calls: set toolCalls to "text" (or "auto") for this model');
    if (req.signal.aborted) throw new ModelError('cancelled', 'cancelled');
    const runtime = this.opts.runtime;
    const loaded = await runtime.model(model, req.signal);
    return runtime.exclusive(loaded, req.signal, async () => {
      const window = Math.min(req.contextLength, loaded.model.trainContextSize);
      const history = toChatHistory(req.messages);
      // The real token count of the templated prompt (the router's figure is an estimate); llama.cpp would
      // otherwise shift (silently drop) the start of a prompt that does not fit.
      const promptTokens = loaded.wrapper.generateContextState({ chatHistory: history }).contextText.tokenize(loaded.model.tokenizer).length;
      if (promptTokens >= window)
        throw new ModelError('too-large', `the prompt (${promptTokens} tokens) does not fit ${loaded.path}'s ${window}-token window`);
      const { context, chat } = await runtime.chatContext(loaded, numCtxFor(promptTokens, req.maxOutputTokens, window));
      const maxTokens = Math.max(1, Math.min(req.maxOutputTokens, context.contextSize - promptTokens));

      // Our own controller: the caller's signal and the stall timer both stop generation.
      const controller = new AbortController();
      let stalled = false;
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          stalled = true;
          controller.abort();
        }, this.opts.timeoutMs);
      };
      const onAbort = () => controller.abort();
      req.signal.addEventListener('abort', onAbort, { once: true });
      let text = '';
      let outputTokens = 0;
      arm();
      try {
        const res = await chat.generateResponse(history, {
          maxTokens,
          ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
          signal: controller.signal,
          stopOnAbortSignal: false,
          onToken: (tokens) => {
            outputTokens += tokens.length;
            arm();
          },
          onTextChunk: (chunk) => {
            if (!chunk) return;
            text += chunk;
            req.onDelta?.(chunk);
          },
        });
        const finishReason = finishFrom(res.metadata.stopReason);
        return {
          text: res.response || text,
          toolCalls: [],
          finishReason,
          usage: { promptTokens, outputTokens },
          sent: { contextSize: context.contextSize, maxTokens, threads: runtime.threads, chatWrapper: chat.chatWrapper.wrapperName },
          warnings: [],
        };
      } catch (err) {
        if (req.signal.aborted) throw new ModelError('cancelled', 'cancelled');
        const e = stalled
          ? new ModelError('timeout', `llama.cpp produced no token for ${this.opts.timeoutMs} ms on ${loaded.path}`)
          : err instanceof ModelError
            ? err
            : new ModelError('other', `llama.cpp failed on ${loaded.path}: ${err instanceof Error ? err.message : String(err)}`);
        throw text ? e.withOutputStarted() : e;
      } finally {
        clearTimeout(timer);
        req.signal.removeEventListener('abort', onAbort);
      }
    });
  }

  async embed(model: string, inputs: string[], signal: AbortSignal): Promise<number[][]> {
    if (signal.aborted) throw new ModelError('cancelled', 'cancelled');
    const runtime = this.opts.runtime;
    const loaded = await runtime.model(model, signal);
    return runtime.exclusive(loaded, signal, async () => {
      const ctx = await runtime.embeddingContext(loaded);
      const limit = Math.min(loaded.model.trainContextSize, 2048);
      const out: number[][] = [];
      for (const input of inputs) {
        if (signal.aborted) throw new ModelError('cancelled', 'cancelled');
        // Longer inputs are cut to the context (as embedding servers do), not refused.
        const tokens = loaded.model.tokenize(input).slice(0, limit);
        const e = await ctx.getEmbeddingFor(tokens.length ? tokens : loaded.model.tokenize(' '));
        out.push([...e.vector]);
      }
      return out;
    });
  }
}

/** For doctor: is this configured GGUF usable here (file, header, node-llama-cpp, binary)? */
export async function probeLlamaCpp(runtime: LlamaRuntime, file: string, signal: AbortSignal): Promise<{ ok: true; detail: string } | { ok: false; error: string }> {
  try {
    checkGgufFile(file);
    const s = await runtime.summary(file, signal);
    const llama = await runtime.instance();
    const parts = [s.architecture, s.quantization, s.contextLength ? `${s.contextLength}-token window` : undefined, llama.gpu ? `gpu ${llama.gpu}` : 'cpu', `${runtime.threads} threads`];
    return { ok: true, detail: parts.filter(Boolean).join(', ') };
  } catch (err) {
    if (signal.aborted) throw err;
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
