// Tool-call normalisation (native and text protocol, one repair round), model edit formats, prompt budget,
// registry, hardware and the recommendation, and the named-files retriever.
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { namedFiles, NamedFilesRetriever } from '../../../server/src/context/named-files';
import { createLogger } from '../../../server/src/log';
import { parseModelEdits } from '../../../server/src/edits/formats';
import { parseNvidiaSmi, type HardwareSummary } from '../../../server/src/models/hardware';
import { OllamaAdapter } from '../../../server/src/models/ollama';
import { OpenAiCompatibleAdapter } from '../../../server/src/models/openai-compatible';
import { fitToWindow, type ContextPiece } from '../../../server/src/models/prompt-budget';
import { recommendLocalModel } from '../../../server/src/models/recommend';
import { lookupModel, registryModels } from '../../../server/src/models/registry';
import { chatWithTools, parseTextToolCalls } from '../../../server/src/models/tool-calls';
import type { ChatRequest } from '../../../server/src/models/types';
import { startModelStandin, type Standin } from '../../support/model-standin';
import { tempWorkspace } from '../../support/paths';

let standin: Standin | undefined;
afterEach(async () => {
  await standin?.close();
  standin = undefined;
});

const Search = { name: 'search', description: 'search the workspace', parameters: z.object({ query: z.string().min(1), limit: z.number().int().max(20) }) };
const log = createLogger(() => {}, 'error');
const base = (signal = new AbortController().signal) => ({ maxOutputTokens: 128, contextLength: 8_192, promptTokens: 100, signal });

describe('tool calls', () => {
  it('text protocol: parses fenced tool_call blocks and reports broken JSON', () => {
    const ok = parseTextToolCalls('I will search.\n```tool_call\n{"name": "search", "arguments": {"query": "x", "limit": 3}}\n```');
    expect(ok.calls).toEqual([{ name: 'search', arguments: { query: 'x', limit: 3 } }]);
    expect(ok.prose).toBe('I will search.');
    expect(parseTextToolCalls('```tool_call\n{"name": "search", "arguments": \n```').problems[0]).toContain('not valid JSON');
  });

  it('text protocol against a model without tool support: invalid call, one repair round with the error quoted, then valid', async () => {
    standin = await startModelStandin({
      replies: [
        { text: '```tool_call\n{"name": "search", "arguments": {"query": "", "limit": 99}}\n```' },
        { text: '```tool_call\n{"name": "search", "arguments": {"query": "parseConfig", "limit": 5}}\n```' },
      ],
    });
    const adapter = new OllamaAdapter({ baseUrl: standin.url, allowCloud: false, timeoutMs: 5_000, log });
    const send = (req: Pick<ChatRequest, 'messages' | 'tools'>) => adapter.chat('qwen2.5-coder:7b', { ...base(), ...req });
    const out = await chatWithTools(send, [{ role: 'user', content: 'find parseConfig' }], [Search], 'text');
    expect(out).toMatchObject({ mode: 'text', repaired: true, toolCalls: [{ name: 'search', arguments: { query: 'parseConfig', limit: 5 } }] });
    const calls = standin.calls('/api/chat');
    expect(calls).toHaveLength(2);
    const first = calls[0]!.body as { messages: { role: string; content: string }[]; tools?: unknown };
    expect(first.tools).toBeUndefined();
    expect(first.messages[0]!.content).toContain('```tool_call');
    const repair = (calls[1]!.body as { messages: { content: string }[] }).messages.at(-1)!.content;
    expect(repair).toContain('arguments.query');
    expect(repair).toContain('arguments.limit');
  });

  it('native calls are validated too, and a second invalid reply is a clear error', async () => {
    standin = await startModelStandin({
      replies: [
        { toolCalls: [{ name: 'search', arguments: '{"query": "a", "limit": ' }] },
        { toolCalls: [{ name: 'nope', arguments: {} }] },
      ],
    });
    const adapter = new OpenAiCompatibleAdapter({ baseUrl: `${standin.url}/v1`, allowCloud: false, timeoutMs: 5_000, log });
    const send = (req: Pick<ChatRequest, 'messages' | 'tools'>) => adapter.chat('m', { ...base(), ...req });
    await expect(chatWithTools(send, [{ role: 'user', content: 'go' }], [Search], 'native')).rejects.toMatchObject({
      kind: 'malformed',
      message: expect.stringContaining('unknown tool "nope"'),
    });
    expect((standin.calls('/v1/chat/completions')[1]!.body as { messages: { content: string }[] }).messages.at(-1)!.content).toContain('not valid JSON');
  });
});

