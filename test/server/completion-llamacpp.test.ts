// Fill-in-the-middle on the embedded llama.cpp provider: node-llama-cpp's real prebuilt binary running generated
// tiny GGUFs (random weights: the text is noise, so the assertions are about which path ran, how it finished, and
// what a person sees when a GGUF cannot fill in the middle). textDocument/inlineCompletion on a GGUF: llamacpp.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseTemplate } from '../../server/src/completion/fim-templates';
import { fim, type FimRequest } from '../../server/src/completion/fim-transport';
import { ModelError } from '../../server/src/models/errors';
import { LlamaRuntime } from '../../server/src/models/llamacpp-runtime';
import { createLogger } from '../../server/src/log';
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
