// The TextEdit the LSP apply path sends: only the changed lines, and applied the way a client applies it, exactly
// the new text (random edits over CRLF, BOM, astral characters and missing final newlines).
import { TextDocument } from 'vscode-languageserver-textdocument';
import { describe, expect, it } from 'vitest';
import { minimalEdit } from '../../../server/src/handlers/edits';

function rng(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

describe('minimalEdit', () => {
  it('covers only the changed lines', () => {
    const e = minimalEdit('a\nb\nc\nd\n', 'a\nB\nc\nd\n');
    expect(e).toEqual({ range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } }, newText: 'B\n' });
  });

  it('round-trips through TextDocument.applyEdits for random edits', () => {
    const rand = rng(7);
    const pieces = ['foo', 'bar()', '😀x', '', '  indented', '\t{', '}'];
    for (let n = 0; n < 3000; n++) {
      const eol = rand() < 0.3 ? '\r\n' : '\n';
      const lines = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => pieces[Math.floor(rand() * pieces.length)]!);
      const before = (rand() < 0.2 ? '\uFEFF' : '') + lines.join(eol) + (rand() < 0.5 ? eol : '');
      const afterLines = [...lines];
      const at = Math.floor(rand() * (afterLines.length + 1));
      if (rand() < 0.5) afterLines.splice(at, rand() < 0.5 ? 1 : 0, pieces[Math.floor(rand() * pieces.length)]!);
      else afterLines.splice(at, 1);
      const after = (before.startsWith('\uFEFF') ? '\uFEFF' : '') + afterLines.join(eol) + (rand() < 0.5 ? eol : '');
      const strip = (t: string) => t.replace(/^\uFEFF/, '');
      const doc = TextDocument.create('file:///x.ts', 'typescript', 1, strip(before));
      expect(TextDocument.applyEdits(doc, [minimalEdit(before, after)]), JSON.stringify({ before, after })).toBe(strip(after));
    }
  });
});
