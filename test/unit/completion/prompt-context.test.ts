import { describe, expect, it } from 'vitest';
import { buildPromptContext, definitionLookup, importedNames, signatureOf, type ContextSources } from '../../../server/src/completion/prompt-context';
import { estimateTokens } from '../../../server/src/models/token-estimate';

const files: Record<string, string> = {
  'src/config.ts': 'export interface Config {\n  port: number;\n}\n\nexport function parseConfig(text: string): Config {\n  return JSON.parse(text) as Config;\n}\n',
  'src/unused.ts': 'export function neverUsed(): void {\n  return;\n}\n',
};
const defs: Record<string, { path: string; startLine: number; endLine: number }[]> = {
  parseConfig: [{ path: 'src/config.ts', startLine: 5, endLine: 7 }],
  Config: [{ path: 'src/config.ts', startLine: 1, endLine: 3 }],
  neverUsed: [{ path: 'src/unused.ts', startLine: 1, endLine: 3 }],
};
const sources = (edits: ReturnType<ContextSources['recentEdits']> = []): ContextSources => ({
  definitions: (n) => defs[n] ?? [],
  lines: (p, from, to) => files[p]?.split('\n').slice(from - 1, to),
  recentEdits: () => edits,
});

describe('buildPromptContext', () => {
  const text = "import { parseConfig } from './config';\n\nexport function start(raw: string) {\n  const cfg = parseConfig(raw);\n  return cfg.port;\n}\n";
  const offset = text.indexOf('  return');

  it('puts the definitions of symbols used near the cursor from other files, under a path comment, before the current file', () => {
    const ctx = buildPromptContext({ text, offset, path: 'src/main.ts', languageId: 'typescript' }, sources(), 1024);
    expect(ctx.prefix).toContain('// Path: src/config.ts\nexport function parseConfig(text: string): Config {');
    expect(ctx.prefix).toContain('// Path: src/main.ts\nimport { parseConfig }');
    expect(ctx.prefix.indexOf('src/config.ts')).toBeLessThan(ctx.prefix.indexOf('// Path: src/main.ts'));
    expect(ctx.bareprefix.endsWith('cfg = parseConfig(raw);\n')).toBe(true);
    expect(ctx.suffix.startsWith('  return cfg.port;')).toBe(true);
    expect(ctx.snippets.map((s) => s.filename)).not.toContain('src/unused.ts');
    expect(ctx.snippets.map((s) => s.filename)).not.toContain('src/main.ts');
  });

  it('stays within the token budget, dropping whole snippets (never cutting one mid-way)', () => {
    for (const budget of [128, 256, 512]) {
      const ctx = buildPromptContext({ text, offset, path: 'src/main.ts', languageId: 'typescript' }, sources(), budget);
      expect(estimateTokens(ctx.prefix) + estimateTokens(ctx.suffix)).toBeLessThanOrEqual(budget);
      for (const s of ctx.snippets) expect(files[s.filename]).toContain(s.text);
    }
  });

  it('adds recently edited regions of other files, and deduplicates a region that is also a definition', () => {
    const ctx = buildPromptContext({ text, offset, path: 'src/main.ts', languageId: 'typescript' }, sources([{ path: 'src/config.ts', startLine: 5, endLine: 7, at: Date.now() }]), 1024);
    const bodies = ctx.snippets.map((s) => s.text);
    expect(new Set(bodies).size).toBe(bodies.length);
    expect(ctx.snippets.some((s) => s.kind === 'edit')).toBe(true);
  });

  it('ranks an imported name the file does not use yet, and names used far from the cursor, above names it uses once nearby', () => {
    // `neverUsed` is imported and not called anywhere: the likeliest call at a cursor where nothing is typed yet.
    const body = Array.from({ length: 60 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const src = `import { parseConfig, neverUsed } from './config';\n\nexport function start(raw: string) {\n  const cfg = parseConfig(raw);\n${body}\n  `;
    const lookup = definitionLookup({ text: src, offset: src.length, path: 'src/main.ts', languageId: 'typescript' });
    expect(lookup.names[0]).toBe('neverUsed');
    // `parseConfig` is used 60 lines up, out of the nearby window: the file's use of it still counts.
    expect(lookup.names).toContain('parseConfig');
    expect(lookup.scores.get('parseConfig')!).toBeGreaterThan(lookup.scores.get('v0') ?? 0);
  });

  it('ranks a recent edit that shares no names with the cursor below a definition, and below an edit that does', () => {
    const unrelated = { path: 'src/unused.ts', startLine: 1, endLine: 3, at: Date.now() };
    const ctx = buildPromptContext({ text, offset, path: 'src/main.ts', languageId: 'typescript' }, sources([unrelated]), 1024);
    const edit = ctx.snippets.find((s) => s.kind === 'edit')!;
    const def = ctx.snippets.find((s) => s.text.includes('parseConfig'))!;
    expect(edit.score).toBeLessThan(def.score);
    files['src/other.ts'] = 'const cfg = parseConfig(raw);\nreturn cfg.port;\n';
    const related = buildPromptContext({ text, offset, path: 'src/main.ts', languageId: 'typescript' }, sources([{ path: 'src/other.ts', startLine: 1, endLine: 2, at: Date.now() }]), 1024);
    expect(related.snippets.find((s) => s.kind === 'edit')!.score).toBeGreaterThan(edit.score);
    delete files['src/other.ts'];
  });

  it('uses # headers for Python', () => {
    const py = 'from util import helper\n\nx = helper()\n';
    const ctx = buildPromptContext({ text: py, offset: py.length, path: 'app.py', languageId: 'python' }, { definitions: () => [], lines: () => undefined, recentEdits: () => [] }, 512);
    expect(ctx.prefix.startsWith('# Path: app.py\n')).toBe(true);
  });
});

describe('importedNames', () => {
  it('reads JS/TS, Python and Rust imports', () => {
    expect([...importedNames("import { a, b as c } from './x';\nimport D from 'd';\n").names]).toEqual(['a', 'c', 'D']);
    expect([...importedNames('from pkg.mod import one, two as three\nimport os.path\n').names]).toEqual(['one', 'three', 'path']);
    expect([...importedNames('use crate::util::{parse, Config};\n').names]).toEqual(['parse', 'Config']);
  });
});

describe('signatureOf', () => {
  it('starts at the line naming the definition, past a doc comment, and ends at the body opener', () => {
    const lines = ['/**', ' * Parses.', ' * @param text raw', ' * @returns a config', ' * @throws never', ' * more', ' */', 'export function parseConfig(', '  text: string,', '): Config {', '  return x;', '}'];
    expect(signatureOf(lines, 'parseConfig')).toBe('export function parseConfig(\n  text: string,\n): Config {');
    expect(signatureOf(['def f(x):', '    return x'])).toBe('def f(x):');
  });
});

describe('module members at `stem.|`', () => {
  it("lists the receiver module's definitions, one line each, members the file already uses and the typed prefix first", () => {
    const utils = 'export function toArray(x) {\n  return [x];\n}\nexport function merge(a, b) {\n  return { ...a, ...b };\n}\nexport function findKey(o, k) {\n  return k;\n}\n';
    const text = "import utils from './utils.js';\n\nconst m = utils.merge({}, {});\nconst k = utils.f";
    const ctx = buildPromptContext(
      { text, offset: text.length, path: 'lib/main.js', languageId: 'javascript' },
      {
        definitions: () => [],
        lines: (p, from, to) => (p === 'lib/utils.js' ? utils.split('\n').slice(from - 1, to) : undefined),
        recentEdits: () => [],
        moduleMembers: (stem) => (stem === 'utils' ? [{ path: 'lib/utils.js', startLine: 1, endLine: 3, name: 'toArray' }, { path: 'lib/utils.js', startLine: 4, endLine: 6, name: 'merge' }, { path: 'lib/utils.js', startLine: 7, endLine: 9, name: 'findKey' }] : []),
      },
      1024,
    );
    const members = ctx.snippets.find((s) => s.filename === 'lib/utils.js');
    expect(members?.text).toBe('export function findKey(o, k) {\nexport function merge(a, b) {\nexport function toArray(x) {');
  });
});

describe("the receiver's type members at `x.|`", () => {
  const store = 'class Store:\n    def put(self, key, value):\n        self.rows[key] = value\n\n    def get(self, key):\n        return self.rows[key]\n';
  const goFile = 'package flags\n\nfunc (f *FlagSet) Lookup(name string) *Flag {\n\treturn nil\n}\n\nfunc (o *Other) Lookup(name string) *Flag {\n\treturn nil\n}\n';
  const files: Record<string, string> = { 'lib/storage.py': store, 'flags/lookup.go': goFile };
  const sources = (members: Record<string, { path: string; startLine: number; endLine: number; name: string }[]>): ContextSources => ({
    definitions: () => [],
    lines: (p, from, to) => files[p]?.split('\n').slice(from - 1, to),
    recentEdits: () => [],
    typeMembers: (t) => members[t] ?? [],
  });

  it("lists the type's members (resolved from `self.store = Store()`) under one header, signatures only, the ones the file uses first", () => {
    const text = 'class App:\n    def __init__(self):\n        self.store = Store()\n\n    def load(self):\n        return self.store.get(1)\n\n    def save(self):\n        self.store.';
    const ctx = buildPromptContext(
      { text, offset: text.length, path: 'app.py', languageId: 'python' },
      sources({ Store: [{ path: 'lib/storage.py', startLine: 2, endLine: 3, name: 'put' }, { path: 'lib/storage.py', startLine: 5, endLine: 6, name: 'get' }] }),
      1024,
    );
    const snippet = ctx.snippets.filter((s) => s.filename === 'lib/storage.py');
    expect(snippet).toHaveLength(1);
    expect(snippet[0]!.text).toBe('def get(self, key):\ndef put(self, key, value):');
    expect(ctx.prefix.match(/# Path: lib\/storage\.py/g)).toHaveLength(1);
  });

  it("keeps only the Go methods whose receiver is the type (the index answers with the package's methods)", () => {
    const text = 'package main\n\nfunc run(f *FlagSet) {\n\tx := f.';
    const ctx = buildPromptContext(
      { text, offset: text.length, path: 'main.go', languageId: 'go' },
      sources({ FlagSet: [{ path: 'flags/lookup.go', startLine: 3, endLine: 5, name: 'Lookup' }, { path: 'flags/lookup.go', startLine: 7, endLine: 9, name: 'Lookup' }] }),
      1024,
    );
    expect(ctx.prefix).toContain('func (f *FlagSet) Lookup(name string) *Flag {');
    expect(ctx.prefix).not.toContain('func (o *Other)');
  });

  it("ranks a module's member named like the module (`grouping.group`) before the members the file does not use", () => {
    const fns = Array.from({ length: 60 }, (_, i) => `def group_tokens_of_kind_${i}(tlist, first_argument, second_argument):\n    pass\n`).join('');
    files['engine/grouping.py'] = `${fns}def group(stmt):\n    return stmt\n`;
    const members = [
      ...Array.from({ length: 60 }, (_, i) => ({ path: 'engine/grouping.py', startLine: 1 + i * 2, endLine: 2 + i * 2, name: `group_tokens_of_kind_${i}` })),
      { path: 'engine/grouping.py', startLine: 121, endLine: 122, name: 'group' },
    ];
    const text = 'from engine import grouping\n\ndef run(stmt):\n    stmt = grouping.';
    const ctx = buildPromptContext({ text, offset: text.length, path: 'engine/stack.py', languageId: 'python' }, { ...sources({}), moduleMembers: (stem) => (stem === 'grouping' ? members : []) }, 512);
    expect(ctx.prefix).toContain('def group(stmt):');
    expect(ctx.prefix).toContain('def group_tokens_of_kind_0(');
    expect(ctx.prefix).not.toContain('def group_tokens_of_kind_59(');
  });

  it('stays within the budget however many members the type has', () => {
    const many = Array.from({ length: 300 }, (_, i) => `    def method_number_${i}(self, first_argument, second_argument):\n        pass\n`).join('');
    files['lib/big.py'] = `class Big:\n${many}`;
    const members = Array.from({ length: 300 }, (_, i) => ({ path: 'lib/big.py', startLine: 2 + i * 2, endLine: 3 + i * 2, name: `method_number_${i}` }));
    const text = 'def f(b: Big):\n    b.';
    for (const budget of [256, 1024]) {
      const ctx = buildPromptContext({ text, offset: text.length, path: 'x.py', languageId: 'python' }, sources({ Big: members }), budget);
      expect(estimateTokens(ctx.prefix) + estimateTokens(ctx.suffix)).toBeLessThanOrEqual(budget);
      expect(ctx.prefix).toContain('def method_number_0(');
    }
  });
});

describe('what the files beside this one call, and what the enclosing function is named for', () => {
  // A Go type with many methods, declared in order: only the first few fit the budget by declaration order alone.
  const methods = Array.from({ length: 80 }, (_, i) => `func (f *FlagSet) VisitAllFlagsNumber${i}(name string, fn func(*Flag)) error {\n\treturn nil\n}\n`).join('');
  const flagGo = `package flags\n\n${methods}func (f *FlagSet) getFlagType(name string, ftype string) (interface{}, error) {\n\treturn nil, nil\n}\nfunc (f *FlagSet) AddFlagSet(other *FlagSet) {\n}\n`;
  const members = [
    ...Array.from({ length: 80 }, (_, i) => ({ path: 'flag.go', startLine: 3 + i * 3, endLine: 5 + i * 3, name: `VisitAllFlagsNumber${i}` })),
    { path: 'flag.go', startLine: 243, endLine: 245, name: 'getFlagType' },
    { path: 'flag.go', startLine: 246, endLine: 247, name: 'AddFlagSet' },
  ];
  const helpers = 'package flags\n\nfunc newFlagTester(t string) *FlagSet {\n\treturn nil\n}\n';
  const files: Record<string, string> = { 'flag.go': flagGo, 'helpers_test.go': helpers };
  const sources: ContextSources = {
    definitions: (n) => (n === 'newFlagTester' ? [{ path: 'helpers_test.go', startLine: 3, endLine: 5 }] : []),
    lines: (p, from, to) => files[p]?.split('\n').slice(from - 1, to),
    recentEdits: () => [],
    typeMembers: (t) => (t === 'FlagSet' ? members : []),
  };
  const neighbours = (counts: { bare?: Record<string, number>; member?: Record<string, number> }, files = 10) => ({
    files,
    calling: (n: string) => counts.bare?.[n] ?? 0,
    callingOn: (r: string, n: string) => counts.member?.[`${r}.${n}`] ?? 0,
    top: Object.keys(counts.bare ?? {}),
  });

  it('ranks the member the files beside this one call on a receiver spelled the same (`f.getFlagType(`) above declaration order', () => {
    const text = 'package flags\n\nfunc (f *FlagSet) GetUint16(name string) (uint16, error) {\n\tval, err := f.';
    const doc = { text, offset: text.length, path: 'uint16.go', languageId: 'go' };
    const without = buildPromptContext(doc, sources, 512, definitionLookup(doc));
    expect(without.prefix).not.toContain('getFlagType');
    // Called as `g.getFlagType(` beside it counts for a `g.` receiver only.
    const otherReceiver = buildPromptContext(doc, sources, 512, definitionLookup(doc, neighbours({ member: { 'g.getFlagType': 9 } })));
    expect(otherReceiver.prefix).not.toContain('getFlagType');
    const ctx = buildPromptContext(doc, sources, 512, definitionLookup(doc, neighbours({ member: { 'f.getFlagType': 9 } })));
    expect(ctx.prefix).toContain('func (f *FlagSet) getFlagType(name string, ftype string) (interface{}, error) {');
  });

  it('looks up a name most files beside this one call, and shows it by its signature only', () => {
    const text = 'package flags\n\nfunc setUp() *FlagSet {\n\tf := ';
    const doc = { text, offset: text.length, path: 'bool_test.go', languageId: 'go' };
    expect(definitionLookup(doc).names).not.toContain('newFlagTester');
    const lookup = definitionLookup(doc, neighbours({ bare: { newFlagTester: 8 } }));
    expect(lookup.names).toContain('newFlagTester');
    const ctx = buildPromptContext(doc, sources, 1024, lookup);
    const snippet = ctx.snippets.find((s) => s.filename === 'helpers_test.go');
    expect(snippet?.text).toBe('func newFlagTester(t string) *FlagSet {');
    expect(snippet?.kind).toBe('signature');
  });

  it("ranks the member a test is named for (`TestAddFlagSet` → `AddFlagSet`) and looks up a test's subject", () => {
    const text = 'package flags\n\nfunc TestAddFlagSet(t *testing.T) {\n\toldSet := &FlagSet{}\n\toldSet.';
    const doc = { text, offset: text.length, path: 'flag_test.go', languageId: 'go' };
    const lookup = definitionLookup(doc);
    expect(lookup.subject).toBe('AddFlagSet');
    expect(lookup.names).toContain('AddFlagSet');
    const ctx = buildPromptContext(doc, sources, 512, lookup);
    expect(ctx.prefix).toContain('func (f *FlagSet) AddFlagSet(other *FlagSet) {');
    const other = 'package flags\n\nfunc TestSomethingElse(t *testing.T) {\n\toldSet := &FlagSet{}\n\toldSet.';
    expect(buildPromptContext({ ...doc, text: other, offset: other.length }, sources, 512).prefix).not.toContain('AddFlagSet');
  });

  it('reads the subject from Python, Rust and JS definitions, without a test prefix', () => {
    const subject = (text: string, languageId: string) => definitionLookup({ text, offset: text.length, path: 'x', languageId }).subject;
    expect(subject('def test_urlize(self):\n    rv = ', 'python')).toBe('urlize');
    expect(subject('def do_urlize(value):\n    rv = ', 'python')).toBe('do_urlize');
    expect(subject('    pub(crate) fn test_parse_version() {\n        let v = ', 'rust')).toBe('parse_version');
    expect(subject('export async function loadConfig(path) {\n  const x = ', 'javascript')).toBe('loadConfig');
    expect(subject('x = 1\n', 'python')).toBeUndefined();
    expect(subject('class A:\n    def __init__(self):\n        self.x = ', 'python')).toBeUndefined();
  });
});
