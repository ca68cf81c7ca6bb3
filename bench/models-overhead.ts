/**
 * What the model adapter costs on top of the wire, against the stand-in on 127.0.0.1 (no model inference, so
 * the figures isolate our code: official client + guarded fetch + delta handling):
 *  - streaming an N-chunk answer: raw fetch + hand parsing (the baseline, same run) vs. the adapters;
 *  - cancellation latency: abort() → the server sees the connection close;
 *  - prompt budget: fitting K ranked chunks into a window.
 * Prints medians of several runs. Run: `node bench/models-overhead.mjs [--chunks N] [--runs R]`.
 */
import { createLogger } from '../server/src/log';
import { OllamaAdapter } from '../server/src/models/ollama';
import { OpenAiCompatibleAdapter } from '../server/src/models/openai-compatible';
import { fitToWindow, type ContextPiece } from '../server/src/models/prompt-budget';
import { startModelStandin } from '../test/support/model-standin';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const CHUNKS = arg('chunks', 2_000);
const RUNS = arg('runs', 7);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Chunks of a fetch body (the DOM lib types lack the async iterator Node's streams have). */
async function* bodyChunks(res: Response): AsyncGenerator<Uint8Array> {
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

async function rawNdjson(url: string): Promise<string> {
  const res = await fetch(`${url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'qwen2.5-coder:7b', messages: [{ role: 'user', content: 'x' }], stream: true }) });
  let text = '';
  let buf = '';
  const decoder = new TextDecoder();
  for await (const chunk of bodyChunks(res)) {
    buf += decoder.decode(chunk, { stream: true });
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) if (l) text += (JSON.parse(l) as { message: { content: string } }).message.content;
  }
  return text;
}

async function rawSse(url: string): Promise<string> {
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true }) });
  let text = '';
  let buf = '';
  const decoder = new TextDecoder();
  for await (const chunk of bodyChunks(res)) {
    buf += decoder.decode(chunk, { stream: true });
    const events = buf.split('\n\n');
    buf = events.pop()!;
    for (const e of events) {
      const data = e.replace(/^data: /, '');
      if (data === '[DONE]') continue;
      text += (JSON.parse(data) as { choices: { delta: { content?: string } }[] }).choices[0]!.delta.content ?? '';
    }
  }
  return text;
}

async function main(): Promise<void> {
  const chunks = Array.from({ length: CHUNKS }, (_, i) => `tok${i} `);
  const expected = chunks.join('');
  const standin = await startModelStandin({ defaultReply: () => ({ chunks }) });
  const log = createLogger(() => {}, 'error');
  const ollama = new OllamaAdapter({ baseUrl: standin.url, allowCloud: false, timeoutMs: 30_000, log });
  const openai = new OpenAiCompatibleAdapter({ baseUrl: `${standin.url}/v1`, allowCloud: false, timeoutMs: 30_000, log });
  const req = () => ({ messages: [{ role: 'user' as const, content: 'x' }], maxOutputTokens: 256, contextLength: 32_768, promptTokens: 10, signal: new AbortController().signal, onDelta: () => {} });
  const check = (got: string) => {
    if (got !== expected) throw new Error('stream mismatch');
  };

  const rows: [string, number, number][] = [];
  for (const [name, baseline, adapter] of [
    ['ollama NDJSON', () => rawNdjson(standin.url).then(check), () => ollama.chat('qwen2.5-coder:7b', req()).then((r) => check(r.text))],
    ['openai SSE', () => rawSse(standin.url).then(check), () => openai.chat('m', req()).then((r) => check(r.text))],
  ] as const) {
    await baseline();
    await adapter(); // warm-up
    const b: number[] = [];
    const a: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      b.push(await time(baseline));
      a.push(await time(adapter));
    }
    rows.push([name, median(b), median(a)]);
  }

  const cancels: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    standin.script({ chunks: ['a', 'b'], stallAfter: 1 });
    const controller = new AbortController();
    let abortedAt = 0;
    const p = ollama.chat('qwen2.5-coder:7b', { ...req(), signal: controller.signal, onDelta: () => ((abortedAt = performance.now()), controller.abort()) }).catch(() => {});
    const before = standin.abortedRequests;
    await p;
    while (standin.abortedRequests === before) await new Promise((r) => setImmediate(r));
    cancels.push(performance.now() - abortedAt);
  }

  const pieces: ContextPiece[] = Array.from({ length: 500 }, (_, i) => ({ kind: 'retrieved', score: Math.random(), path: `f${i}.ts`, startLine: 1, endLine: 60, text: 'const x = 1;\n'.repeat(60) }));
  const budget: number[] = [];
  for (let i = 0; i < RUNS; i++) budget.push(await time(async () => fitToWindow({ fixed: ['system', 'question'], pieces, window: 32_768, reservedForAnswer: 1_024 })));
  await standin.close();

  console.log(`model adapter overhead (${CHUNKS}-chunk stream, median of ${RUNS}, node ${process.version})`);
  for (const [name, b, a] of rows)
    console.log(`  ${name.padEnd(14)} raw fetch ${b.toFixed(1)} ms | adapter ${a.toFixed(1)} ms | ratio ${(a / b).toFixed(2)}x | +${(((a - b) / CHUNKS) * 1000).toFixed(1)} µs/chunk`);
  console.log(`  cancel → server sees close: median ${median(cancels).toFixed(2)} ms (max ${Math.max(...cancels).toFixed(2)} ms)`);
  console.log(`  prompt budget, 500 chunks into 32k: median ${median(budget).toFixed(2)} ms`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
