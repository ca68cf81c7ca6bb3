/**
 * Embeddings behind one interface: transformers.js on a local model folder (run in the server process, never
 * downloaded), Ollama `/api/embed`, or an OpenAI-compatible `/v1/embeddings`, through the official clients.
 * Creating one probes it for real; an embedder that cannot be reached or loaded is reported with its reason,
 * and the index runs in lexical-only mode: never silently.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import type { Config } from '../../../shared/config/schema';
import { createLogger, type Logger } from '../log';
import { checkEndpointResolved } from '../models/endpoint-policy';
import { LlamaCppAdapter } from '../models/llamacpp';
import { sharedLlamaRuntime } from '../models/llamacpp-runtime';

export interface Embedder {
  /** Names the model and dimension; a change rebuilds the index. */
  readonly id: string;
  readonly dim: number;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export type EmbedderState = { embedder: Embedder; detail: string } | { embedder?: undefined; reason: string };

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

/** A GGUF embedding model run in-process by llama.cpp (node-llama-cpp, loaded only now). */
function llamacppEmbed(config: Config, file: string, log: Logger): EmbedFn {
  const runtime = sharedLlamaRuntime({ threads: config.models.llamacpp.threads, gpu: config.models.llamacpp.gpu, log: log.child('llamacpp') });
  const adapter = new LlamaCppAdapter({ runtime, configured: () => [file], timeoutMs: config.models.timeoutMs, log });
  return (texts, signal) => adapter.embed(file, texts, signal ?? new AbortController().signal);
}

function ollamaEmbed(baseUrl: string, model: string): EmbedFn {
  const client = new Ollama({ host: baseUrl });
  return async (texts) => (await client.embed({ model, input: texts })).embeddings;
}

function openaiEmbed(baseUrl: string, model: string, apiKey: string | undefined): EmbedFn {
  const client = new OpenAI({ baseURL: baseUrl, apiKey: apiKey ?? 'not-needed-for-local-servers', maxRetries: 2, timeout: 60_000 });
  return async (texts, signal) => {
    // Plain floats: the SDK's default (base64) is not understood by every OpenAI-compatible local server.
    const res = await client.embeddings.create({ model, input: texts, encoding_format: 'float' }, signal ? { signal } : {});
    return res.data.sort((a, b) => a.index - b.index).map((d) => d.embedding);
  };
}

function normalize(v: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(v);
  let norm = 0;
  for (const x of out) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / norm;
  return out;
}

export async function createEmbedder(config: Config, apiKey: string | undefined, log: Logger = createLogger(() => {})): Promise<EmbedderState> {
  const e = config.embeddings;
  if (e.provider === 'none') return { reason: 'no embedding model configured (nootropic.embeddings.provider is none): search runs in lexical-only mode' };
  if (!e.model) return { reason: `nootropic.embeddings.model is empty: set a ${e.provider === 'transformers' ? 'local model folder' : 'model name'}; lexical-only mode until then` };
  try {
    let fn: EmbedFn;
    if (e.provider === 'transformers') fn = await transformersEmbed(e.model);
    else if (e.provider === 'llamacpp') fn = llamacppEmbed(config, e.model, log);
    else {
      const baseUrl = e.baseUrl || config.models.baseUrl;
      const decision = await checkEndpointResolved(baseUrl, config.models.allowCloud);
      if (!decision.allowed) return { reason: `embedder ${e.provider} ${baseUrl}: ${decision.reason}` };
      fn = e.provider === 'ollama' ? ollamaEmbed(baseUrl, e.model) : openaiEmbed(baseUrl, e.model, apiKey);
    }
    const [probe] = await fn(['nootropic embedding probe'], AbortSignal.timeout(30_000));
    if (!probe || !probe.length) throw new Error('the model returned an empty embedding');
    const dim = probe.length;
    const name = e.provider === 'transformers' || e.provider === 'llamacpp' ? path.basename(path.resolve(e.model)) : e.model;
    const embedder: Embedder = {
      id: `${e.provider}:${name}@${dim}`,
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
    return { reason: `embedder ${e.provider} ${e.model} unavailable: ${(err as Error).message.split('\n')[0]}; search runs in lexical-only mode` };
  }
}
