/**
 * What `nootropic models` and doctor show: every configured endpoint per role, probed through its adapter
 * (so the answer is what a chat request would meet), the models each server offers, the hardware, and the
 * local model recommended for it.
 */
import type { ConfiguredModel, ModelsReport } from '../../../shared/protocol/models';
import type { Role } from '../../../shared/config/schema';
import { ROLES } from '../../../shared/config/schema';
import { DEFAULT_BASE_URLS, endpointKey, type ResolvedEndpoint } from './endpoints';
import { ModelError } from './errors';
import { detectHardware } from './hardware';
import { recommendLocalModel } from './recommend';
import { lookupModel, registryModels } from './registry';
import type { ModelRouter } from './router';
import type { ModelInfo } from './types';

/** Every endpoint the configuration names; edit/plan that inherit the chat chain are not repeated. */
export function configuredEndpoints(router: ModelRouter, ownRoles: (role: Role) => boolean): ResolvedEndpoint[] {
  return ROLES.flatMap((role) => (role === 'chat' || ownRoles(role) ? router.chain(role) : []));
}

async function probe(router: ModelRouter, ep: ResolvedEndpoint, timeoutMs: number, signal: AbortSignal, listed: Map<string, Promise<ModelInfo[]>>): Promise<ConfiguredModel> {
  const known = lookupModel(ep.model, ep.provider);
  const base: ConfiguredModel = {
    role: ep.role,
    label: ep.label,
    provider: ep.provider,
    baseUrl: ep.baseUrl,
    model: ep.model,
    reachable: false,
    ...(known ? { quantization: known.quantization, costPerMTokens: known.costPerMTokens } : {}),
  };
  try {
    const adapter = router.adapter(ep, timeoutMs);
    const key = endpointKey(ep);
    if (!listed.has(key)) listed.set(key, adapter.listModels(signal));
    const models = await listed.get(key)!;
    const w = await router.window(ep, adapter, signal);
    const out: ConfiguredModel = { ...base, reachable: true, contextLength: w.contextLength, contextSource: w.contextSource, toolCalls: w.toolMode };
    const listedInfo = models.find((m) => m.name === ep.model);
    if (!out.quantization && listedInfo?.quantization) out.quantization = listedInfo.quantization;
    const names = models.map((m) => m.name);
    if (ep.provider !== 'anthropic' && names.length && !names.some((n) => n === ep.model || n === `${ep.model}:latest`)) {
      const hint = ep.provider === 'ollama' ? ` (run \`ollama pull ${ep.model}\`)` : '';
      out.error = `model ${ep.model} not found on the endpoint${hint}; it has: ${names.slice(0, 8).join(', ')}`;
    }
    return out;
  } catch (err) {
    if (signal.aborted) throw err;
    const e = err instanceof ModelError ? err : new ModelError('other', String(err));
    // A 404 from /api/show means the server is up but lacks the model.
    return { ...base, reachable: e.kind === 'not-found', error: e.message };
  }
}

export async function buildModelsReport(router: ModelRouter, opts: { ownRoles: (role: Role) => boolean; timeoutMs: number; signal: AbortSignal }): Promise<ModelsReport> {
  const endpoints = configuredEndpoints(router, opts.ownRoles);
  const listed = new Map<string, Promise<ModelInfo[]>>();
  const [hardware, configured] = await Promise.all([
    detectHardware(opts.signal),
    Promise.all(endpoints.map((ep) => probe(router, ep, opts.timeoutMs, opts.signal, listed))),
  ]);
  // Also look at the local Ollama default, where most people's models live, if it was not configured.
  const targets = new Map<string, ResolvedEndpoint>();
  for (const ep of endpoints) targets.set(endpointKey(ep), ep);
  const localOllama: ResolvedEndpoint = { role: 'chat', index: 0, provider: 'ollama', baseUrl: DEFAULT_BASE_URLS.ollama, model: '', toolCalls: 'auto', label: 'discovery' };
  if (!targets.has(endpointKey(localOllama))) targets.set(endpointKey(localOllama), localOllama);
  const discovered = await Promise.all(
    [...targets.values()].map(async (ep) => {
      const where = { provider: ep.provider, baseUrl: ep.baseUrl };
      try {
        const key = endpointKey(ep);
        if (!listed.has(key)) listed.set(key, router.adapter(ep, opts.timeoutMs).listModels(opts.signal));
        const models = await listed.get(key)!;
        return {
          ...where,
          reachable: true,
          models: models.map((m) => ({
            name: m.name,
            ...(m.contextLength ? { contextLength: m.contextLength } : {}),
            ...(m.quantization ? { quantization: m.quantization } : {}),
            ...(m.sizeBytes !== undefined ? { sizeBytes: m.sizeBytes } : {}),
          })),
        };
      } catch (err) {
        if (opts.signal.aborted) throw err;
        return { ...where, reachable: false, error: err instanceof Error ? err.message : String(err), models: [] };
      }
    }),
  );
  const installed = discovered.filter((d) => d.provider === 'ollama').flatMap((d) => d.models.map((m) => m.name));
  return { configured, discovered, hardware, recommended: recommendLocalModel(hardware, registryModels(), installed) };
}
