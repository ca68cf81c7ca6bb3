// Result hygiene (server/src/rag/result-hygiene.ts), the per-member chunking of large classes, and the
// identifiers an instruction names (server/src/context/named-definitions.ts).
import { describe, expect, it } from 'vitest';
import { namedIdentifiers } from '../../server/src/context/named-definitions';
import { chunkFile } from '../../server/src/rag/chunk';
import { cleanResults, oneEntryPerDefinition, type RankedChunk } from '../../server/src/rag/result-hygiene';

const hit = (path: string, startLine: number, endLine: number, kind: string, symbol: string, score: number): RankedChunk => ({ path, startLine, endLine, kind, symbol, score });

describe('cleanResults', () => {
  it('drops overlapping windows of the same code: one result per definition', () => {
    const out = cleanResults([hit('a.ts', 1, 60, 'class', 'A', 9), hit('a.ts', 53, 112, 'class', 'A', 8), hit('b.ts', 1, 5, 'function', 'g', 7), hit('a.ts', 105, 130, 'class', 'A', 6)], 'q', 10);
    expect(out.map((h) => `${h.path}:${h.startLine}`)).toEqual(['a.ts:1', 'b.ts:1', 'a.ts:105']);
  });

  it('puts a definition in the slot of a window or container that holds it', () => {
    const out = cleanResults([hit('a.py', 1, 60, 'block', '', 9), hit('b.py', 1, 3, 'function', 'x', 8), hit('a.py', 10, 20, 'function', 'url_for', 7)], 'q', 10);
    expect(out.map((h) => h.symbol)).toEqual(['url_for', 'x']);
    const cls = cleanResults([hit('c.py', 1, 100, 'class', 'Config', 9), hit('c.py', 40, 50, 'function', 'from_env', 5)], 'q', 10);
    expect(cls.map((h) => h.symbol)).toEqual(['from_env']);
  });

  it('keeps a container ranked below its own member out (its lines are already shown)', () => {
    const out = cleanResults([hit('c.py', 40, 50, 'function', 'from_env', 9), hit('c.py', 1, 100, 'class', 'Config', 5)], 'q', 10);
    expect(out.map((h) => h.symbol)).toEqual(['from_env']);
  });

  it('ranks tests and docs below the code they cover unless the query asks for them', () => {
    const hits = [hit('tests/test_config.py', 1, 9, 'function', 'test_load', 10), hit('docs/config.md', 1, 9, 'section', 'Config', 9), hit('src/config.py', 1, 9, 'function', 'load', 5)];
    expect(cleanResults(hits, 'load the config', 10).map((h) => h.path)).toEqual(['src/config.py', 'tests/test_config.py', 'docs/config.md']);
    expect(cleanResults(hits, 'the test that loads the config', 10)[0]!.path).toBe('tests/test_config.py');
    expect(cleanResults(hits, 'documentation of config loading', 10)[0]!.path).toBe('docs/config.md');
    expect(cleanResults([hit('pkg/x_test.go', 1, 2, 'function', 'TestX', 10), hit('src/a.spec.ts', 1, 2, 'function', 'f', 9), hit('pkg/x.go', 1, 2, 'function', 'X', 4)], 'x', 10)[0]!.path).toBe('pkg/x.go');
  });

  it('returns at most limit hits', () => {
    expect(cleanResults(Array.from({ length: 30 }, (_, i) => hit(`f${i}.ts`, 1, 2, 'function', `f${i}`, 30 - i)), 'q', 5)).toHaveLength(5);
  });
});

describe('oneEntryPerDefinition', () => {
  it('merges the parts of one split definition and keeps distinct definitions of one name', () => {
    const row = (start_line: number, end_line: number, path = 'd.py') => ({ path, start_line, end_line, symbol: 'Derivative', kind: 'class', scope: '' });
    const out = oneEntryPerDefinition([row(10, 69), row(62, 121), row(114, 150), row(400, 420), row(1, 5, 'e.py')]);
    expect(out.map((r) => [r.path, r.start_line, r.end_line])).toEqual([
      ['d.py', 10, 150],
      ['d.py', 400, 420],
      ['e.py', 1, 5],
    ]);
  });
});

describe('chunking of large classes', () => {
  it('gives each method its own chunk and the class its header, without overlapping windows of the class', async () => {
    const methods = Array.from({ length: 30 }, (_, i) => `    def method_${i}(self):\n        x = ${i}\n        return x\n`).join('\n');
    const chunks = await chunkFile('big.py', `class Big:\n    """A big class."""\n    size = 3\n\n${methods}\n`);
    const cls = chunks.filter((c) => c.symbol === 'Big');
    expect(cls).toHaveLength(1);
    expect(cls[0]).toMatchObject({ kind: 'class', startLine: 1 });
    expect(cls[0]!.endLine).toBeLessThan(6);
    expect(chunks.filter((c) => c.kind === 'function' && c.scope === 'Big')).toHaveLength(30);
    // Every non-blank line is in exactly one chunk: no overlapping windows.
    const lines = `class Big:\n    """A big class."""\n    size = 3\n\n${methods}\n`.split('\n');
    lines.forEach((l, i) => {
      if (!l.trim()) return;
      expect(chunks.filter((c) => c.startLine <= i + 1 && i + 1 <= c.endLine).length, `line ${i + 1}`).toBe(1);
    });
  });

  it('keeps a small class whole, with its methods also chunked', async () => {
    const chunks = await chunkFile('A.java', 'class A {\n  void f() {}\n}\n');
    expect(chunks.map((c) => [c.symbol, c.startLine, c.endLine])).toEqual([
      ['A', 1, 3],
      ['f', 2, 2],
    ]);
  });
});

describe('namedIdentifiers', () => {
  const names = (t: string) => namedIdentifiers(t).map((i) => [...i.qualifiers, i.name].join('.'));
  it('finds dotted, called, backticked and code-shaped names, not English words or file names', () => {
    expect(names('Fix Config.from_prefixed_env so that tests/test_config.py passes')).toEqual(['Config.from_prefixed_env']);
    expect(names('Fix from_prefixed_env() please')).toEqual(['from_prefixed_env']);
    expect(names('why does parseOptions drop flags?')).toEqual(['parseOptions']);
    expect(names('Fix parseOptions() in src/options.ts')).toEqual(['parseOptions']);
    expect(names('what is `Derivative` for')).toEqual(['Derivative']);
    expect(names('Make the discount right for big orders')).toEqual([]);
  });
});
