/**
 * Routes a role's request down its fallback chain. For each endpoint: the cloud policy is checked before any
 * connection, the endpoint's circuit breaker may skip it, the model's real window is resolved (endpoint config,
 * then the server's own report, then the registry), the caller fits its prompt to that window, and the call
 * runs with retries. The first endpoint that answers wins; once answer text has streamed there is no fallback
 * (it would repeat itself). Every failure is kept in `attempts` and endpoint health goes to status.
 */
import { trace } from '@opentelemetry/api';
import { ROLES, type Config, type Role } from '../../../shared/config/schema';
import type { Logger } from '../log';
import type { Secrets } from '../security/secrets';
import { withChatSpan, withEmbeddingsSpan } from '../telemetry/genai';
import type { Telemetry } from '../telemetry/telemetry';
import { AnthropicAdapter } from './anthropic';
import { CircuitBreaker } from './circuit-breaker';
import { checkEndpoint, isLoopbackHost } from '../security/endpoint-policy';
import { endpointKey, resolveChain, type ResolvedEndpoint } from './endpoints';
import { ModelError, type ModelErrorKind } from './errors';
import { OllamaAdapter } from './ollama';
import { OpenAiCompatibleAdapter } from './openai-compatible';
import { LlamaCppAdapter } from './llamacpp';
import { disposeLlamaRuntimes, sharedLlamaRuntime, type LlamaRuntime } from './llamacpp-runtime';
import { lookupModel } from './registry';
import { DEFAULT_RETRY, withRetries } from './retry';
import { chatWithTools, type ToolMode } from './tool-calls';
import type { ChatMessage, ChatResult, ModelAdapter, ModelInfo, ToolCall, ToolSpec } from './types';

/** When neither config, server nor registry knows a window: small enough to be safe on any model. */
export const FALLBACK_CONTEXT_LENGTH = 8_192;

export interface WindowInfo {
  endpoint: ResolvedEndpoint;
  contextLength: number;
  contextSource: 'config' | 'server' | 'registry' | 'fallback';
  toolMode: ToolMode;
  maxOutputTokens: number;
}

export interface ChatPlan {
  messages: ChatMessage[];
  promptTokens: number;
}

export interface Attempt {
  label: string;
  provider: string;
  baseUrl: string;
  model: string;
  kind: ModelErrorKind;
  error: string;
  retries: number;
}

export interface RoutedChat {
  result: ChatResult;
  toolCalls: ToolCall[];
  endpoint: ResolvedEndpoint;
  window: WindowInfo;
  attempts: Attempt[];
  repaired: boolean;
}

export interface RouterDeps {
  models: () => Config['models'];
  /** The index's embedder setting: the embed role's default endpoint when `roles.embed` is empty. */
  embeddings?: () => Config['embeddings'];
  secrets: Secrets;
  log: Logger;
  /** Called with one line per unhealthy endpoint whenever that set changes. */
  onHealth?: (reasons: string[]) => void;
  /** When given, every model call is a `chat {model}` span (GenAI conventions) with its token usage. */
  telemetry?: Telemetry;
}

export class ModelRouter {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly adapters = new Map<string, ModelAdapter>();
  private readonly health = new Map<string, string>();
  /** The embedded llama.cpp runtime, created on first use of a `llamacpp` endpoint (keyed by its settings). */
  private llama: { key: string; runtime: LlamaRuntime } | undefined;

  constructor(private readonly deps: RouterDeps) {}

  chain(role: Role): ResolvedEndpoint[] {
    return resolveChain(this.deps.models(), role, this.deps.embeddings?.());
  }

  breaker(ep: ResolvedEndpoint): CircuitBreaker {
    const key = endpointKey(ep);
    let b = this.breakers.get(key);
    if (!b) this.breakers.set(key, (b = new CircuitBreaker({ threshold: 3, cooldownMs: 30_000 })));
    return b;
  }

  /** Policy first: a refused endpoint gets no adapter, so nothing can connect to it. */
  adapter(ep: ResolvedEndpoint, timeoutMs?: number): ModelAdapter {
    const models = this.deps.models();
    if (ep.provider === 'llamacpp') return this.llamaAdapter(timeoutMs ?? models.timeoutMs);
    const decision = checkEndpoint(ep.baseUrl, models.allowCloud);
    if (!decision.allowed) throw new ModelError('policy', decision.reason, { endpoint: ep.baseUrl });
    const t = timeoutMs ?? models.timeoutMs;
    const key = `${endpointKey(ep)}|${models.allowCloud}|${t}|${this.deps.secrets.apiKey ? 'k' : '-'}`;
    let a = this.adapters.get(key);
    if (!a) {
      // Ollama needs no key on this machine; only a remote (proxied) Ollama gets it, so a cloud key is never
      // handed to a local server that did not ask for it.
      const sendKey = ep.provider !== 'ollama' || !isLoopbackHost(decision.url.hostname);
      const opts = { baseUrl: ep.baseUrl, allowCloud: models.allowCloud, timeoutMs: t, apiKey: sendKey ? this.deps.secrets.apiKey : undefined, log: this.deps.log };
      a = ep.provider === 'ollama' ? new OllamaAdapter(opts) : ep.provider === 'anthropic' ? new AnthropicAdapter(opts) : new OpenAiCompatibleAdapter(opts);
      this.adapters.set(key, a);
    }
    return a;
  }

