/**
 * The embedded llama.cpp adapter against node-llama-cpp used directly, on the generated tiny GGUF (so the figure
 * is the adapter's own cost — history conversion, real prompt tokenization, queueing, streaming callbacks — not
 * model speed). Same prompt, greedy decoding, same token budget, one thread; medians of R runs after a warm-up.
 *
 *   node bench/run-ts.mjs bench/llamacpp/bench.ts [--tokens N] [--runs R] [--threads T]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChatHistoryItem } from 'node-llama-cpp';
import { createLogger } from '../../server/src/log';
import { LlamaCppAdapter, toChatHistory } from '../../server/src/models/llamacpp';
import { sharedLlamaRuntime } from '../../server/src/models/llamacpp-runtime';
import type { ChatMessage } from '../../server/src/models/types';
import { writeTinyGguf } from '../../test/support/tiny-gguf';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const TOKENS = arg('tokens', 200);
const RUNS = arg('runs', 7);
const THREADS = arg('threads', 1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(path.join(os.tmpdir(), 'nootropic-bench-gguf-'));
const file = writeTinyGguf(path.join(dir, 'tiny.gguf'), { layers: 2 });
const messages: ChatMessage[] = [
  { role: 'system', content: 'You are a coding assistant.' },
  { role: 'user', content: 'Explain what the function in src/math.ts does, and how to test it. '.repeat(8) },
];

interface Side {
  loadMs: number;
  run: () => Promise<number>;
  close: () => Promise<void>;
}

async function direct(): Promise<Side> {
  // node-llama-cpp is ESM: imported the way the server imports it.
  const { getLlama, LlamaChat, resolveChatWrapper } = await import('node-llama-cpp');
  const t = performance.now();
  const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, maxThreads: THREADS, progressLogs: false });
  const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: 2048, threads: THREADS, sequences: 1 });
  const chat = new LlamaChat({ contextSequence: context.getSequence(), chatWrapper: resolveChatWrapper(model), autoDisposeSequence: false });
  const history: ChatHistoryItem[] = toChatHistory(messages);
  const loadMs = performance.now() - t;
  return {
    loadMs,
    run: async () => {
      let n = 0;
      await chat.generateResponse(history, { maxTokens: TOKENS, onToken: (tk) => (n += tk.length), onTextChunk: () => undefined });
      return n;
    },
    close: async () => {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}

async function viaAdapter(): Promise<Side> {
  const log = createLogger(() => undefined, 'error');
  const runtime = sharedLlamaRuntime({ threads: THREADS, gpu: 'off', log });
  const a = new LlamaCppAdapter({ runtime, configured: () => [file], timeoutMs: 60_000, log });
  const run = async () => {
    const r = await a.chat(file, { messages, maxOutputTokens: TOKENS, contextLength: 2048, promptTokens: 200, signal: new AbortController().signal, onDelta: () => undefined });
    return r.usage?.outputTokens ?? 0;
  };
  const t = performance.now();
  await run(); // the first request loads the model
  return { loadMs: performance.now() - t, run, close: () => runtime.dispose() };
}

async function time(side: Side): Promise<{ ms: number; tokens: number }> {
  const t = performance.now();
  const tokens = await side.run();
  return { ms: performance.now() - t, tokens };
}

async function main(): Promise<void> {
  const base = await direct();
  const ours = await viaAdapter();
  await base.run(); // warm-up
  const b: number[] = [];
  const o: number[] = [];
  let bt = 0;
  let ot = 0;
  // Interleaved, so machine load hits both sides alike.
  for (let i = 0; i < RUNS; i++) {
    const x = await time(base);
    const y = await time(ours);
    b.push(x.ms);
    o.push(y.ms);
    bt = x.tokens;
    ot = y.tokens;
  }
  await ours.close();
  await base.close();
  rmSync(dir, { recursive: true, force: true });
  const bm = median(b);
  const om = median(o);
  console.log(`tiny GGUF (2 blocks, 32 dims, F32), ${TOKENS}-token budget, ${THREADS} thread(s), median of ${RUNS} interleaved runs after a warm-up`);
  console.log(`  node-llama-cpp directly: ${bm.toFixed(1)} ms per answer (${bt} tokens, ${((bt / bm) * 1000).toFixed(0)} tokens/s); load ${base.loadMs.toFixed(0)} ms`);
  console.log(`  LlamaCppAdapter.chat:    ${om.toFixed(1)} ms per answer (${ot} tokens, ${((ot / om) * 1000).toFixed(0)} tokens/s); first request incl. load ${ours.loadMs.toFixed(0)} ms`);
  console.log(`  adapter / direct: ${(om / bm).toFixed(2)}x (${(((om - bm) / Math.max(1, ot)) * 1000).toFixed(0)} µs per token)`);
}

void main();
