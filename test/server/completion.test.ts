// Inline completion in-process against the stand-in over real HTTP: each FIM protocol, the family template, the
// repository context from the index, cancellation down to the HTTP request, the cache, the cloud refusal, feedback.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import type { CompletionItem, InlineCompletionItem } from 'vscode-languageserver-protocol';
import { CompletionFeedback, CompletionInfo, Doctor, IndexBuild } from '../../shared/protocol';
import { startInProcessServer, type InProcessServer } from '../support/in-process';
import { startModelStandin, type Standin } from '../support/model-standin';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let server: InProcessServer | undefined;
let standin: Standin | undefined;
let ws: TempWorkspace | undefined;
afterEach(async () => {
  server?.dispose();
  await standin?.close();
  ws?.dispose();
  server = standin = ws = undefined;
});

const MAIN = "import { parseConfig } from './config';\n\nexport function start(raw: string) {\n  const cfg = parseConfig(raw);\n  const port = \n  return port;\n}\n";
const CURSOR = { line: 4, character: '  const port = '.length };

type ModelsFor = (url: string) => Record<string, unknown>;
const ollamaChat: ModelsFor = (url) => ({ provider: 'ollama', baseUrl: url, model: 'qwen2.5-coder:7b' });

async function setup(settings: Record<string, unknown>, models: ModelsFor = ollamaChat, standinOpts: Parameters<typeof startModelStandin>[0] = {}) {
  standin = await startModelStandin({ models: ['qwen2.5-coder:1.5b', 'mystery-model', 'deepseek-coder:1.3b-base', 'qwen2.5-coder:7b'], ...standinOpts });
  ws = tempWorkspace();
  ws.write('src/config.ts', 'export interface Config {\n  port: number;\n}\n\nexport function parseConfig(text: string): Config {\n  return JSON.parse(text) as Config;\n}\n');
  ws.write('src/main.ts', MAIN);
  server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent/nootropic.yaml' });
  await server.initialize(ws.root, { settings: { completion: { debounceMs: 0, ...settings }, models: models(standin.url) } });
  await server.client.sendRequest(IndexBuild.method, {});
  const uri = pathToFileURL(path.join(ws.root, 'src/main.ts')).href;
  await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 1, text: MAIN } });
  return uri;
}

const inline = (uri: string, token?: CancellationTokenSource) => {
  const params = { textDocument: { uri }, position: CURSOR, context: { triggerKind: 2 } };
  return token ? server!.client.sendRequest<InlineCompletionItem[] | null>('textDocument/inlineCompletion', params, token.token) : server!.client.sendRequest<InlineCompletionItem[] | null>('textDocument/inlineCompletion', params);
};

