import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { hasTree } from '../../server/src/edits/tree-cache';
import { startInProcessServer, type InProcessServer } from '../support/in-process';

let server: InProcessServer;
afterEach(() => server?.dispose());

const uri = (name: string) => pathToFileURL(`/tmp/nootropic-virtual/${name}`).href;

describe('syntax diagnostics over LSP (in-process)', () => {
  it('publishes a diagnostic at a syntax error on open, and clears it when the text is fixed', async () => {
    server = startInProcessServer();
    await server.initialize(null, { settings: { diagnostics: { syntax: { debounceMs: 0 } } } });
    const doc = uri('a.ts');
    const first = server.diagnostics(doc);
    await server.client.sendNotification('textDocument/didOpen', {
      textDocument: { uri: doc, languageId: 'typescript', version: 1, text: 'const ok = 1;\nfunction f( {\n' },
    });
    const published = await first;
    expect(published.diagnostics.length).toBeGreaterThan(0);
    expect(published.diagnostics[0]).toMatchObject({ source: 'nootropic', code: 'syntax', severity: 1, range: { start: { line: 1 } } });

    const cleared = server.diagnostics(doc, (p) => p.version === 2);
    await server.client.sendNotification('textDocument/didChange', {
      textDocument: { uri: doc, version: 2 },
      contentChanges: [{ range: { start: { line: 1, character: 11 }, end: { line: 1, character: 11 } }, text: ')' }],
    });
    // "function f() {" is still unclosed: fix that too with a second incremental change.
    const fixed = await cleared;
    const closing = server.diagnostics(doc, (p) => p.version === 3);
    await server.client.sendNotification('textDocument/didChange', {
      textDocument: { uri: doc, version: 3 },
      contentChanges: [{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text: '}\n' }],
    });
    expect(fixed.version).toBe(2);
    expect((await closing).diagnostics).toEqual([]);
  });

  it('keeps diagnostics right as each change is checked from the last tree, and frees the tree on close', async () => {
    server = startInProcessServer();
    await server.initialize(null, { settings: { diagnostics: { syntax: { debounceMs: 0 } } } });
    const doc = uri('incremental.py');
    const body = Array.from({ length: 200 }, (_, i) => `def f${i}(x):\n    return x + ${i}\n`).join('\n');
    const opened = server.diagnostics(doc);
    await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri: doc, languageId: 'python', version: 1, text: body } });
    expect((await opened).diagnostics).toEqual([]);
    expect(hasTree('python', body)).toBe(true);
    // An unclosed call on line 101, then closed again: each check sees its own text's errors.
    const broken = server.diagnostics(doc, (p) => p.version === 2);
    await server.client.sendNotification('textDocument/didChange', {
      textDocument: { uri: doc, version: 2 },
      contentChanges: [{ range: { start: { line: 100, character: 4 }, end: { line: 100, character: 4 } }, text: 'y = g(' }],
    });
    const errors = (await broken).diagnostics;
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.range.start.line).toBeGreaterThanOrEqual(100);
    const mended = server.diagnostics(doc, (p) => p.version === 3);
    await server.client.sendNotification('textDocument/didChange', {
      textDocument: { uri: doc, version: 3 },
      contentChanges: [{ range: { start: { line: 100, character: 10 }, end: { line: 100, character: 10 } }, text: ')\n    ' }],
    });
    expect((await mended).diagnostics).toEqual([]);
    const last = body.split('\n');
    last[100] = `    y = g()\n    ${last[100]!.slice(4)}`;
    expect(hasTree('python', last.join('\n'))).toBe(true);
    const closed = server.diagnostics(doc, (p) => p.diagnostics.length === 0);
    await server.client.sendNotification('textDocument/didClose', { textDocument: { uri: doc } });
    await closed;
    expect(hasTree('python', last.join('\n'))).toBe(false);
  });

  it('serves Python, Go, Rust and Java by languageId, and falls back to the file extension', async () => {
    server = startInProcessServer();
    await server.initialize(null, { settings: { diagnostics: { syntax: { debounceMs: 0 } } } });
    const docs = [
      { name: 'a.py', languageId: 'python', text: 'def f(:\n  pass\n' },
      { name: 'a.go', languageId: 'go', text: 'package main\nfunc f( {}\n' },
      { name: 'a.rs', languageId: 'rust', text: 'fn f( {}\n' },
      { name: 'A.java', languageId: 'java', text: 'class A { void f( }\n' },
      { name: 'b.tsx', languageId: 'some-editor-id', text: 'const x = <div className={a>hi</div>;\n' },
    ];
    for (const d of docs) {
      const got = server.diagnostics(uri(d.name));
      await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(d.name), languageId: d.languageId, version: 1, text: d.text } });
      expect((await got).diagnostics.length, d.name).toBeGreaterThan(0);
    }
  });

  it('publishes an empty list for a document without a grammar, and clears on close', async () => {
    server = startInProcessServer();
    await server.initialize(null);
    const doc = uri('notes.txt');
    const got = server.diagnostics(doc);
    await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri: doc, languageId: 'plaintext', version: 1, text: 'function (' } });
    expect((await got).diagnostics).toEqual([]);

    const ts = uri('c.ts');
    const open = server.diagnostics(ts);
    await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri: ts, languageId: 'typescript', version: 1, text: 'let = ;' } });
    expect((await open).diagnostics.length).toBeGreaterThan(0);
    const closed = server.diagnostics(ts);
    await server.client.sendNotification('textDocument/didClose', { textDocument: { uri: ts } });
    expect((await closed).diagnostics).toEqual([]);
  });

  it('turns off when nootropic.diagnostics.syntax.enabled is false (didChangeConfiguration)', async () => {
    server = startInProcessServer();
    await server.initialize(null, { settings: { diagnostics: { syntax: { debounceMs: 0 } } } });
    const doc = uri('d.ts');
    const open = server.diagnostics(doc);
    await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri: doc, languageId: 'typescript', version: 1, text: 'let = ;' } });
    expect((await open).diagnostics.length).toBeGreaterThan(0);
    const off = server.diagnostics(doc, (p) => p.diagnostics.length === 0);
    await server.client.sendNotification('workspace/didChangeConfiguration', {
      settings: { nootropic: { diagnostics: { syntax: { enabled: false, debounceMs: 0 } } } },
    });
    expect((await off).diagnostics).toEqual([]);
  });

  it('publishes nothing for languages the client lists in skipLanguages (its own server reports them); others get all', async () => {
    server = startInProcessServer();
    // A client whose own server reports TS/JS syntax errors lists them (Neovim with tsserver, say).
    await server.initialize(null, { settings: { diagnostics: { syntax: { debounceMs: 0, skipLanguages: ['typescript', 'javascript'] } } } });
    const ts = uri('skip.ts');
    const tsGot = server.diagnostics(ts);
    await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri: ts, languageId: 'typescript', version: 1, text: 'let = ;' } });
    expect((await tsGot).diagnostics).toEqual([]);
    const py = uri('kept.py');
    const pyGot = server.diagnostics(py);
    await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri: py, languageId: 'python', version: 1, text: 'def f(:\n  pass\n' } });
    expect((await pyGot).diagnostics.length).toBeGreaterThan(0);
    // The client stops asking: the open TS document gets its syntax errors again.
    const back = server.diagnostics(ts, (p) => p.diagnostics.length > 0);
    await server.client.sendNotification('workspace/didChangeConfiguration', { settings: { nootropic: { diagnostics: { syntax: { debounceMs: 0, skipLanguages: [] } } } } });
    expect((await back).diagnostics[0]).toMatchObject({ source: 'nootropic', code: 'syntax' });
  });

  it("publishes nothing for the languages VS Code's own extensions check (syntaxOffLanguages), added to skipLanguages", async () => {
    server = startInProcessServer();
    // What the VS Code extension sends by default (extension/syntax-languages.ts), plus a skipLanguages of the user's.
    await server.initialize(null, {
      settings: { diagnostics: { syntax: { debounceMs: 0, skipLanguages: ['go'] } } },
      syntaxOffLanguages: ['typescript', 'typescriptreact', 'javascript', 'javascriptreact', 'css'],
    });
    const open = async (name: string, languageId: string, text: string) => {
      const got = server.diagnostics(uri(name));
      await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(name), languageId, version: 1, text } });
      return (await got).diagnostics;
    };
    expect(await open('off.ts', 'typescript', 'let = ;')).toEqual([]);
    expect(await open('off.js', 'javascript', 'let = ;')).toEqual([]);
    expect(await open('off.go', 'go', 'package main\nfunc f( {}\n')).toEqual([]);
    expect((await open('on.py', 'python', 'def f(:\n  pass\n')).length).toBeGreaterThan(0);
    // The user turns TypeScript back on ("[typescript]": { "nootropic.diagnostics.syntax.enabled": true }): the
    // extension sends the new list and the open TS document gets its syntax error; the user's own skip stays.
    const back = server.diagnostics(uri('off.ts'), (p) => p.diagnostics.length > 0);
    await server.client.sendNotification('workspace/didChangeConfiguration', {
      settings: { nootropic: { diagnostics: { syntax: { debounceMs: 0, skipLanguages: ['go'] } } }, nootropicSyntaxOffLanguages: ['javascript'] },
    });
    expect((await back).diagnostics[0]).toMatchObject({ source: 'nootropic', code: 'syntax' });
    expect(await open('still-off.go', 'go', 'package main\nfunc f( {}\n')).toEqual([]);
    expect(await open('still-off.js', 'javascript', 'let = ;')).toEqual([]);
  });
});
