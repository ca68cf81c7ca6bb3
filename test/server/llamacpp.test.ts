// The embedded llama.cpp provider in-process: node-llama-cpp's real prebuilt binary running a generated tiny
// GGUF (random weights, so the text is noise: the assertions are about structure — deltas, finish, token counts,
// embedding dimension — and about the errors a person meets).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import type { InlineCompletionItem } from 'vscode-languageserver-protocol';
import { ChatSend, CompletionInfo, Doctor, IndexBuild, ModelsList, NootropicErrorCodes, type IndexSummary } from '../../shared/protocol';
import { startInProcessServer, type InProcessServer } from '../support/in-process';
import { tempWorkspace, type TempWorkspace } from '../support/paths';
import { TINY_GGUF_CONTEXT, TINY_GGUF_DIM, writeTinyGguf } from '../support/tiny-gguf';

let dir: string;
let gguf: string;
let ggufFim: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nootropic-gguf-'));
  gguf = writeTinyGguf(path.join(dir, 'tiny.gguf'));
  ggufFim = writeTinyGguf(path.join(dir, 'tiny-fim.gguf'), { fim: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let server: InProcessServer | undefined;
let ws: TempWorkspace | undefined;
afterEach(async () => {
  if (server) {
    await server.client.sendRequest('shutdown').catch(() => undefined);
    server.dispose();
  }
  ws?.dispose();
  server = ws = undefined;
});

const env = { NOOTROPIC_USER_CONFIG: '/nonexistent/nootropic.yaml' };
// One thread: CI machines have two cores; no GPU probing in tests.
const llamacpp = { threads: 1, gpu: 'off' };

async function start(model: string, extra: Record<string, unknown> = {}, root: string | null = null): Promise<InProcessServer> {
  const s = startInProcessServer(env);
  await s.initialize(root, { settings: { index: { watch: false }, models: { provider: 'llamacpp', model, maxOutputTokens: 24, llamacpp, ...extra } } });
  return s;
}

// Loading the runtime and the model takes seconds on a busy two-core machine: a wider limit than the tier's.
describe('embedded llama.cpp (node-llama-cpp) on a generated GGUF', { timeout: 90_000 }, () => {
  it('streams a chat answer: deltas arrive, it finishes, tokens are counted; models/list shows the file', async () => {
    server = await start(gguf);
    const raw = await server.client.sendRequest(ChatSend.method, { streamId: 'l1', messages: [{ role: 'user', content: 'hello world, what is the answer?' }] });
    const result = ChatSend.result.parse(raw);
    const deltas = server.notifications('nootropic/chat/delta') as { streamId: string; text: string }[];
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.every((d) => d.streamId === 'l1')).toBe(true);
    expect(deltas.map((d) => d.text).join('')).toBe(result.answer);
    expect(result.endpoint).toMatchObject({ provider: 'llamacpp', baseUrl: 'file:' });
    expect(result.model).toBe(gguf);
    // Random weights rarely pick the end token: the answer runs to the token limit (or stops on it).
    expect(['length', 'stop']).toContain(result.finishReason);
    expect(result.usage?.outputTokens).toBeGreaterThan(0);
    expect(result.usage?.outputTokens).toBeLessThanOrEqual(24);
    if (result.finishReason === 'length') expect(result.usage?.outputTokens).toBe(24);
    // The prompt went through the GGUF's ChatML template: more tokens than the question alone.
    expect(result.usage?.promptTokens).toBeGreaterThan('hello world, what is the answer?'.length / 4);
    expect(result.context.window).toMatchObject({ contextLength: TINY_GGUF_CONTEXT, contextSource: 'server' });

    const report = ModelsList.result.parse(await server.client.sendRequest(ModelsList.method, { timeoutMs: 5_000 }));
    expect(report.configured[0]).toMatchObject({ provider: 'llamacpp', model: gguf, reachable: true, contextLength: TINY_GGUF_CONTEXT, toolCalls: 'text', quantization: 'ALL_F32' });
    expect(report.configured[0]!.error).toBeUndefined();
    const local = report.discovered.find((d) => d.provider === 'llamacpp')!;
    expect(local).toMatchObject({ baseUrl: 'file:', reachable: true });
    expect(local.models).toEqual([expect.objectContaining({ name: gguf, contextLength: TINY_GGUF_CONTEXT })]);

    const doctor = Doctor.result.parse(await server.client.sendRequest(Doctor.method, { timeoutMs: 500 }));
    expect(doctor.models[0]).toMatchObject({ provider: 'llamacpp', reachable: true, detail: expect.stringMatching(/llama.*4096-token window.*cpu.*1 threads/) });
    expect(doctor.degraded.join('\n')).not.toContain('model chat');
  });

  it('$/cancelRequest stops generation, and the model answers the next request', async () => {
    server = await start(gguf, { maxOutputTokens: 2_000 });
    const source = new CancellationTokenSource();
    const pending = server.client.sendRequest(ChatSend.method, { streamId: 'c', messages: [{ role: 'user', content: 'go on forever' }] }, source.token);
    await expect.poll(() => server!.notifications('nootropic/chat/delta').length, { timeout: 15_000 }).toBeGreaterThan(0);
    source.cancel();
    await expect(pending).rejects.toMatchObject({ code: NootropicErrorCodes.RequestCancelled });
    const after = server.notifications('nootropic/chat/delta').length;
    await new Promise((r) => setTimeout(r, 300));
    expect(server.notifications('nootropic/chat/delta').length).toBe(after); // generation really stopped
    const again = ChatSend.result.parse(await server.client.sendRequest(ChatSend.method, { messages: [{ role: 'user', content: 'hello' }] }));
    expect(again.usage?.outputTokens).toBeGreaterThan(0);
  });

  it('embeds with the model’s dimension: the workspace index runs hybrid on a GGUF embedder', async () => {
    ws = tempWorkspace('nootropic-gguf-ws-');
    ws.write('src/cart.ts', 'export function applyDiscount(total: number, percent: number) {\n  return total - (total * percent) / 100;\n}\n');
    const s = startInProcessServer(env);
    server = s;
    await s.initialize(ws.root, { settings: { index: { watch: false }, models: { llamacpp }, embeddings: { provider: 'llamacpp', model: gguf } } });
    const summary = IndexBuild.result.parse(await s.client.sendRequest(IndexBuild.method, {})) as IndexSummary;
    expect(summary).toMatchObject({ mode: 'hybrid', embedder: `llamacpp:tiny.gguf@${TINY_GGUF_DIM}`, files: 1 });
  });

  it('a missing file and a file that is not GGUF fail with errors that say what to do', async () => {
    const missing = path.join(dir, 'nope.gguf');
    server = await start(missing);
    const err = await server.client.sendRequest(ChatSend.method, { messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: NootropicErrorCodes.ModelUnavailable, message: expect.stringContaining(`GGUF file not found: ${missing}`) });
    expect((err as Error).message).toContain('path of a .gguf file');
    const doctor = Doctor.result.parse(await server.client.sendRequest(Doctor.method, { timeoutMs: 500 }));
    expect(doctor.models[0]).toMatchObject({ provider: 'llamacpp', reachable: false, error: expect.stringContaining('GGUF file not found') });
    expect(doctor.degraded.join('\n')).toContain('model chat (llamacpp file:)');
    await server.client.sendRequest('shutdown');
    server.dispose();

    const bogus = path.join(dir, 'model.safetensors');
    writeFileSync(bogus, '{"not": "a gguf"}');
    server = await start(bogus);
    const err2 = await server.client.sendRequest(ChatSend.method, { messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect((err2 as Error).message).toContain('is not a GGUF file');
    expect((err2 as Error).message).toContain('convert_hf_to_gguf.py');
  });
  it('serves textDocument/inlineCompletion from a GGUF with FIM tokens (infill), and the doctor probes it', async () => {
    ws = tempWorkspace();
    const text = 'def add(a, b):\n    return \n';
    ws.write('add.py', text);
    server = await start(ggufFim, {}, ws.root);
    const uri = pathToFileURL(path.join(ws.root, 'add.py')).href;
    await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
    const items = await server.client.sendRequest<InlineCompletionItem[] | null>('textDocument/inlineCompletion', { textDocument: { uri }, position: { line: 1, character: 11 }, context: { triggerKind: 1 } });
    // Random weights: the post-processor may keep text or drop it; either way the model answered, nothing failed.
    expect(Array.isArray(items)).toBe(true);
    const info = CompletionInfo.result.parse(await server.client.sendRequest(CompletionInfo.method, { languageId: 'python' }));
    expect(info.protocol).toBe('llamacpp');
    expect(info.problem).toBeUndefined();
    expect(info.stats.served).toBe(1);
    const report = Doctor.result.parse(await server.client.sendRequest(Doctor.method, {}));
    expect(report.completion).toMatchObject({ protocol: 'llamacpp', reachable: true });
    expect(report.completion?.detail).toMatch(/llamacpp, native FIM/);
  });
});
