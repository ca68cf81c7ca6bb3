// Fill-in-the-middle on the embedded llama.cpp provider: node-llama-cpp's real prebuilt binary running generated
// tiny GGUFs (random weights: the text is noise, so the assertions are about which path ran, how it finished, and
// what a person sees when a GGUF cannot fill in the middle), then the same through textDocument/inlineCompletion.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InlineCompletionItem } from 'vscode-languageserver-protocol';
import { chooseTemplate } from '../../server/src/completion/fim-templates';
import { fim, type FimRequest } from '../../server/src/completion/fim-transport';
import { ModelError } from '../../server/src/models/errors';
import { LlamaRuntime } from '../../server/src/models/llamacpp-runtime';
import { createLogger } from '../../server/src/log';
import { CompletionInfo, Doctor } from '../../shared/protocol';
import { startInProcessServer, type InProcessServer } from '../support/in-process';
import { tempWorkspace, type TempWorkspace } from '../support/paths';
import { writeTinyGguf } from '../support/tiny-gguf';

let dir: string;
let runtime: LlamaRuntime;
const ggufs = {} as Record<'fim' | 'plain' | 'qwenNamed' | 'qwenMeta', string>;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nootropic-fim-gguf-'));
  ggufs.fim = writeTinyGguf(path.join(dir, 'tiny-fim.gguf'), { fim: true });
  ggufs.plain = writeTinyGguf(path.join(dir, 'tiny.gguf'));
  ggufs.qwenNamed = writeTinyGguf(path.join(dir, 'qwen2.5-coder-tiny.gguf'));
  ggufs.qwenMeta = writeTinyGguf(path.join(dir, 'model.gguf'), { name: 'Qwen2.5 Coder 0.5B' });
  runtime = new LlamaRuntime({ threads: 1, gpu: 'off', log: createLogger(() => {}, 'error') });
});
afterAll(async () => {
  await runtime.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const prefix = 'def add(a, b):\n    return ';
function request(model: string, extra: Partial<FimRequest> = {}): FimRequest {
  return {
    baseUrl: 'file:',
    model,
    prefix,
    suffix: '\n',
    bareprefix: prefix,
    extra: [],
    // What the service sends for an embedded GGUF under `template: auto`: native, the GGUF decides.
    template: chooseTemplate('auto', model, true),
    maxTokens: 12,
    temperature: 0,
    numCtx: 512,
    allowCloud: false,
    timeoutMs: 10_000,
    signal: new AbortController().signal,
    llama: runtime,
    ...extra,
  };
}

describe('fill-in-the-middle on the embedded llama.cpp runtime', { timeout: 90_000 }, () => {
  it("uses the GGUF's own FIM tokens (node-llama-cpp infill) and runs to the token limit or the end token", async () => {
    const result = await fim('llamacpp', request(ggufs.fim));
    expect(result.protocol).toBe('llamacpp');
    expect(result.sent).toMatchObject({ mode: 'infill' });
    expect(['length', 'stop']).toContain(result.finish);
  });

  it("without FIM tokens, uses the family's raw template (from the file name, else the GGUF's general.name)", async () => {
    expect((await fim('llamacpp', request(ggufs.qwenNamed))).sent).toMatchObject({ mode: 'raw qwen' });
    expect((await fim('llamacpp', request(ggufs.qwenMeta))).sent).toMatchObject({ mode: 'raw qwen' });
    // An explicit family template wins over the GGUF's own tokens.
    const forced = await fim('llamacpp', request(ggufs.fim, { template: chooseTemplate('deepseek', ggufs.fim, true) }));
    expect(forced.sent).toMatchObject({ mode: 'raw deepseek' });
  });

  it('says which setting fixes a GGUF with no FIM tokens and no known family', async () => {
    const err = await fim('llamacpp', request(ggufs.plain)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).kind).toBe('unsupported');
    expect((err as ModelError).message).toMatch(/no fill-in-the-middle tokens.*nootropic\.completion\.template/);
  });

  it('stops generating when the post-processor has its answer (early) and when the request is cancelled', async () => {
    let chunks = 0;
    const early = await fim('llamacpp', request(ggufs.fim, { maxTokens: 400, onText: () => ++chunks >= 2 }));
    expect(early.finish).toBe('early');
    expect(chunks).toBe(2);
    const controller = new AbortController();
    let seen = 0;
    const cancelled = await fim('llamacpp', request(ggufs.fim, { maxTokens: 400, signal: controller.signal, onText: () => (++seen === 2 && controller.abort(), false) })).catch((e: unknown) => e);
    expect(cancelled).toBeInstanceOf(ModelError);
    expect((cancelled as ModelError).kind).toBe('cancelled');
    expect(seen).toBeLessThan(10);
    // The context is free again: the next request runs.
    expect((await fim('llamacpp', request(ggufs.fim))).protocol).toBe('llamacpp');
  });
});

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

describe('textDocument/inlineCompletion served by an embedded GGUF', { timeout: 90_000 }, () => {
  it('answers from the llama.cpp provider, counts it as served, and the doctor probes it', async () => {
    ws = tempWorkspace();
    const text = 'def add(a, b):\n    return \n';
    ws.write('add.py', text);
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent/nootropic.yaml' });
    await server.initialize(ws.root, { settings: { index: { watch: false }, completion: { debounceMs: 0, maxTokens: 16 }, models: { provider: 'llamacpp', model: ggufs.fim, llamacpp: { threads: 1, gpu: 'off' } } } });
    const uri = pathToFileURL(path.join(ws.root, 'add.py')).href;
    await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
    const items = await server.client.sendRequest<InlineCompletionItem[] | null>('textDocument/inlineCompletion', { textDocument: { uri }, position: { line: 1, character: 11 }, context: { triggerKind: 1 } });
    // Random weights: the post-processor may keep text or drop it; either way it came from the model, not an error.
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
