// An independent JSON-RPC client over `nootropic-lsp --stdio` (the path Neovim and Helix take) gets an inline
// completion and the same text as a completion item, from the stand-in over real HTTP.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { CompletionItem, InlineCompletionItem } from 'vscode-languageserver-protocol';
import { spawnStdioServer, type LspProcess } from '../support/lsp-process';
import { startModelStandin, type Standin } from '../support/model-standin';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let proc: LspProcess | undefined;
let standin: Standin | undefined;
let ws: TempWorkspace | undefined;
afterEach(async () => {
  proc?.kill();
  await standin?.close();
  ws?.dispose();
  proc = standin = ws = undefined;
});

describe('inline completion over nootropic-lsp --stdio', () => {
  it('answers textDocument/inlineCompletion and textDocument/completion', async () => {
    standin = await startModelStandin({ fimReplies: [{ text: 'a + b;' }, { text: 'a + b;' }] });
    ws = tempWorkspace();
    const text = 'export function add(a: number, b: number): number {\n  return \n}\n';
    ws.write('src/add.ts', text);
    proc = spawnStdioServer({ NOOTROPIC_PROVIDER: 'ollama', NOOTROPIC_BASE_URL: standin.url, NOOTROPIC_MODEL: 'qwen2.5-coder:7b', NOOTROPIC_USER_CONFIG: '/nonexistent/nootropic.yaml' });
    const init = await proc.initialize(ws.root);
    expect(init.capabilities.inlineCompletionProvider).toBe(true);
    const uri = pathToFileURL(path.join(ws.root, 'src/add.ts')).href;
    await proc.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 1, text } });
    const position = { line: 1, character: '  return '.length };
    const inline = await proc.client.sendRequest<InlineCompletionItem[]>('textDocument/inlineCompletion', { textDocument: { uri }, position, context: { triggerKind: 1 } });
    expect(inline).toEqual([expect.objectContaining({ insertText: 'a + b;', range: { start: position, end: position } })]);
    const items = await proc.client.sendRequest<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position, context: { triggerKind: 1 } });
    expect(items).toEqual([expect.objectContaining({ label: 'a + b;', textEdit: { range: { start: position, end: position }, newText: 'a + b;' } })]);
    // The second answer came from the prefix cache: one model request for both.
    expect(standin.calls('/api/generate')).toHaveLength(1);
  });
});