  /** In-process GGUF models: no URL, no cloud policy (nothing leaves the process); node-llama-cpp loads lazily. */
  private llamaAdapter(timeoutMs: number): ModelAdapter {
    const models = this.deps.models();
    const settings = models.llamacpp;
    const runtimeKey = `${settings.threads}|${settings.gpu}`;
    if (this.llama?.key !== runtimeKey) {
      this.llama = { key: runtimeKey, runtime: sharedLlamaRuntime({ threads: settings.threads, gpu: settings.gpu, log: this.deps.log.child('llamacpp') }) };
      for (const k of [...this.adapters.keys()]) if (k.startsWith('llamacpp ')) this.adapters.delete(k);
    }
    const key = `llamacpp ${runtimeKey}|${timeoutMs}`;
    let a = this.adapters.get(key);
    if (!a) {
      const configured = () => {
        return ROLES.flatMap((role) => this.chain(role)).filter((e) => e.provider === 'llamacpp').map((e) => e.model);
      };
      a = new LlamaCppAdapter({ runtime: this.llama.runtime, configured, timeoutMs, log: this.deps.log });
      this.adapters.set(key, a);
    }
    return a;
  }

  /** The llama.cpp runtime, when one was started (doctor probes through it). */
  llamaRuntime(): LlamaRuntime {
    this.llamaAdapter(this.deps.models().timeoutMs);
    return this.llama!.runtime;
  }

  /** Frees in-process models (server shutdown). */
  async dispose(): Promise<void> {
    this.llama = undefined;
    await disposeLlamaRuntimes();
  }

  async window(ep: ResolvedEndpoint, adapter: ModelAdapter, signal: AbortSignal): Promise<WindowInfo> {
    const info: ModelInfo = await adapter.describe(ep.model, signal);
    const known = lookupModel(ep.model, ep.provider);
    const [contextLength, contextSource] = ep.contextLength
      ? [ep.contextLength, 'config' as const]
      : info.contextLength
        ? [info.contextLength, 'server' as const]
        : known
          ? [known.contextLength, 'registry' as const]
          : [FALLBACK_CONTEXT_LENGTH, 'fallback' as const];
    const native = info.toolCalls ?? known?.toolCalls ?? ep.provider !== 'ollama';
    const toolMode: ToolMode = ep.toolCalls === 'auto' ? (native ? 'native' : 'text') : ep.toolCalls;
    const maxOutputTokens = Math.min(this.deps.models().maxOutputTokens, Math.floor(contextLength / 2));
    return { endpoint: ep, contextLength, contextSource, toolMode, maxOutputTokens };
  }

  private setHealth(ep: ResolvedEndpoint, problem: string | undefined): void {
    const key = `${ep.label} (${ep.provider} ${ep.baseUrl} ${ep.model})`;
    const before = this.health.get(key);
    if (problem) this.health.set(key, problem);
    else this.health.delete(key);
    if (before !== problem) this.deps.onHealth?.([...this.health.entries()].map(([k, v]) => `model ${k}: ${v}`));
  }

