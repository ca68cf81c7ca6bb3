/**
 * The embedded llama.cpp runtime (node-llama-cpp), loaded only when a `llamacpp` model is configured and used.
 * node-llama-cpp is an optional dependency: it is imported lazily, it never builds or downloads anything at run
 * time (`build: 'never'`, `skipDownload`: only the prebuilt binaries npm installed are used), and when it is
 * absent — the .vsix does not carry it — every caller gets one error that says how to get it.
 *
 * Models are cached by path and reloaded when the file changes; a model's GGUF header is checked before
 * node-llama-cpp sees it, so a missing file or a non-GGUF file is named as such.
 */
import { existsSync, statSync } from 'node:fs';
import { readFileHead } from '../workspace/file-head';
import os from 'node:os';
import path from 'node:path';
import type * as NodeLlamaCpp from 'node-llama-cpp';
import type { Logger } from '../log';
import { ModelError } from './errors';

export type NodeLlamaCppModule = typeof NodeLlamaCpp;
/** Tested version: the one `package.json` pins; install instructions name it. */
export const NODE_LLAMA_CPP_VERSION = '3.21.1';

export interface LlamaRuntimeOptions {
  /** CPU threads; 0 = one per available core. */
  threads: number;
  gpu: 'auto' | 'off';
  log: Logger;
}

/** Where `npm install node-llama-cpp` must run for this build to find it (the folder above dist/). */
function installFolder(): string {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  return path.basename(here) === 'dist' ? path.dirname(here) : here;
}

export function notInstalledMessage(detail?: string): string {
  return (
    `the embedded llama.cpp provider needs node-llama-cpp, which is not installed with this build${detail ? ` (${detail})` : ''}: ` +
    `run \`npm install --no-save --ignore-scripts node-llama-cpp@${NODE_LLAMA_CPP_VERSION}\` in ${installFolder()} ` +
    '(the .vsix does not carry it; the npm package installs it as an optional dependency), ' +
    'or serve the GGUF with `llama-server` and use provider `openai`'
  );
}

let modulePromise: Promise<NodeLlamaCppModule> | undefined;

/** Imports node-llama-cpp once; its absence is a ModelError that says what to do. */
export function importNodeLlamaCpp(): Promise<NodeLlamaCppModule> {
  modulePromise ??= import('node-llama-cpp').catch((err: unknown) => {
    modulePromise = undefined;
    const e = err as NodeJS.ErrnoException;
    const missing = e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND' || /Cannot find (module|package) 'node-llama-cpp'/.test(String(e?.message));
    throw new ModelError('unsupported', notInstalledMessage(missing ? undefined : String(e?.message ?? err).split('\n')[0]));
  });
  return modulePromise;
}

/** Checks the file before anything loads it: present, a regular file, and starting with the GGUF magic. */
export function checkGgufFile(file: string): { path: string; sizeBytes: number; mtimeMs: number } {
  const abs = path.resolve(file.startsWith('~/') ? path.join(os.homedir(), file.slice(2)) : file);
  if (!existsSync(abs))
    throw new ModelError('not-found', `GGUF file not found: ${abs} (for provider llamacpp, the model setting is the path of a .gguf file on this machine)`);
  const st = statSync(abs);
  if (!st.isFile()) throw new ModelError('not-found', `${abs} is not a file: the llamacpp provider needs the path of a .gguf file`);
  if (readFileHead(abs, 4).toString('latin1') !== 'GGUF')
    throw new ModelError(
      'unsupported',
      `${abs} is not a GGUF file (it does not start with "GGUF"): the llamacpp provider runs GGUF models; convert it with llama.cpp's convert_hf_to_gguf.py or download a .gguf build`,
    );
  return { path: abs, sizeBytes: st.size, mtimeMs: st.mtimeMs };
}

export interface LoadedModel {
  path: string;
  mtimeMs: number;
  sizeBytes: number;
  model: NodeLlamaCpp.LlamaModel;
  /** The chat format, from the GGUF's chat template (node-llama-cpp's resolution). */
  wrapper: NodeLlamaCpp.ChatWrapper;
  /** A chat context and its LlamaChat, (re)created at the size a request needs. */
  chat?: { context: NodeLlamaCpp.LlamaContext; chat: NodeLlamaCpp.LlamaChat } | undefined;
  embedding?: NodeLlamaCpp.LlamaEmbeddingContext | undefined;
  /** A context for fill-in-the-middle (inline completion), apart from the chat's so neither evicts the other. */
  completion?: { context: NodeLlamaCpp.LlamaContext; completion: NodeLlamaCpp.LlamaCompletion } | undefined;
  /** One request at a time per model: its single sequence is shared. */
  queue: Promise<unknown>;
}

