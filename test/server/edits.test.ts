// The edit engine over LSP (in-process server): preview writes nothing and uses open buffers; apply returns a
// WorkspaceEdit that, applied the way a client would, yields exactly the previewed text; refusals carry the reason.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { afterEach, describe, expect, it } from 'vitest';
import { EditApply, EditPreview, type ResultOf } from '../../shared/protocol';
import { startInProcessServer, type InProcessServer } from '../support/in-process';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let server: InProcessServer;
let ws: TempWorkspace;
afterEach(() => {
  server?.dispose();
  ws?.dispose();
});

const SRC = 'export function add(a: number, b: number) {\n  return a - b;\n}\n\nexport const keep = 1;\n';
const block = (file: string, s: string, r: string) => `${file}\n\`\`\`ts\n<<<<<<< SEARCH\n${s}\n=======\n${r}\n>>>>>>> REPLACE\n\`\`\`\n`;

/** Applies a WorkspaceEdit's text edits the way a client does (TextDocument.applyEdits). */
function applyLikeClient(text: string, edit: NonNullable<ResultOf<typeof EditApply>['edit']>, uri: string): string {
  const change = edit.documentChanges.find((c) => 'textDocument' in c && c.textDocument.uri === uri);
  if (!change || !('edits' in change)) throw new Error(`no edit for ${uri}`);
  return TextDocument.applyEdits(TextDocument.create(uri, 'typescript', 1, text), change.edits);
}

describe('nootropic/edit/preview and nootropic/edit/apply (in-process)', () => {
  it('preview returns the resulting text and diff without writing; apply returns a WorkspaceEdit that yields it', async () => {
    ws = tempWorkspace('nootropic-lsp-edits-');
    const file = ws.write('src/math.ts', SRC);
    const uri = pathToFileURL(file).href;
    server = startInProcessServer();
    await server.initialize(ws.root);
    const text = block('src/math.ts', '  return a - b;', '  return a + b;');
    const preview = (await server.client.sendRequest(EditPreview.method, { text })) as ResultOf<typeof EditPreview>;
    expect(preview).toMatchObject({ applied: true, files: [{ uri, before: SRC, after: SRC.replace('a - b', 'a + b') }] });
    expect(preview.diff).toContain('+  return a + b;');
    expect(readFileSync(file, 'utf8')).toBe(SRC);

    const applied = (await server.client.sendRequest(EditApply.method, { text, label: 'test' })) as ResultOf<typeof EditApply>;
    expect(applied.applied).toBe(true);
    expect(applied.edit?.documentChanges).toEqual([
      { textDocument: { uri, version: null }, edits: [{ range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } }, newText: '  return a + b;\n' }] },
    ]);
    expect(applyLikeClient(SRC, applied.edit!, uri)).toBe(preview.files[0]!.after);
    // The server wrote nothing and journaled nothing: the editor's undo stack owns this change.
    expect(readFileSync(file, 'utf8')).toBe(SRC);
  });

  it('uses the open (unsaved) buffer over disk, with its version, and honours targetUri', async () => {
    ws = tempWorkspace('nootropic-lsp-edits-');
    const file = ws.write('src/math.ts', SRC);
    const uri = pathToFileURL(file).href;
    server = startInProcessServer();
    await server.initialize(ws.root);
    const buffer = SRC.replace('export const keep = 1;', 'export const keep = 2; // unsaved');
    await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 7, text: buffer } });
    // The path in the text names another file; targetUri wins.
    const text = '<<<<<<< SEARCH\nexport const keep = 2; // unsaved\n=======\nexport const keep = 3;\n>>>>>>> REPLACE\n';
    const applied = (await server.client.sendRequest(EditApply.method, { text: `elsewhere.ts\n${text}`, targetUri: uri })) as ResultOf<typeof EditApply>;
    expect(applied.applied, applied.reason).toBe(true);
    expect(applied.edit?.documentChanges[0]).toMatchObject({ textDocument: { uri, version: 7 } });
    expect(applyLikeClient(buffer, applied.edit!, uri)).toBe(SRC.replace('export const keep = 1;', 'export const keep = 3;'));
  });

  it('refusals: the reason names the block, no WorkspaceEdit; new files come as create + insert', async () => {
    ws = tempWorkspace('nootropic-lsp-edits-');
    ws.write('src/math.ts', SRC);
    server = startInProcessServer();
    await server.initialize(ws.root);
    const broken = (await server.client.sendRequest(EditApply.method, { text: block('src/math.ts', '  return a - b;\n}', '  return a + b;') })) as ResultOf<typeof EditApply>;
    expect(broken.applied).toBe(false);
    expect(broken.edit).toBeUndefined();
    expect(broken.reason).toMatch(/block 1 \(src\/math\.ts\): the edit introduces a syntax error in src\/math\.ts at line \d+/);
    const created = (await server.client.sendRequest(EditApply.method, { text: 'src/new.ts\n```ts\nexport const n = 1;\n```\n' })) as ResultOf<typeof EditApply>;
    const uri = pathToFileURL(path.join(ws.root, 'src/new.ts')).href;
    expect(created.edit?.documentChanges).toEqual([
      { kind: 'create', uri, options: { overwrite: false, ignoreIfExists: false } },
      { textDocument: { uri, version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: 'export const n = 1;\n' }] },
    ]);
  });

  it('multi-file answer: preview returns every file; a failure in the last file refuses the whole set, nothing written', async () => {
    ws = tempWorkspace('nootropic-lsp-edits-');
    const files = { 'src/a.ts': 'export const a = 1;\n', 'src/b.ts': 'export const b = 2;\n', 'lib/c.ts': 'export const c = 3;\n' };
    for (const [p, t] of Object.entries(files)) ws.write(p, t);
    server = startInProcessServer();
    await server.initialize(ws.root);
    const diff = ['```diff', '--- a/lib/c.ts', '+++ b/lib/c.ts', '@@ -1 +1 @@', '-export const c = 3;', '+export const c = 30;', '```', ''].join('\n');
    const good = block('src/a.ts', 'export const a = 1;', 'export const a = 10;') + block('src/b.ts', 'export const b = 2;', 'export const b = 20;') + diff;
    const preview = (await server.client.sendRequest(EditPreview.method, { text: good })) as ResultOf<typeof EditPreview>;
    expect(preview.applied, preview.reason).toBe(true);
    expect(preview.files.map((f) => path.relative(ws.root, new URL(f.uri).pathname)).sort()).toEqual(['lib/c.ts', 'src/a.ts', 'src/b.ts']);
    const applied = (await server.client.sendRequest(EditApply.method, { text: good })) as ResultOf<typeof EditApply>;
    expect(applied.edit?.documentChanges).toHaveLength(3);

    const bad = good.replace('-export const c = 3;', '-export const c = 4;');
    for (const method of [EditPreview.method, EditApply.method]) {
      const r = (await server.client.sendRequest(method, { text: bad })) as ResultOf<typeof EditApply>;
      expect(r).toMatchObject({ applied: false, files: [] });
      expect(r.reason).toMatch(/lib\/c\.ts/);
      expect(r.edit).toBeUndefined();
    }
    for (const [p, t] of Object.entries(files)) expect(readFileSync(path.join(ws.root, p), 'utf8')).toBe(t);
  });

  it('without a workspace folder the request fails with a clear error', async () => {
    server = startInProcessServer();
    await server.initialize(null);
    await expect(server.client.sendRequest(EditPreview.method, { text: 'x' })).rejects.toThrow(/no workspace folder is open/);
  });
});