describe('textDocument/inlineCompletion', () => {
  it('advertises inline completion and a completion provider', async () => {
    standin = await startModelStandin();
    server = startInProcessServer();
    const init = await server.initialize(null);
    expect(init.capabilities.inlineCompletionProvider).toBe(true);
    expect(init.capabilities.completionProvider).toBeTruthy();
  });

  it("asks the endpoint's fill-in-the-middle support when a document opens, before anyone types, and not again", async () => {
    const uri = await setup({}, undefined, { fimReplies: [{ chunks: ['cfg.port;'] }] });
    await standin!.waitForRequests('/api/show', 1);
    expect(standin!.calls('/api/generate')).toHaveLength(0);
    expect(await inline(uri)).toEqual([expect.objectContaining({ insertText: 'cfg.port;' })]);
    expect(standin!.calls('/api/show')).toHaveLength(1);
  });

  it('Ollama /api/generate with suffix (native FIM), the callee definition from another file in the prompt', async () => {
    const uri = await setup({}, undefined, { fimReplies: [{ chunks: ['cfg', '.port', ';'] }] });
    const items = await inline(uri);
    expect(items).toEqual([expect.objectContaining({ insertText: 'cfg.port;', range: { start: CURSOR, end: CURSOR } })]);
    const body = standin!.calls('/api/generate')[0]!.body as { prompt: string; suffix: string; raw?: boolean; model: string };
    expect(body.model).toBe('qwen2.5-coder:7b');
    expect(body.raw).toBeUndefined();
    expect(body.suffix.startsWith('\n  return port;')).toBe(true);
    expect(body.prompt).toContain('// Path: src/config.ts\nexport function parseConfig(text: string): Config {');
    expect(body.prompt).toContain('// Path: src/main.ts\n');
    expect(body.prompt.endsWith('  const port = ')).toBe(true);
    // With no completion role, the chat endpoint serves it, and info says so.
    const info = CompletionInfo.result.parse(await server!.client.sendRequest(CompletionInfo.method, { languageId: 'typescript' }));
    expect(info).toMatchObject({ fallbackToChat: true, protocol: 'ollama', endpoint: { model: 'qwen2.5-coder:7b', role: 'completion' }, languageEnabled: true });
  });

  it('a cold start (the index opened lazily from its snapshot, in its thread) still puts the callee definition in the prompt', async () => {
    await setup({}, undefined, { fimReplies: [{ chunks: ['1;'] }, { chunks: ['cfg.port;'] }] });
    server!.dispose();
    // A second server on the same workspace: the persisted index, not a fresh build.
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent/nootropic.yaml' });
    await server.initialize(ws!.root, { settings: { completion: { debounceMs: 0 }, models: ollamaChat(standin!.url) } });
    const summary = IndexBuild.result.parse(await server.client.sendRequest(IndexBuild.method, {}));
    expect(summary.changedFiles).toBe(0);
    const uri = pathToFileURL(path.join(ws!.root, 'src/main.ts')).href;
    await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 1, text: MAIN } });
    const items = await inline(uri);
    expect(items?.[0]?.insertText).toBe('1;');
    const body = standin!.calls('/api/generate').at(-1)!.body as { prompt: string };
    expect(body.prompt).toContain('// Path: src/config.ts\nexport function parseConfig(text: string): Config {');
  });

  it('llama-server /infill with input_extra carrying the other file (the completion role, not chat)', async () => {
    const uri = await setup({ protocol: 'llama-server' }, (url) => ({ provider: 'openai', baseUrl: 'http://127.0.0.1:9/v1', model: 'chat-model', roles: { completion: [{ provider: 'openai', baseUrl: `${url}/v1`, model: 'qwen2.5-coder:1.5b' }] } }), {
      fimReplies: [{ chunks: ['cfg.', 'port;'] }],
    });
    expect(await inline(uri)).toEqual([expect.objectContaining({ insertText: 'cfg.port;' })]);
    const body = standin!.calls('/infill')[0]!.body as { input_prefix: string; input_suffix: string; input_extra: { filename: string; text: string }[] };
    expect(body.input_prefix.endsWith('  const port = ')).toBe(true);
    expect(body.input_prefix).not.toContain('Path:');
    expect(body.input_suffix.startsWith('\n  return port;')).toBe(true);
    expect(body.input_extra).toContainEqual({ filename: 'src/config.ts', text: expect.stringContaining('export function parseConfig(text: string): Config {') });
    expect(standin!.calls('/v1/chat/completions')).toHaveLength(0);
  });

  it('OpenAI-compatible /v1/completions: suffix for an unknown family, the raw family template for a known one', async () => {
    const uri = await setup({}, (url) => ({ provider: 'openai', baseUrl: `${url}/v1`, model: 'mystery-model' }), { fimReplies: [{ text: 'cfg.port;' }, { text: 'cfg.port + 1;<｜end▁of▁sentence｜>' }] });
    expect(await inline(uri)).toEqual([expect.objectContaining({ insertText: 'cfg.port;' })]);
    const native = standin!.calls('/v1/completions')[0]!.body as { prompt: string; suffix?: string; stop?: string[] };
    expect(native.suffix?.startsWith('\n  return port;')).toBe(true);
    expect(native.prompt).toContain('parseConfig(text: string)');
    // A DeepSeek model gets DeepSeek's sentinels in a raw prompt, no suffix field, and its stop strings.
    await server!.client.sendNotification('workspace/didChangeConfiguration', { settings: { nootropic: { completion: { debounceMs: 0 }, models: { provider: 'openai', baseUrl: `${standin!.url}/v1`, model: 'deepseek-coder:1.3b-base' } } } });
    await waitFor(async () => CompletionInfo.result.parse(await server!.client.sendRequest(CompletionInfo.method, {})).endpoint?.model === 'deepseek-coder:1.3b-base');
    expect(await inline(uri)).toEqual([expect.objectContaining({ insertText: 'cfg.port + 1;' })]);
    const raw = standin!.calls('/v1/completions')[1]!.body as { prompt: string; suffix?: string; stop?: string[] };
    expect(raw.suffix).toBeUndefined();
    expect(raw.prompt.startsWith('<｜fim▁begin｜>')).toBe(true);
    expect(raw.prompt).toMatch(/<｜fim▁hole｜>\n {2}return port;[\s\S]*<｜fim▁end｜>$/);
    expect(raw.stop).toContain('<｜end▁of▁sentence｜>');
  });

  it('an Ollama model without FIM in its template gets the raw family template', async () => {
    const uri = await setup({}, (url) => ({ provider: 'ollama', baseUrl: url, model: 'qwen2.5-coder:7b' }), { models: [{ name: 'qwen2.5-coder:7b', capabilities: ['completion'] }], fimReplies: [{ text: 'cfg.port;' }] });
    expect(await inline(uri)).toEqual([expect.objectContaining({ insertText: 'cfg.port;' })]);
    const body = standin!.calls('/api/generate')[0]!.body as { prompt: string; raw?: boolean; suffix?: string };
    expect(body.raw).toBe(true);
    expect(body.suffix).toBeUndefined();
    expect(body.prompt.startsWith('<|fim_prefix|>')).toBe(true);
  });

  it('a keystroke (cancel) aborts the HTTP request to the model', async () => {
    const uri = await setup({}, ollamaChat, { fimReplies: [{ chunks: ['cfg', '.port;'], stallAfter: 1 }] });
    const cts = new CancellationTokenSource();
    const pending = inline(uri, cts).catch((e: unknown) => e);
    await standin!.waitForRequests('/api/generate', 1);
    cts.cancel();
    const aborted = await standin!.waitForAbort('/api/generate');
    expect(aborted.completed).toBe(false);
    await pending;
  });

  it('answers the same position from the cache without another model request, and types through', async () => {
    const uri = await setup({}, ollamaChat, { fimReplies: [{ text: 'cfg.port;' }] });
    expect(await inline(uri)).toEqual([expect.objectContaining({ insertText: 'cfg.port;' })]);
    expect(await inline(uri)).toEqual([expect.objectContaining({ insertText: 'cfg.port;' })]);
    // Type "cfg" (what the ghost text showed): the rest comes from the cache.
    await server!.client.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: CURSOR, end: CURSOR }, text: 'cfg' }] });
    const typed = await server!.client.sendRequest<InlineCompletionItem[]>('textDocument/inlineCompletion', { textDocument: { uri }, position: { line: CURSOR.line, character: CURSOR.character + 3 }, context: { triggerKind: 2 } });
    expect(typed).toEqual([expect.objectContaining({ insertText: '.port;' })]);
    expect(standin!.calls('/api/generate')).toHaveLength(1);
  });

  it('refuses a cloud completion endpoint without opt-in: no request, the reason in status and info', async () => {
    const uri = await setup({}, (url) => ({ provider: 'ollama', baseUrl: url, model: 'qwen2.5-coder:7b', roles: { completion: [{ provider: 'ollama', baseUrl: 'http://203.0.113.7:11434', model: 'qwen2.5-coder:7b' }] } }));
    expect(await inline(uri)).toEqual([]);
    expect(standin!.requests.filter((r) => r.path === '/api/generate')).toHaveLength(0);
    const info = CompletionInfo.result.parse(await server!.client.sendRequest(CompletionInfo.method, {}));
    expect(info.problem).toMatch(/cloud use is off/);
    expect(info.fallbackToChat).toBe(false);
    const statuses = server!.notifications('nootropic/server/status') as { degraded?: string[] }[];
    expect(JSON.stringify(statuses.at(-1))).toMatch(/completion: .*cloud use is off/);
  });

  it('drops a completion that would add a syntax error, and honours disabled languages', async () => {
    const uri = await setup({ disabledLanguages: ['python'] }, ollamaChat, { fimReplies: [{ text: 'cfg.port +* ;' }] });
    expect(await inline(uri)).toEqual([]);
    expect(standin!.calls('/api/generate')).toHaveLength(1);
    const py = pathToFileURL(path.join(ws!.root, 'x.py')).href;
    await server!.client.sendNotification('textDocument/didOpen', { textDocument: { uri: py, languageId: 'python', version: 1, text: 'x = \n' } });
    expect(await server!.client.sendRequest('textDocument/inlineCompletion', { textDocument: { uri: py }, position: { line: 0, character: 4 }, context: { triggerKind: 2 } })).toEqual([]);
    expect(standin!.calls('/api/generate')).toHaveLength(1);
  });

  it('keeps to one line inside a docstring, whether the tree that says so is parsed before the request or during it', async () => {
    const twice = 'Returns the port.\n    Raises on a bad value.\n';
    await setup({}, ollamaChat, { fimReplies: [{ text: twice }, { text: twice }] });
    const ask = async (name: string, text: string, line: number) => {
      const uri = pathToFileURL(path.join(ws!.root, name)).href;
      await server!.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
      const items = await server!.client.sendRequest<InlineCompletionItem[]>('textDocument/inlineCompletion', { textDocument: { uri }, position: { line, character: 4 }, context: { triggerKind: 2 } });
      return { items, sent: (standin!.calls('/api/generate').at(-1)!.body as { options: { num_predict: number } }).options.num_predict };
    };
    // A small block is parsed while the index answers: the request already asks for one line's tokens.
    const small = await ask('small.py', 'def port(raw):\n    """\n    \n    """\n    return int(raw)\n', 2);
    expect(small.items).toEqual([expect.objectContaining({ insertText: 'Returns the port.' })]);
    expect(small.sent).toBe(64);
    // A large one is parsed once the request is out: the text alone said a block (an empty line), so the request
    // asked for a block's tokens, and the tree, known before the answer is read, still keeps it to one line.
    const doc = Array.from({ length: 120 }, (_, i) => `    line ${i} of a long description of what this function does.`).join('\n');
    const filler = Array.from({ length: 300 }, (_, i) => `def helper_${i}(x):\n    return x + ${i}\n`).join('\n');
    const large = await ask('large.py', `def port(raw):\n    """\n    \n${doc}\n    """\n    return int(raw)\n\n\n${filler}`, 2);
    expect(large.items).toEqual([expect.objectContaining({ insertText: 'Returns the port.' })]);
    expect(large.sent).toBe(128);
  });

  it('serves the same result as a completion item, and records an accepted completion for the feedback export', async () => {
    const uri = await setup({}, ollamaChat, { fimReplies: [{ text: 'cfg.port;' }] });
    const items = await server!.client.sendRequest<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: CURSOR, context: { triggerKind: 1 } });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ label: 'cfg.port;', textEdit: { newText: 'cfg.port;', range: { start: CURSOR, end: CURSOR } } });
    const id = (items[0]!.command!.arguments as string[])[0]!;
    expect(CompletionFeedback.result.parse(await server!.client.sendRequest(CompletionFeedback.method, { id, verdict: 'accept' }))).toEqual({ recorded: true });
    const lines = readFileSync(path.join(ws!.root, '.nootropic-cache/feedback/feedback.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(lines).toEqual([expect.objectContaining({ kind: 'completion', verdict: 'accept', response: 'cfg.port;' })]);
    expect(lines[0]!.prompt).toContain('<CURSOR>');
    // An unknown id is not recorded.
    expect(CompletionFeedback.result.parse(await server!.client.sendRequest(CompletionFeedback.method, { id: 'nope', verdict: 'reject' }))).toEqual({ recorded: false });
  });
});