export interface GgufSummary {
  path: string;
  sizeBytes: number;
  architecture?: string;
  name?: string;
  contextLength?: number;
  embeddingLength?: number;
  quantization?: string;
  hasChatTemplate: boolean;
}

export class LlamaRuntime {
  private llama: Promise<NodeLlamaCpp.Llama> | undefined;
  private readonly models = new Map<string, Promise<LoadedModel>>();

  constructor(private readonly opts: LlamaRuntimeOptions) {}

  get threads(): number {
    return this.opts.threads > 0 ? this.opts.threads : Math.max(1, os.availableParallelism());
  }

  /** The llama.cpp backend: prebuilt binaries only, never a build from source or a download. */
  instance(): Promise<NodeLlamaCpp.Llama> {
    this.llama ??= (async () => {
      const mod = await importNodeLlamaCpp();
      const log = this.opts.log;
      try {
        return await mod.getLlama({
          gpu: this.opts.gpu === 'off' ? false : 'auto',
          build: 'never',
          skipDownload: true,
          usePrebuiltBinaries: true,
          progressLogs: false,
          maxThreads: this.threads,
          logLevel: mod.LlamaLogLevel.warn,
          logger: (level, message) => {
            const text = message.trim();
            if (!text) return;
            if (level === mod.LlamaLogLevel.error || level === mod.LlamaLogLevel.fatal) log.error('llama.cpp', { message: text });
            else if (level === mod.LlamaLogLevel.warn) log.warn('llama.cpp', { message: text });
            else log.debug('llama.cpp', { message: text });
          },
        });
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        const platform = `${process.platform}-${process.arch}`;
        throw new ModelError(
          'unsupported',
          `node-llama-cpp found no working prebuilt llama.cpp binary for ${platform} (${msg.split('\n')[0]}): install @node-llama-cpp/${platform}@${NODE_LLAMA_CPP_VERSION} next to node-llama-cpp (nootropic never compiles llama.cpp at run time)`,
        );
      }
    })().catch((err: unknown) => {
      this.llama = undefined;
      throw err;
    });
    return this.llama;
  }

  /** Reads the GGUF header through node-llama-cpp (from the file system only; nothing is fetched). */
  async summary(file: string, signal?: AbortSignal): Promise<GgufSummary> {
    const checked = checkGgufFile(file);
    const mod = await importNodeLlamaCpp();
    let info: NodeLlamaCpp.GgufFileInfo;
    try {
      info = await mod.readGgufFileInfo(checked.path, { sourceType: 'filesystem', readTensorInfo: false, logWarnings: false, ...(signal ? { signal } : {}) });
    } catch (err) {
      throw new ModelError('unsupported', `${checked.path} could not be read as GGUF: ${err instanceof Error ? err.message : String(err)}`);
    }
    const arch = info.architectureMetadata as { context_length?: number; embedding_length?: number };
    const general = info.metadata.general as { architecture?: string; name?: string; file_type?: number } | undefined;
    const tokenizer = info.metadata.tokenizer as { chat_template?: string } | undefined;
    const quant = typeof general?.file_type === 'number' ? mod.GgufFileType[general.file_type] : undefined;
    return {
      path: checked.path,
      sizeBytes: checked.sizeBytes,
      ...(general?.architecture ? { architecture: general.architecture } : {}),
      ...(general?.name ? { name: general.name } : {}),
      ...(typeof arch?.context_length === 'number' ? { contextLength: arch.context_length } : {}),
      ...(typeof arch?.embedding_length === 'number' ? { embeddingLength: arch.embedding_length } : {}),
      ...(quant ? { quantization: quant.replace(/^MOSTLY_/, '') } : {}),
      hasChatTemplate: typeof tokenizer?.chat_template === 'string',
    };
  }

  /** The loaded model for a path (cached; reloaded when the file changed on disk). */
  async model(file: string, signal: AbortSignal): Promise<LoadedModel> {
    const checked = checkGgufFile(file);
    const cached = this.models.get(checked.path);
    if (cached) {
      const m = await cached.catch(() => undefined);
      if (m && m.mtimeMs === checked.mtimeMs && m.sizeBytes === checked.sizeBytes && !m.model.disposed) return m;
      this.models.delete(checked.path);
      if (m) void this.unload(m);
    }
    const loading = (async (): Promise<LoadedModel> => {
      const llama = await this.instance();
      const started = Date.now();
      try {
        const mod = await importNodeLlamaCpp();
        const model = await llama.loadModel({ modelPath: checked.path, ...(this.opts.gpu === 'off' ? { gpuLayers: 0 } : {}), loadSignal: signal });
        const wrapper = mod.resolveChatWrapper(model);
        this.opts.log.info('llama.cpp model loaded', { path: checked.path, ms: Date.now() - started, contextLength: model.trainContextSize, gpu: llama.gpu || 'off', threads: this.threads });
        return { path: checked.path, mtimeMs: checked.mtimeMs, sizeBytes: checked.sizeBytes, model, wrapper, queue: Promise.resolve() };
      } catch (err) {
        if (signal.aborted) throw new ModelError('cancelled', 'cancelled');
        throw new ModelError('unsupported', `llama.cpp could not load ${checked.path}: ${err instanceof Error ? err.message : String(err)}`);
      }
    })();
    this.models.set(checked.path, loading);
    loading.catch(() => {
      if (this.models.get(checked.path) === loading) this.models.delete(checked.path);
    });
    return loading;
  }

