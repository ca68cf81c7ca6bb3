import { describe, expect, it } from 'vitest';
import { syntaxProblems } from '../../server/src/syntax/errors';
import { grammarFor, type GrammarName } from '../../server/src/syntax/grammars';
import { parse } from '../../server/src/syntax/parser';

async function problems(grammar: GrammarName, text: string) {
  const tree = await parse(grammar, text);
  try {
    return syntaxProblems(tree);
  } finally {
    tree.delete();
  }
}

// Each language: a clean program, and the same program broken on a known line.
const CASES: { grammar: GrammarName; clean: string; broken: string; line: number }[] = [
  { grammar: 'typescript', clean: 'const a: number = 1;\nfunction f(x: string) { return x; }\n', broken: 'const a: number = 1;\nfunction f(x: string { return x; }\n', line: 1 },
  { grammar: 'tsx', clean: 'const el = <div className="a">hi</div>;\n', broken: 'const x = 1;\nconst el = <div className={a>hi</div>;\n', line: 1 },
  { grammar: 'javascript', clean: 'const o = { a: 1 };\n', broken: 'let ok = 1;\nconst o = { a: 1 ;\n', line: 1 },
  { grammar: 'python', clean: 'def f(x):\n    return x\n', broken: 'import os\ndef f(x:\n    return x\n', line: 1 },
  { grammar: 'go', clean: 'package main\nfunc f() int { return 1 }\n', broken: 'package main\nfunc f( int { return 1 }\n', line: 1 },
  { grammar: 'rust', clean: 'fn f() -> i32 { 1 }\n', broken: 'use std::io;\nfn f( -> i32 { 1 }\n', line: 1 },
  { grammar: 'java', clean: 'class A { int f() { return 1; } }\n', broken: 'package p;\nclass A { int f( { return 1; } }\n', line: 1 },
];

describe('tree-sitter syntax problems', () => {
  for (const c of CASES) {
    it(`${c.grammar}: none in a clean file, one at the broken line`, async () => {
      expect(await problems(c.grammar, c.clean)).toEqual([]);
      const found = await problems(c.grammar, c.broken);
      expect(found.length).toBeGreaterThan(0);
      expect(found[0]!.start.line).toBe(c.line);
      expect(found[0]!.message).toMatch(/^Syntax error/);
    });
  }

  it('reports columns in UTF-16 code units (what LSP positions use)', async () => {
    const found = await problems('typescript', 'const s = "😀é"; let x = ;');
    expect(found).toHaveLength(1);
    // "const s = "😀é"; let x " is 23 UTF-16 units; the error is the stray `=` at 23.
    expect(found[0]!.start).toEqual({ line: 0, character: 23 });
  });

  it('names a missing token', async () => {
    const found = await problems('python', 'def f(:\n  pass\n');
    expect(found.some((p) => /missing `\)`/.test(p.message))).toBe(true);
  });

  it('caps the number of problems reported for a hopeless file', async () => {
    const tree = await parse('typescript', '(('.repeat(500));
    expect(syntaxProblems(tree, 10).length).toBeLessThanOrEqual(10);
    tree.delete();
  });

  it('picks the grammar by languageId, then by extension', () => {
    expect(grammarFor('typescriptreact', '/a/b.tsx')).toBe('tsx');
    expect(grammarFor('', '/a/b.py')).toBe('python');
    expect(grammarFor('plaintext', '/a/b.rs')).toBe('rust');
    expect(grammarFor('markdown', '/a/readme.md')).toBeUndefined();
  });
});
