// Inline completion's repository context through the real index (worker thread, tree-sitter chunks) before the
// callee's name is typed: the receiver's type read from the file, its members' signatures from other files; and
// the post-processing's syntax check on a large file, which parses only the block around the cursor.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { InlineCompletionItem } from 'vscode-languageserver-protocol';
import { IndexBuild } from '../../shared/protocol';
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

async function setup(files: Record<string, string>, replies: { text: string }[] = []) {
  standin = await startModelStandin({ models: ['qwen2.5-coder:7b'], fimReplies: replies });
  ws = tempWorkspace();
  for (const [rel, text] of Object.entries(files)) ws.write(rel, text);
  server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent/nootropic.yaml' });
  await server.initialize(ws.root, { settings: { completion: { debounceMs: 0 }, models: { provider: 'ollama', baseUrl: standin.url, model: 'qwen2.5-coder:7b' } } });
  await server.client.sendRequest(IndexBuild.method, {});
}

/** Opens `rel` with `text` and asks at the end of line `line` (0-based); the prompt the stand-in got. */
async function promptAt(rel: string, languageId: string, text: string, line: number): Promise<{ items: InlineCompletionItem[] | null; prompt: string }> {
  const uri = pathToFileURL(path.join(ws!.root, rel)).href;
  await server!.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
  const before = standin!.calls('/api/generate').length;
  const character = text.split('\n')[line]!.length;
  const items = await server!.client.sendRequest<InlineCompletionItem[] | null>('textDocument/inlineCompletion', { textDocument: { uri }, position: { line, character }, context: { triggerKind: 2 } });
  const body = standin!.calls('/api/generate')[before]?.body as { prompt: string } | undefined;
  return { items, prompt: body?.prompt ?? '' };
}

const STORE_PY = [
  'class Store:',
  '    def __init__(self):',
  '        self.rows = {}',
  '',
  '    def put_row(self, key, value):',
  '        self.rows[key] = value',
  '',
  '    def remove_row(self, key):',
  '        self.rows.pop(key, None)',
  '',
  // Long enough that the class goes in by its signature only, not whole: its members come from the type lookup.
  ...Array.from({ length: 12 }, (_, i) => [`    def step_${i}(self, value):`, `        return self.rows.get(value, ${i}) or sorted(self.rows)[${i}]`, '']).flat(),
  '',
  'class Unrelated:',
  '    def put_elsewhere(self, key):',
  '        return key',
  '',
].join('\n');

describe('inline completion context before the callee is typed', () => {
  it("Python `self.store.`: the attribute's class from `self.store = Store()`, its methods' signatures from the other file", async () => {
    const app = ['from storage import Store', '', '', 'class App:', '    def __init__(self):', '        self.store = Store()', '', '    def save(self, key, value):', '        self.store.'].join('\n');
    await setup({ 'storage.py': STORE_PY, 'app.py': app });
    const { prompt } = await promptAt('app.py', 'python', app, 8);
    expect(prompt).toContain('# Path: storage.py\n');
    expect(prompt).toContain('def put_row(self, key, value):');
    expect(prompt).toContain('def remove_row(self, key):');
    expect(prompt).not.toContain('def put_elsewhere');
    // Signatures, not bodies: the class is too long to go in whole.
    expect(prompt).not.toContain('self.rows.pop(key, None)');
    expect(prompt.endsWith('        self.store.')).toBe(true);
  });

  it("Go `fs.` after `fs := flags.NewFlagSet()`: the package's methods whose receiver is *FlagSet, not another type's", async () => {
    const flagset = 'package flags\n\ntype FlagSet struct {\n\tnames []string\n}\n\nfunc NewFlagSet() *FlagSet {\n\treturn &FlagSet{}\n}\n';
    const methods = 'package flags\n\nfunc (f *FlagSet) Lookup(name string) string {\n\treturn name\n}\n\ntype Other struct{}\n\nfunc (o *Other) Unrelated() {}\n';
    const main = 'package main\n\nimport "example.com/x/flags"\n\nfunc main() {\n\tfs := flags.NewFlagSet()\n\tv := fs.\n}\n';
    await setup({ 'flags/flagset.go': flagset, 'flags/methods.go': methods, 'cmd/main.go': main });
    const { prompt } = await promptAt('cmd/main.go', 'go', main, 6);
    expect(prompt).toContain('// Path: flags/methods.go\nfunc (f *FlagSet) Lookup(name string) string {');
    expect(prompt).not.toContain('Unrelated');
  });

  it('Rust `Type::`: the associated functions of the impl in another file', async () => {
    const buf = 'pub struct Buffer {\n    data: Vec<u8>,\n}\n\nimpl Buffer {\n    pub fn with_capacity(n: usize) -> Buffer {\n        Buffer { data: Vec::with_capacity(n) }\n    }\n}\n';
    const lib = 'mod buffer;\nuse crate::buffer::Buffer;\n\npub fn make() -> Buffer {\n    Buffer::\n}\n';
    await setup({ 'src/buffer.rs': buf, 'src/lib.rs': lib });
    const { prompt } = await promptAt('src/lib.rs', 'rust', lib, 4);
    expect(prompt).toContain('pub fn with_capacity(n: usize) -> Buffer {');
  });
});

describe('the syntax check on a large file', () => {
  it('still drops a completion that adds a syntax error, and keeps a good one, when only the block around the cursor is parsed', async () => {
    const filler = Array.from({ length: 600 }, (_, i) => `def helper_${i}(x):\n    return x + ${i}\n`).join('\n');
    const text = `${filler}\n\ndef target(a, b):\n    total = \n    return total\n`;
    expect(text.length).toBeGreaterThan(16_000);
    await setup({ 'big.py': text }, [{ text: 'a b c' }, { text: 'a + b' }]);
    const line = text.split('\n').findIndex((l) => l === '    total = ');
    const bad = await promptAt('big.py', 'python', text, line);
    expect(bad.items).toEqual([]);
    const good = await promptAt('big.py', 'python', `${text}\n`, line);
    expect(good.items?.[0]?.insertText).toBe('a + b');
  });
});