  /** Runs `fn` when the model's previous request is done (one sequence, one request at a time). */
  async exclusive<T>(m: LoadedModel, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    const before = m.queue;
    let release!: () => void;
    m.queue = new Promise<void>((r) => (release = r));
    try {
      await before.catch(() => undefined);
      if (signal.aborted) throw new ModelError('cancelled', 'cancelled');
      return await fn();
    } finally {
      release();
    }
  }

  /** A chat context of at least `contextSize` tokens (a smaller one is replaced). */
  async chatContext(m: LoadedModel, contextSize: number): Promise<{ context: NodeLlamaCpp.LlamaContext; chat: NodeLlamaCpp.LlamaChat }> {
    if (m.chat && !m.chat.context.disposed && m.chat.context.contextSize >= contextSize) return m.chat;
    if (m.chat) await m.chat.context.dispose().catch(() => undefined);
    m.chat = undefined;
    const mod = await importNodeLlamaCpp();
    try {
      const context = await m.model.createContext({ contextSize, threads: this.threads, sequences: 1 });
      const chat = new mod.LlamaChat({ contextSequence: context.getSequence(), chatWrapper: m.wrapper, autoDisposeSequence: false });
      m.chat = { context, chat };
      return m.chat;
    } catch (err) {
      throw new ModelError('too-large', `llama.cpp could not create a ${contextSize}-token context for ${m.path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** A fill-in-the-middle context of at least `contextSize` tokens (capped at the model's training size). */
  async completionContext(m: LoadedModel, contextSize: number): Promise<{ context: NodeLlamaCpp.LlamaContext; completion: NodeLlamaCpp.LlamaCompletion }> {
    const size = Math.min(contextSize, m.model.trainContextSize);
    if (m.completion && !m.completion.context.disposed && m.completion.context.contextSize >= size) return m.completion;
    if (m.completion) await m.completion.context.dispose().catch(() => undefined);
    m.completion = undefined;
    const mod = await importNodeLlamaCpp();
    try {
      const context = await m.model.createContext({ contextSize: size, threads: this.threads, sequences: 1 });
      m.completion = { context, completion: new mod.LlamaCompletion({ contextSequence: context.getSequence(), autoDisposeSequence: false }) };
      return m.completion;
    } catch (err) {
      throw new ModelError('too-large', `llama.cpp could not create a ${size}-token completion context for ${m.path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async embeddingContext(m: LoadedModel): Promise<NodeLlamaCpp.LlamaEmbeddingContext> {
    if (m.embedding && !m.embedding.disposed) return m.embedding;
    try {
      m.embedding = await m.model.createEmbeddingContext({ contextSize: Math.min(m.model.trainContextSize, 2048), threads: this.threads });
      return m.embedding;
    } catch (err) {
      throw new ModelError('unsupported', `llama.cpp could not create an embedding context for ${m.path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async unload(m: LoadedModel): Promise<void> {
    await m.chat?.context.dispose().catch(() => undefined);
    await m.completion?.context.dispose().catch(() => undefined);
    await m.embedding?.dispose().catch(() => undefined);
    await m.model.dispose().catch(() => undefined);
  }

  async dispose(): Promise<void> {
    const models = [...this.models.values()];
    this.models.clear();
    for (const p of models) {
      const m = await p.catch(() => undefined);
      if (m) await this.unload(m);
    }
    const llama = await this.llama?.catch(() => undefined);
    this.llama = undefined;
    await llama?.dispose().catch(() => undefined);
  }
}

/**
 * One runtime per settings for the whole process: the model router and the index's embedder share loaded models
 * (node-llama-cpp binds the native library once per process anyway).
 */
const shared = new Map<string, LlamaRuntime>();
export function sharedLlamaRuntime(opts: LlamaRuntimeOptions): LlamaRuntime {
  const key = `${opts.threads}|${opts.gpu}`;
  let r = shared.get(key);
  if (!r) shared.set(key, (r = new LlamaRuntime(opts)));
  return r;
}

/** Frees every in-process model (server shutdown). */
export async function disposeLlamaRuntimes(): Promise<void> {
  const all = [...shared.values()];
  shared.clear();
  await Promise.all(all.map((r) => r.dispose()));
}