  /** Runs `call` on each endpoint of the role's chain until one succeeds. */
  private async route<T>(role: Role, signal: AbortSignal, call: (ep: ResolvedEndpoint, adapter: ModelAdapter) => Promise<T>): Promise<{ value: T; endpoint: ResolvedEndpoint; attempts: Attempt[] }> {
    const chain = this.chain(role);
    if (!chain.length)
      throw new ModelError('unsupported', `no model is configured for the ${role} role: set nootropic.models.roles.${role}`);
    const attempts: Attempt[] = [];
    const models = this.deps.models();
    for (const ep of chain) {
      const base = { label: ep.label, provider: ep.provider, baseUrl: ep.baseUrl, model: ep.model };
      let adapter: ModelAdapter;
      try {
        adapter = this.adapter(ep);
      } catch (err) {
        const e = err as ModelError;
        attempts.push({ ...base, kind: e.kind, error: e.message, retries: 0 });
        this.setHealth(ep, e.message);
        this.deps.log.warn('model endpoint refused', { role, endpoint: ep.label, baseUrl: ep.baseUrl, reason: e.message });
        continue;
      }
      const breaker = this.breaker(ep);
      const gate = breaker.acquire();
      if (!gate.ok) {
        attempts.push({ ...base, kind: 'circuit-open', error: `skipped for another ${Math.ceil(gate.retryInMs / 1000)} s after repeated failures (${breaker.reason ?? 'unknown'})`, retries: 0 });
        continue;
      }
      let retries = 0;
      try {
        const value = await withRetries(() => call(ep, adapter), { ...DEFAULT_RETRY, maxRetries: models.maxRetries }, signal, (r) => {
          retries = r.attempt;
          this.deps.log.info('retrying model request', { role, endpoint: ep.label, attempt: r.attempt, delayMs: r.delayMs, error: r.error.message });
        });
        breaker.success();
        this.setHealth(ep, undefined);
        return { value, endpoint: ep, attempts };
      } catch (err) {
        const e = err instanceof ModelError ? err : new ModelError('other', err instanceof Error ? err.message : String(err));
        if (e.kind === 'cancelled' || signal.aborted) {
          breaker.release();
          throw new ModelError('cancelled', 'cancelled');
        }
        if (e.healthFailure) {
          breaker.failure(e.message);
          this.setHealth(ep, e.message);
        } else breaker.release();
        this.deps.log.warn('model request failed', { role, endpoint: ep.label, baseUrl: ep.baseUrl, model: ep.model, kind: e.kind, error: e.message, retries });
        attempts.push({ ...base, kind: e.kind, error: e.message, retries });
        if (e.details.outputStarted) throw new ModelError(e.kind, `${e.message} (the answer was cut off; no fallback once text has streamed)`, e.details);
      }
    }
    const kinds = new Set(attempts.map((a) => a.kind));
    const kind: ModelErrorKind = kinds.size === 1 ? attempts[0]!.kind : 'unreachable';
    const lines = attempts.map((a) => `${a.label} (${a.provider} ${a.baseUrl} ${a.model}): ${a.error}`);
    const err = new ModelError(kind, `no model for the ${role} role answered:\n  ${lines.join('\n  ')}`);
    (err as ModelError & { attempts?: Attempt[] }).attempts = attempts;
    throw err;
  }

  async chat(opts: {
    role: Exclude<Role, 'embed'>;
    signal: AbortSignal;
    prepare: (w: WindowInfo) => ChatPlan;
    onDelta?: (text: string) => void;
    tools?: ToolSpec[];
    temperature?: number;
  }): Promise<RoutedChat> {
    let window: WindowInfo | undefined;
    let repaired = false;
    let toolCalls: ToolCall[] = [];
    const routed = await this.route(opts.role, opts.signal, async (ep, adapter) => {
      const w = await this.window(ep, adapter, opts.signal);
      window = w;
      const plan = opts.prepare(w);
      const send = (req: { messages: ChatMessage[]; tools?: ToolSpec[] }) =>
        adapter.chat(ep.model, {
          messages: req.messages,
          ...(req.tools ? { tools: req.tools } : {}),
          maxOutputTokens: w.maxOutputTokens,
          contextLength: w.contextLength,
          promptTokens: plan.promptTokens,
          signal: opts.signal,
          ...(opts.onDelta ? { onDelta: opts.onDelta } : {}),
          ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
        });
      const call = async (): Promise<ChatResult> => {
        if (!opts.tools?.length) return send({ messages: plan.messages });
        const outcome = await chatWithTools(send, plan.messages, opts.tools, w.toolMode);
        repaired = outcome.repaired;
        toolCalls = outcome.toolCalls;
        return outcome.result;
      };
      const t = this.deps.telemetry;
      if (!t) return call();
      const traced = await withChatSpan(t, { provider: ep.provider, model: ep.model }, async (span) => {
        span.setAttributes({ 'nootropic.base_url': ep.baseUrl, 'nootropic.role': opts.role, 'nootropic.endpoint': ep.label });
        const result = await call();
        span.setAttribute('gen_ai.response.finish_reasons', [result.finishReason]);
        return { result, usage: { inputTokens: result.usage?.promptTokens ?? plan.promptTokens, ...(result.usage?.outputTokens !== undefined ? { outputTokens: result.usage.outputTokens } : {}) } };
      });
      return traced.result;
    });
    return { result: routed.value, toolCalls: opts.tools?.length ? toolCalls : routed.value.toolCalls, endpoint: routed.endpoint, window: window!, attempts: routed.attempts, repaired };
  }

  /** Embeddings down the embed chain: the same policy, breaker, retries and spans as every other model call. */
  async embed(inputs: string[], signal: AbortSignal): Promise<{ vectors: number[][]; endpoint: ResolvedEndpoint; attempts: Attempt[] }> {
    const routed = await this.route('embed', signal, async (ep, adapter) => {
      // A span under the request that asked (a query's embedding); the index's background batches would be
      // thousands of root spans pushing the runs' traces out of the trace store.
      const t = this.deps.telemetry;
      if (!t || !trace.getActiveSpan()) return adapter.embed(ep.model, inputs, signal);
      return withEmbeddingsSpan(t, { provider: ep.provider, model: ep.model }, async (span) => {
        span.setAttributes({ 'nootropic.base_url': ep.baseUrl, 'nootropic.role': 'embed', 'nootropic.endpoint': ep.label, 'nootropic.inputs': inputs.length });
        return adapter.embed(ep.model, inputs, signal);
      });
    });
    return { vectors: routed.value, endpoint: routed.endpoint, attempts: routed.attempts };
  }
}