describe('edit formats', () => {
  it('reads fenced SEARCH/REPLACE blocks with a path line above the fence', () => {
    const text = [
      'Here is the change:',
      '',
      'src/math.ts',
      '```ts',
      '<<<<<<< SEARCH',
      'export const add = (a, b) => a - b;',
      '=======',
      'export const add = (a, b) => a + b;',
      '>>>>>>> REPLACE',
      '```',
    ].join('\n');
    expect(parseModelEdits(text)).toEqual({
      edits: [{ kind: 'search-replace', path: 'src/math.ts', search: 'export const add = (a, b) => a - b;\n', replace: 'export const add = (a, b) => a + b;\n' }],
      problems: [],
    });
  });

  it('reads unified diffs, fenced or bare, and reports blocks it cannot use', () => {
    const diff = ['```diff', '--- a/src/math.ts', '+++ b/src/math.ts', '@@ -1,2 +1,2 @@', ' // math', '-export const add = (a, b) => a - b;', '+export const add = (a, b) => a + b;', '```'].join('\n');
    const parsed = parseModelEdits(diff);
    expect(parsed.problems).toEqual([]);
    expect(parsed.edits).toMatchObject([{ kind: 'unified-diff', path: 'src/math.ts', hunks: 1, creates: false }]);
    expect((parsed.edits[0] as { patch: string }).patch).toContain('+export const add = (a, b) => a + b;');
    const created = parseModelEdits('--- /dev/null\n+++ b/new.ts\n@@ -0,0 +1 @@\n+x\n');
    expect(created.edits).toMatchObject([{ path: 'new.ts', creates: true }]);
    expect(parseModelEdits('<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE').problems[0]).toContain('no file path');
    expect(parseModelEdits('f.ts\n<<<<<<< SEARCH\na\n').problems[0]).toContain('no ======= divider');
  });
});

describe('prompt budget', () => {
  const piece = (kind: ContextPiece['kind'], score: number, chars: number, p = `${kind}-${score}.ts`): ContextPiece => ({ kind, score, path: p, startLine: 1, endLine: 10, text: 'x'.repeat(chars) });

  it('keeps everything that fits', () => {
    const r = fitToWindow({ fixed: ['q'], pieces: [piece('retrieved', 0.5, 100)], window: 4_096, reservedForAnswer: 512 });
    expect(r.kept).toHaveLength(1);
    expect(r.dropped).toEqual([]);
  });

  it('drops the lowest-ranked context first and says what and why', () => {
    const pieces = [piece('retrieved', 0.2, 3_000), piece('retrieved', 0.9, 3_000), piece('selection', 1, 300), piece('open-file', 1, 3_000)];
    const r = fitToWindow({ fixed: ['system prompt', 'question'], pieces, window: 3_000, reservedForAnswer: 512 });
    expect(r.kept.map((p) => `${p.kind}:${p.score}`)).toEqual(['selection:1', 'open-file:1', 'retrieved:0.9']);
    expect(r.dropped).toMatchObject([{ kind: 'retrieved', path: 'retrieved-0.2.ts', reason: expect.stringContaining('does not fit') }]);
    expect(r.promptTokens + r.reservedForAnswer).toBeLessThanOrEqual(3_000);
  });

  it('refuses a question that cannot fit at all', () => {
    expect(() => fitToWindow({ fixed: ['q'.repeat(20_000)], pieces: [], window: 2_048, reservedForAnswer: 512 })).toThrow(/larger context/);
  });
});

