/**
 * The model registry: `model-metadata.json`, parsed with its zod schema when first used. It answers what a
 * server may not tell us (a cloud model's window, whether a model calls tools, what it costs, how much memory
 * it needs for a recommendation).
 */
import { ModelRegistryFile, type ModelMetadata } from '../../../shared/models/metadata';
import type { Provider } from '../../../shared/config/schema';
import raw from './model-metadata.json';

let parsed: ModelMetadata[] | undefined;

export function registryModels(): readonly ModelMetadata[] {
  if (!parsed) {
    const result = ModelRegistryFile.safeParse(raw);
    if (!result.success) throw new Error(`model-metadata.json is invalid: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    parsed = result.data.models;
  }
  return parsed;
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/:latest$/, '').replace(/\.gguf$/, '');
}

/** Exact name or alias, ignoring `:latest`; the provider narrows ties but a llama.cpp server may serve an Ollama-named model. */
export function lookupModel(name: string, provider?: Provider): ModelMetadata | undefined {
  const want = normalise(name.split('/').pop() ?? name);
  const matches = registryModels().filter((m) => normalise(m.name) === want || m.aliases.some((a) => normalise(a) === want));
  return matches.find((m) => m.provider === provider) ?? matches[0];
}
