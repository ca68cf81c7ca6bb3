/**
 * Doctor's probe of the completion endpoint: one real fill-in-the-middle request (a few tokens) over the protocol
 * completions use, so "reachable" means a completion would work, not just that a server answers `/api/tags`.
 * Says when the chat endpoint serves completions because no `completion` role is configured.
 */
import type { Config } from '../../../shared/config/schema';
import type { CompletionReport } from '../../../shared/protocol';
import { checkEndpointResolved } from '../security/endpoint-policy';
import { ModelError } from '../models/errors';
import type { ModelRouter } from '../models/router';
import { chooseTemplate } from './fim-templates';
import { fim, ollamaHasNativeFim, protocolFor } from './fim-transport';

export async function probeCompletion(config: Config, router: ModelRouter, apiKey: string | undefined, signal: AbortSignal, timeoutMs: number): Promise<CompletionReport> {
  const c = config.completion;
  const fallbackToChat = config.models.roles.completion.length === 0;
  const ep = router.chain('completion')[0];
  const base = { enabled: c.enabled, fallbackToChat, template: c.template, disabledLanguages: c.disabledLanguages };
  if (!ep) return { ...base, endpoint: null, protocol: null, reachable: false, error: 'no model is configured for completion or chat' };
  const endpoint = { role: ep.role, label: ep.label, provider: ep.provider, baseUrl: ep.baseUrl, model: ep.model };
  const protocol = protocolFor(c.protocol, ep.provider);
  if (!protocol) return { ...base, endpoint, protocol: null, reachable: false, error: `the ${ep.provider} provider has no fill-in-the-middle endpoint: set nootropic.models.roles.completion to an Ollama, llama-server or OpenAI-compatible endpoint` };
  const decision = ep.provider === 'llamacpp' ? { allowed: true as const } : await checkEndpointResolved(ep.baseUrl, config.models.allowCloud);
  if (!decision.allowed) return { ...base, endpoint, protocol, reachable: false, error: decision.reason };
  const started = Date.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const both = AbortSignal.any([signal, controller.signal]);
  try {
    const opts = { allowCloud: config.models.allowCloud, timeoutMs, signal: both, apiKey };
    const native = protocol === 'llama-server' || protocol === 'llamacpp' || (protocol === 'ollama' && (await ollamaHasNativeFim(ep.baseUrl, ep.model, opts)));
    const template = chooseTemplate(c.template, ep.model, native);
    const prefix = 'def add(a, b):\n    return ';
    const result = await fim(protocol, { baseUrl: ep.baseUrl, model: ep.model, prefix, suffix: '\n', bareprefix: prefix, extra: [], template, maxTokens: 8, temperature: 0, numCtx: 2048, ...opts, ...(protocol === 'llamacpp' ? { llama: router.llamaRuntime() } : {}) });
    const how = template.mode === 'raw' ? `raw ${template.template.family} template` : 'native FIM';
    return { ...base, endpoint, protocol, reachable: true, latencyMs: Date.now() - started, detail: `${protocol}, ${how}: answered ${JSON.stringify(result.text.slice(0, 40))}` };
  } catch (err) {
    if (signal.aborted) throw err;
    const e = err instanceof ModelError ? err : new ModelError('other', String(err));
    const message = controller.signal.aborted ? `no fill-in-the-middle answer within ${timeoutMs} ms (a local model may still be loading)` : e.message;
    return { ...base, endpoint, protocol, reachable: false, latencyMs: Date.now() - started, error: message };
  } finally {
    clearTimeout(timer);
  }
}