describe('registry, hardware, recommendation', () => {
  it('the registry parses and finds models by name, alias and :latest', () => {
    expect(registryModels().length).toBeGreaterThan(5);
    expect(lookupModel('qwen2.5-coder:7b:latest'.replace(':latest', ''), 'ollama')).toMatchObject({ contextLength: 32_768, toolCalls: true });
    expect(lookupModel('qwen2.5-coder-7b-instruct')).toMatchObject({ name: 'qwen2.5-coder:7b' });
    expect(lookupModel('gpt-4o-mini')).toMatchObject({ costPerMTokens: { input: 0.15, output: 0.6 } });
    expect(lookupModel('nomic-embed-text:latest')).toMatchObject({ kind: 'embed' });
  });

  it('parses nvidia-smi CSV', () => {
    expect(parseNvidiaSmi('NVIDIA H100 80GB HBM3, 81559, 550.54.15\nNVIDIA RTX 4090, 24564, 550.54.15\n')).toEqual([
      { name: 'NVIDIA H100 80GB HBM3', memoryGiB: 79.6, driver: '550.54.15' },
      { name: 'NVIDIA RTX 4090', memoryGiB: 24, driver: '550.54.15' },
    ]);
  });

  const hw = (ram: number, gpus: HardwareSummary['gpus'] = []): HardwareSummary => ({
    platform: 'linux',
    arch: 'x64',
    totalMemoryGiB: ram,
    freeMemoryGiB: ram / 2,
    cpu: { model: 'cpu', cores: 8, features: ['avx2'] },
    gpus,
    gpuProbe: 'test',
  });

  it('recommends by VRAM when there is a GPU, by RAM otherwise, and prefers an installed near-best model', () => {
    expect(recommendLocalModel(hw(8), registryModels())).toMatchObject({ name: 'qwen2.5-coder:3b', installed: false, command: 'ollama pull qwen2.5-coder:3b' });
    expect(recommendLocalModel(hw(16, [{ name: 'RTX 4090', memoryGiB: 24 }]), registryModels())?.name).toBe('qwen2.5-coder:32b');
    expect(recommendLocalModel(hw(24), registryModels(), ['qwen2.5-coder:7b'])).toMatchObject({ name: 'qwen2.5-coder:7b', installed: true });
    expect(recommendLocalModel(hw(1), registryModels())).toBeNull();
  });
});

describe('named-files retriever', () => {
  it('finds files named in the question by path or bare name, with real line ranges', async () => {
    const ws = tempWorkspace();
    try {
      ws.write('src/math.ts', Array.from({ length: 130 }, (_, i) => (i === 70 ? 'export function parseConfig() {}' : `// line ${i + 1}`)).join('\n'));
      ws.write('lib/util/strings.py', 'def slug(s):\n    return s\n');
      expect(namedFiles('what does src/math.ts do, and strings.py?')).toEqual(['src/math.ts', 'strings.py']);
      const chunks = await new NamedFilesRetriever(ws.root).retrieve('where is parseConfig in src/math.ts? also strings.py', 10, new AbortController().signal);
      const ranges = chunks.map((c) => `${c.path}:${c.startLine}-${c.endLine}`);
      expect(ranges[0]).toBe('src/math.ts:61-120'); // the window with the question's word ranks first
      expect([...ranges].sort()).toEqual(['lib/util/strings.py:1-3', 'src/math.ts:1-60', 'src/math.ts:121-130', 'src/math.ts:61-120']);
      expect(chunks[0]!.text).toContain('parseConfig');
    } finally {
      ws.dispose();
    }
  });

  it('never reads outside the workspace, through .. or a symlink', async () => {
    const ws = tempWorkspace();
    const outside = mkdtempSync(path.join(os.tmpdir(), 'nootropic-outside-'));
    try {
      writeFileSync(path.join(outside, 'secret.txt'), 'top secret');
      symlinkSync(path.join(outside, 'secret.txt'), path.join(ws.root, 'link.txt'));
      const r = new NamedFilesRetriever(ws.root);
      const signal = new AbortController().signal;
      expect(await r.retrieve(`read ../${path.basename(outside)}/secret.txt`, 5, signal)).toEqual([]);
      expect(await r.retrieve('read link.txt', 5, signal)).toEqual([]);
      expect(r.status().index).toBe('unavailable');
    } finally {
      ws.dispose();
    }
  });
});
