/**
 * The one interface every model provider sits behind. Callers (chat, ask, agents) never see a provider's
 * wire format: messages, tool calls and streaming deltas are normalised here, and every call takes an
 * AbortSignal that reaches the HTTP request.
 */
import type { z } from 'zod';
import type { Provider } from '../../../shared/config/schema';

export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; content: string; toolCallId: string; toolName: string };

/** A tool the model may call; its parameters are a zod schema (validated on receipt, sent as JSON Schema). */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: z.ZodObject;
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** Native tool definitions; absent when the caller uses the text protocol (tool-calls.ts). */
  tools?: ToolSpec[];
  maxOutputTokens: number;
  temperature?: number;
  /** The model's real context window, resolved by the router (endpoint config, server, registry). */
  contextLength: number;
  /** Estimated prompt size; Ollama's num_ctx is sized from it. */
  promptTokens: number;
  signal: AbortSignal;
  /** Called with each piece of answer text as it arrives. */
  onDelta?: (text: string) => void;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'other';

export interface ChatResult {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage?: { promptTokens?: number; outputTokens?: number };
  /** Provider-side parameters the adapter chose (e.g. num_ctx), for logs and tests. */
  sent: Record<string, unknown>;
  /** Things that went wrong but did not stop the answer (e.g. malformed stream lines skipped). */
  warnings: string[];
}

export interface ModelInfo {
  name: string;
  provider: Provider;
  contextLength?: number;
  toolCalls?: boolean;
  quantization?: string;
  sizeBytes?: number;
  kind?: 'chat' | 'embed';
  capabilities?: string[];
}

export interface ModelAdapter {
  readonly provider: Provider;
  readonly baseUrl: string;
  listModels(signal: AbortSignal): Promise<ModelInfo[]>;
  /** What the server says about one model (context length, tool support); undefined fields are unknown. */
  describe(model: string, signal: AbortSignal): Promise<ModelInfo>;
  chat(model: string, request: ChatRequest): Promise<ChatResult>;
  embed(model: string, inputs: string[], signal: AbortSignal): Promise<number[][]>;
}
