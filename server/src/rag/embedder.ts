/**
 * Embeddings behind one interface. A model endpoint (ollama `/api/embed`, an OpenAI-compatible `/v1/embeddings`,
 * a GGUF file run by llama.cpp) is reached through the model router's embed role (models/router.ts), like every
 * other model call: the endpoint policy, the guarded fetch, the circuit breaker, retries and spans apply, and
 * `nootropic.models.roles.embed` is honoured (`nootropic.embeddings` is that role's default endpoint). Only
 * transformers.js on a local model folder runs here, in the server process (never downloaded).
 * Creating one probes it for real; an embedder that cannot be reached or loaded is reported with its reason,
 * and the index runs in lexical-only mode: never silently.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../../shared/config/schema';
import { endpointKey, type ResolvedEndpoint } from '../models/endpoints';

export interface Embedder {
  /** Names the model and dimension; a change rebuilds the index. */
  readonly id: string;
  readonly dim: number;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export type EmbedderState = { embedder: Embedder; detail: string } | { embedder?: undefined; reason: string };

/** The model router's embed role (ModelRouter): the only way the index reaches an embedding model. */
export interface EmbedRoute {
  chain(role: 'embed'): ResolvedEndpoint[];
  embed(inputs: string[], signal: AbortSignal): Promise<{ vectors: number[][]; endpoint: ResolvedEndpoint }>;
}

type EmbedFn = (texts: string[], signal?: AbortSignal) => Promise<number[][] | Float32Array[]>;

async function transformersEmbed(folder: string): Promise<EmbedFn> {
  if (!existsSync(path.join(folder, 'config.json'))) throw new Error(`no model folder at ${folder} (expected config.json, tokenizer.json, onnx/model.onnx)`);
  let mod: typeof import('@huggingface/transformers');
  try {
    mod = await import('@huggingface/transformers');
  } catch (err) {
    throw new Error(`transformers.js is not installed with this build (${(err as Error).message.split('\n')[0]}); use the npm package, or an ollama/openai embedder`);
  }
  // Only the configured folder: nothing is ever fetched from a model hub.
  mod.env.allowRemoteModels = false;
  mod.env.localModelPath = path.dirname(path.resolve(folder));
  const extractor = await mod.pipeline('feature-extraction', path.basename(folder), { local_files_only: true, dtype: 'fp32' });
  return async (texts) => {
    const out = await extractor(texts, { pooling: 'mean', normalize: true });
    const [n, dim] = out.dims as [number, number];
    const data = out.data as Float32Array;
    return Array.from({ length: n }, (_, i) => data.slice(i * dim, (i + 1) * dim));
  };
}

const identity = (ep: ResolvedEndpoint) => `${endpointKey(ep)} ${ep.model}`;

/**
 * Through the router. The endpoint that answered the probe is the index's model: vectors from another one (a
 * fallback further down the chain) are not comparable, so a batch answered elsewhere fails instead of mixing.
 */
function routedEmbed(models: EmbedRoute): { fn: EmbedFn; answered: () => ResolvedEndpoint | undefined } {
  let pinned: ResolvedEndpoint | undefined;
  const fn: EmbedFn = async (texts, signal) => {
    const out = await models.embed(texts, signal ?? new AbortController().signal);
    if (!pinned) pinned = out.endpoint;
    else if (identity(out.endpoint) !== identity(pinned))
      throw new Error(`${out.endpoint.label} (${out.endpoint.provider} ${out.endpoint.model}) answered instead of ${pinned.label} (${pinned.provider} ${pinned.model}), whose vectors the index holds`);
    return out.vectors;
  };
  return { fn, answered: () => pinned };
}

/** One line that says why: the router's per-endpoint errors, not its "no model answered" heading. */
function reasonOf(err: unknown): string {
  const attempts = (err as { attempts?: Array<{ error: string }> }).attempts;
  const text = attempts?.length ? attempts.map((a) => a.error.split('\n')[0]).join('; ') : (err as Error).message;
  return text.split('\n')[0] ?? '';
}

function normalize(v: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(v);
  let norm = 0;
  for (const x of out) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / norm;
  return out;
}

export async function createEmbedder(config: Config, models: EmbedRoute): Promise<EmbedderState> {
  const e = config.embeddings;
  const chain = models.chain('embed');
  if (!chain.length) {
    if (e.provider === 'none') return { reason: 'no embedding model configured (nootropic.embeddings.provider is none): search runs in lexical-only mode' };
    if (!e.model) return { reason: `nootropic.embeddings.model is empty: set a ${e.provider === 'transformers' ? 'local model folder' : 'model name'}; lexical-only mode until then` };
  }
  const primary = chain[0];
  const label = primary ? `${primary.provider} ${primary.model}` : `${e.provider} ${e.model}`;
  try {
    const routed = primary ? routedEmbed(models) : undefined;
    const fn = routed ? routed.fn : await transformersEmbed(e.model);
    const [probe] = await fn(['nootropic embedding probe'], AbortSignal.timeout(30_000));
    if (!probe || !probe.length) throw new Error('the model returned an empty embedding');
    const dim = probe.length;
    const ep = routed?.answered();
    const provider = ep?.provider ?? e.provider;
    const model = ep?.model ?? e.model;
    const name = provider === 'transformers' || provider === 'llamacpp' ? path.basename(path.resolve(model)) : model;
    const embedder: Embedder = {
      id: `${provider}:${name}@${dim}`,
      dim,
      async embed(texts, signal) {
        const out: Float32Array[] = [];
        for (let i = 0; i < texts.length; i += e.batchSize) {
          if (signal?.aborted) throw new Error('embedding cancelled');
          const vectors = await fn(texts.slice(i, i + e.batchSize), signal);
          if (vectors.length !== Math.min(e.batchSize, texts.length - i)) throw new Error(`the embedder returned ${vectors.length} vectors for ${Math.min(e.batchSize, texts.length - i)} texts`);
          for (const v of vectors) {
            if (v.length !== dim) throw new Error(`the embedder changed dimension (${v.length}, expected ${dim})`);
            out.push(normalize(v));
          }
        }
        return out;
      },
    };
    return { embedder, detail: `${embedder.id} (hybrid lexical + vector search)` };
  } catch (err) {
    return { reason: `embedder ${label} unavailable: ${reasonOf(err)}; search runs in lexical-only mode` };
  }
}
