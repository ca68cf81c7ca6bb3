import { describe, expect, it } from 'vitest';
import { buildPromptContext, importedNames, signatureOf, type ContextSources } from '../../../server/src/completion/prompt-context';
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
  lines: (p) => files[p]?.split('\n'),
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
        lines: (p) => (p === 'lib/utils.js' ? utils.split('\n') : undefined),
        recentEdits: () => [],
        moduleMembers: (stem) => (stem === 'utils' ? [{ path: 'lib/utils.js', startLine: 1, endLine: 3, name: 'toArray' }, { path: 'lib/utils.js', startLine: 4, endLine: 6, name: 'merge' }, { path: 'lib/utils.js', startLine: 7, endLine: 9, name: 'findKey' }] : []),
      },
      1024,
    );
    const members = ctx.snippets.find((s) => s.filename === 'lib/utils.js');
    expect(members?.text).toBe('export function findKey(o, k) {\nexport function merge(a, b) {\nexport function toArray(x) {');
  });
});