describe('nootropic doctor: the completion endpoint', () => {
  it('probes it with a real FIM request and says when the chat model serves completions', async () => {
    await setup({}, ollamaChat, { fimReplies: [{ text: 'a + b' }] });
    const report = Doctor.result.parse(await server!.client.sendRequest(Doctor.method, { timeoutMs: 3_000 }));
    expect(report.completion).toMatchObject({ enabled: true, fallbackToChat: true, reachable: true, protocol: 'ollama', endpoint: { model: 'qwen2.5-coder:7b' } });
    expect(report.completion!.detail).toContain('native FIM');
    expect((standin!.calls('/api/generate')[0]!.body as { prompt: string }).prompt).toBe('def add(a, b):\n    return ');
  });

  it('reports an unreachable completion endpoint as degraded', async () => {
    await setup({}, (url) => ({ ...ollamaChat(url), roles: { completion: [{ provider: 'openai', baseUrl: 'http://127.0.0.1:9/v1', model: 'qwen2.5-coder:1.5b' }] } }));
    const report = Doctor.result.parse(await server!.client.sendRequest(Doctor.method, { timeoutMs: 2_000 }));
    expect(report.completion).toMatchObject({ fallbackToChat: false, reachable: false, protocol: 'openai-completions' });
    expect(report.degraded.some((d) => d.startsWith('completion (openai http://127.0.0.1:9/v1 qwen2.5-coder:1.5b)'))).toBe(true);
  });
});

async function waitFor(pred: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
