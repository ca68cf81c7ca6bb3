/**
 * Role → fallback chain of endpoints, from configuration. The old single-endpoint keys
 * (`models.provider/baseUrl/model`) remain the default chat endpoint; `edit` and `plan` fall back to the chat
 * chain; `embed` defaults to the index's embedder setting (`nootropic.embeddings.provider/model/baseUrl`) when that
 * names an endpoint or a GGUF file, and otherwise has none (search then runs lexical-only, and says so).
 */
import type { Config, EndpointConfig, Provider, Role } from '../../../shared/config/schema';

export interface ResolvedEndpoint {
  role: Role;
  /** Position in the role's chain (0 = primary). */
  index: number;
  provider: Provider;
  baseUrl: string;
  model: string;
  contextLength?: number;
  toolCalls: 'auto' | 'native' | 'text';
  /** "chat", "chat fallback 1": how people and status lines name it. */
  label: string;
}

export const DEFAULT_BASE_URLS: Record<Provider, string> = {
  ollama: 'http://127.0.0.1:11434',
  openai: 'http://127.0.0.1:8080/v1',
  anthropic: 'https://api.anthropic.com',
  llamacpp: 'file:',
};

function resolveOne(models: Config['models'], role: Role, index: number, ep: EndpointConfig): ResolvedEndpoint {
  const provider = ep.provider ?? models.provider;
  // An embedded GGUF has no URL: whatever baseUrl the default endpoint has belongs to another provider.
  const baseUrl = provider === 'llamacpp' ? DEFAULT_BASE_URLS.llamacpp : (ep.baseUrl ?? (provider === models.provider ? models.baseUrl : DEFAULT_BASE_URLS[provider]));
  return {
    role,
    index,
    provider,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    model: ep.model,
    ...(ep.contextLength ? { contextLength: ep.contextLength } : {}),
    toolCalls: ep.toolCalls ?? 'auto',
    label: index === 0 ? role : `${role} fallback ${index}`,
  };
}

/**
 * A role's chain. `embeddings` (the index's embedder setting) is the embed role's default, the way
 * `models.provider/baseUrl/model` is chat's: `ollama`/`openai` on `embeddings.baseUrl` (else `models.baseUrl`),
 * `llamacpp` on a GGUF file. `transformers` runs in the index itself and `none` is lexical-only: no endpoint.
 */
export function resolveChain(models: Config['models'], role: Role, embeddings?: Config['embeddings']): ResolvedEndpoint[] {
  const own = models.roles[role];
  if (own.length) return own.map((ep, i) => resolveOne(models, role, i, ep));
  if (role === 'embed') {
    const e = embeddings;
    if (!e?.model || (e.provider !== 'ollama' && e.provider !== 'openai' && e.provider !== 'llamacpp')) return [];
    return [resolveOne(models, 'embed', 0, { provider: e.provider, model: e.model, ...(e.provider === 'llamacpp' ? {} : { baseUrl: e.baseUrl || models.baseUrl }) })];
  }
  if (role === 'chat') return [resolveOne(models, 'chat', 0, { model: models.model })];
  return resolveChain(models, 'chat').map((ep) => ({ ...ep, role, label: ep.index === 0 ? role : `${role} fallback ${ep.index}` }));
}

/** Stable identity of an endpoint for breakers and health (provider + URL: one server, one breaker). */
export function endpointKey(ep: Pick<ResolvedEndpoint, 'provider' | 'baseUrl'>): string {
  return `${ep.provider} ${ep.baseUrl}`;
}
