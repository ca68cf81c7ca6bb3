import { describe, expect, it } from 'vitest';
import { chunkFile } from '../../server/src/rag/chunk';
import { LexicalIndex } from '../../server/src/rag/lexical-index';
import { splitIdentifier, stem, tokenize } from '../../server/src/rag/tokenize';

describe('code-aware tokens', () => {
  it('splits camelCase, PascalCase acronyms, snake_case and digits, keeping the whole identifier', () => {
    expect(splitIdentifier('parseHTTPResponse2')).toEqual(['parse', 'http', 'response', '2']);
    expect(splitIdentifier('get_user_name')).toEqual(['get', 'user', 'name']);
    expect(tokenize('getUserName')).toEqual(expect.arrayContaining(['getusername', 'get', 'user', 'nam']));
  });

  it('stems inflections to one form and expands code abbreviations', () => {
    expect(new Set(['parse', 'parses', 'parsed', 'parsing', 'parser'].map(stem))).toEqual(new Set(['pars']));
    expect(tokenize('cfgStr')).toEqual(expect.arrayContaining(['cfg', 'config', 'str']));
  });

  it('drops stop words and URLs from prose', () => {
    expect(tokenize('Returns the value of the [spec](https://example.com/x#y) for a user', { stopwords: true })).toEqual(['spec', 'specification', 'user']);
  });
});

describe('chunking', () => {
  it('makes definition-level chunks with symbol, kind, scope and 1-based line ranges', async () => {
    const src = [
      "import fs from 'fs';",
      '/** Reads it. */',
      'export function readConfig(p: string) {',
      "  return fs.readFileSync(p, 'utf8');",
      '}',
      'export class Store {',
      '  add(x: number) { return x; }',
      '}',
      'app.use = function use(fn) { return fn; };',
    ].join('\n');
    const chunks = await chunkFile('src/a.ts', src);
    expect(chunks.map((c) => [c.kind, c.symbol, c.scope, c.startLine, c.endLine])).toEqual([
      ['block', '', '', 1, 1],
      ['function', 'readConfig', '', 2, 5],
      ['class', 'Store', '', 6, 8],
      ['method', 'add', 'Store', 7, 7],
      ['function', 'use', '', 9, 9],
    ]);
  });

  it('chunks functions nested in functions, and Python, Go, Rust, Java definitions', async () => {
    const nested = await chunkFile('op.ts', 'export function op() {\n  const emit = () => {\n    return 1;\n  };\n  return emit;\n}\n');
    expect(nested.find((c) => c.symbol === 'emit')).toMatchObject({ kind: 'function', scope: 'op', startLine: 2, endLine: 4 });
    expect((await chunkFile('a.py', '@dec\ndef f(x):\n    return x\n')).find((c) => c.symbol === 'f')).toMatchObject({ startLine: 1, endLine: 3 });
    expect((await chunkFile('a.go', 'package p\nfunc (t T) M() {}\n')).map((c) => c.symbol)).toContain('M');
    expect((await chunkFile('a.rs', 'impl S {\n  fn new() -> S { S }\n}\n')).map((c) => `${c.scope}.${c.symbol}`)).toContain('S.new');
    expect((await chunkFile('A.java', 'class A {\n  void f() {}\n}\n')).map((c) => c.symbol)).toEqual(['A', 'f']);
  });

  it('bounds sizes without dropping anything: long files, minified lines, markdown sections, no grammar', async () => {
    const long = Array.from({ length: 500 }, (_, i) => `  x${i} = ${i};`).join('\n');
    const big = await chunkFile('big.ts', `function huge() {\n${long}\n}\n`);
    expect(big.every((c) => c.endLine - c.startLine < 120)).toBe(true);
    const covered = new Set(big.flatMap((c) => Array.from({ length: c.endLine - c.startLine + 1 }, (_, i) => c.startLine + i)));
    for (let l = 1; l <= 502; l++) expect(covered.has(l), `line ${l}`).toBe(true);
    const minified = await chunkFile('m.js', 'var a=1;'.repeat(20_000));
    expect(minified.length).toBeGreaterThan(5);
    expect(minified.every((c) => c.text.length <= 12_000 && c.startLine === 1)).toBe(true);
    const md = await chunkFile('README.md', '# Title\nintro\n## Install\nnpm i\n```\n# not a heading\n```\n');
    expect(md.map((c) => [c.symbol, c.startLine, c.endLine])).toEqual([
      ['Title', 1, 2],
      ['Install', 3, 7],
    ]);
    expect((await chunkFile('notes.txt', 'a\nb\nc\n'))[0]).toMatchObject({ kind: 'lines', startLine: 1 });
  });
});

describe('lexical ranking', () => {
  it('ranks the function whose name and body match a natural-language query first', () => {
    const idx = new LexicalIndex();
    const docs = [
      { symbol: 'parseConfigFile', scope: '', path: 'src/config.ts', kind: 'function', text: 'function parseConfigFile(path) { return yaml.parse(readFile(path)); }' },
      { symbol: 'renderButton', scope: '', path: 'src/ui.ts', kind: 'function', text: 'function renderButton(label) { return `<button>${label}</button>`; }' },
      { symbol: '', scope: '', path: 'src/index.ts', kind: 'block', text: "import { parseConfigFile } from './config';" },
    ];
    docs.forEach((d) => idx.add(d));
    expect(idx.search('parse the configuration file', 3)[0]!.doc).toBe(0);
    expect(idx.search('render a button with a label', 3)[0]!.doc).toBe(1);
    idx.remove(0);
    expect(idx.search('parse the configuration file', 3).some((h) => h.doc === 0)).toBe(false);
  });
});
