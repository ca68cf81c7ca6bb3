/**
 * GenAI semantic conventions (OpenTelemetry `gen_ai.*`): the span names and attributes agents, tools and model
 * calls use, so any OTel backend shows them the standard way.
 */
import { SpanKind, type Span } from '@opentelemetry/api';
import type { Telemetry } from './telemetry';

export interface ChatSpanInfo {
  provider: string;
  model: string;
}

export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
}

/** `chat {model}`: one model call. `fn` returns its token usage with its result. */
export function withChatSpan<T extends { usage?: TokenUsage }>(t: Telemetry, info: ChatSpanInfo, fn: (span: Span) => Promise<T>): Promise<T> {
  return t.withSpan(
    `chat ${info.model}`,
    { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': info.provider, 'gen_ai.request.model': info.model },
    async (span) => {
      const result = await fn(span);
      const u = result.usage;
      if (u?.inputTokens !== undefined) {
        span.setAttribute('gen_ai.usage.input_tokens', u.inputTokens);
        t.recordTokens(info.model, 'input', u.inputTokens);
      }
      if (u?.outputTokens !== undefined) {
        span.setAttribute('gen_ai.usage.output_tokens', u.outputTokens);
        t.recordTokens(info.model, 'output', u.outputTokens);
      }
      return result;
    },
    SpanKind.CLIENT,
  );
}

/** `invoke_agent {name}`: one agent step (planner, coder, critic, …). */
export function withAgentSpan<T>(t: Telemetry, agent: string, attributes: Record<string, string | number | boolean>, fn: (span: Span) => Promise<T>): Promise<T> {
  return t.withSpan(`invoke_agent ${agent}`, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': agent, ...attributes }, fn);
}

/** `execute_tool {name}`: a tool the agent ran (tests command, semgrep, an MCP tool, a plugin command). */
export function withToolSpan<T>(t: Telemetry, tool: string, attributes: Record<string, string | number | boolean>, fn: (span: Span) => Promise<T>): Promise<T> {
  return t.withSpan(`execute_tool ${tool}`, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool, ...attributes }, fn);
}

/** `embeddings {model}`: one embedding call (GenAI conventions). */
export function withEmbeddingsSpan<T>(t: Telemetry, info: ChatSpanInfo, fn: (span: Span) => Promise<T>): Promise<T> {
  return t.withSpan(`embeddings ${info.model}`, { 'gen_ai.operation.name': 'embeddings', 'gen_ai.provider.name': info.provider, 'gen_ai.request.model': info.model }, fn, SpanKind.CLIENT);
}
