// The syntax check's window path (window-check.ts): on a large file with no cached tree it parses windows around
// the changes instead of the whole file, and only ever answers "no new error" or "don't know". Every case below
// compares its verdict with the full parse's (windows off) — never a different answer — and checks that the
// windows really decided the clean cases on their own (or fell back where an edge is not safe).
import { afterEach, describe, expect, it } from 'vitest';
import { checkSyntax, useWindowCheck } from '../../../server/src/edits/syntax-check';
import { clearTreeCache } from '../../../server/src/edits/tree-cache';
import { windowCheck, WINDOW_MIN_CHARS } from '../../../server/src/edits/window-check';
import type { GrammarName } from '../../../server/src/syntax/grammars';

const method = (i: number) => `  /**\n   * Method ${i}.\n   */\n  m${i}(a) {\n    const x = a + ${i};\n    if (x > 3) {\n      return x;\n    }\n    return this.m${i + 1}(x);\n  }\n`;
const fn = (i: number) => `function f${i}(a) {\n  const s = \`v\${a}\`;\n  return [a, ${i}, s].join(',');\n}\n`;
// ~110 KB of JavaScript: functions, a class with documented methods, a template literal spanning lines.
const JS = [
  '#!/usr/bin/env node',
  "'use strict';",
  ...Array.from({ length: 800 }, (_, i) => fn(i)),
  'class Big {',
  ...Array.from({ length: 600 }, (_, i) => method(i)),
  '}',
  'const banner = `line one',
  '  function notCode() {',
  '  line three`;',
  '/* a block comment',
  '   function alsoNotCode() {',
  '*/',
  ...Array.from({ length: 200 }, (_, i) => fn(1000 + i)),
  'module.exports = { Big, banner };',
  '',
].join('\n');

const pyFn = (i: number) => `    def m${i}(self, a):\n        """Method ${i}."""\n        x = a + ${i}\n        if x > 3:\n            return x\n        return self.m${i + 1}(x)\n\n`;
const PY = ['import os', '', '', 'class Big:', ...Array.from({ length: 1200 }, (_, i) => pyFn(i)), 'DOC = """', 'def not_code(:', '"""', '', 'def tail():', '    return 1', ''].join('\n');

async function both(rel: string, grammar: GrammarName, before: string, after: string): Promise<{ windows: boolean; full: boolean; decided: boolean }> {
  const bad = (v: Awaited<ReturnType<typeof checkSyntax>>) => v.checked && v.introduced.length > 0;
  clearTreeCache();
  useWindowCheck(true);
  const w = await checkSyntax(rel, before, after);
  clearTreeCache();
  useWindowCheck(false);
  const f = await checkSyntax(rel, before, after);
  useWindowCheck(true);
  const decided = (await windowCheck(grammar, before, after)).clean;
  return { windows: bad(w), full: bad(f), decided };
}

afterEach(() => useWindowCheck(true));

describe('syntax check windows (large files, no cached tree)', () => {
  it('the test files are large enough to be windowed', () => {
    expect(JS.length).toBeGreaterThan(WINDOW_MIN_CHARS);
    expect(PY.length).toBeGreaterThan(WINDOW_MIN_CHARS);
  });

  const js: [string, (s: string) => string, 'accept' | 'refuse', boolean][] = [
    // [name, edit, full parse's verdict, decided by windows alone]
    ['an edit inside a class method', (s) => s.replace('const x = a + 300;', 'const x = (a + 300) * 2;'), 'accept', true],
    ['a broken edit inside a class method', (s) => s.replace('const x = a + 300;', 'const x = (a + 300 * 2;'), 'refuse', false],
    ['a method added to the class', (s) => s.replace('  m300(a) {', '  added() {\n    return 1;\n  }\n\n  m300(a) {'), 'accept', true],
    ['a statement edit in a top-level function', (s) => s.replace('return [a, 400, s]', 'return [a, 401, s]'), 'accept', true],
    ['an edit that opens a block comment swallowing the rest', (s) => s.replace('const x = a + 300;', '/* const x = a + 300;'), 'refuse', false],
    ['an edit that opens a template string swallowing the rest', (s) => s.replace('const x = a + 300;', 'const x = `a + 300;'), 'refuse', false],
    ['an edit that opens a string', (s) => s.replace('const x = a + 300;', 'const x = "a + 300;'), 'refuse', false],
    ['a method body closed early and a function opened (valid as a program, not in a class)', (s) => s.replace('    return this.m300(x);\n  }', '    return this.m300(x);\n  }\n  }\n  function g() {\n  '), 'refuse', false],
    ['an unbalanced closing brace', (s) => s.replace('    return this.m300(x);\n', '    return this.m300(x);\n    }\n'), 'refuse', false],
    ['an edit at the start of the file', (s) => s.replace("'use strict';", "'use strict';\nconst first = 1;"), 'accept', true],
    ['a broken edit at the start of the file', (s) => s.replace("'use strict';", "'use strict';\nconst first = ;"), 'refuse', false],
    ['an edit at the end of the file', (s) => s.replace('module.exports = { Big, banner };', 'module.exports = { Big, banner, f1 };'), 'accept', true],
    ['a broken edit at the end of the file', (s) => s.replace('module.exports = { Big, banner };', 'module.exports = { Big, banner ;'), 'refuse', false],
    ['an edit inside a template literal spanning lines', (s) => s.replace('  function notCode() {', '  function notCode( {'), 'accept', false],
    ['an edit inside a block comment', (s) => s.replace('   function alsoNotCode() {', '   function alsoNotCode( {'), 'accept', false],
    ['an edit that closes the block comment early', (s) => s.replace('   function alsoNotCode() {', '*/   function alsoNotCode( {'), 'refuse', false],
    ['an `else` added after an `if` (the window widens to the statement)', (s) => s.replace('      return x;\n    }\n    return this.m300(x);', '      return x;\n    } else {\n      x++;\n    }\n    return this.m300(x);'), 'accept', true],
    ['two far-apart edits, both valid', (s) => s.replace('return [a, 10, s]', 'return [a, 11, s]').replace('const x = a + 500;', 'const x = a - 500;'), 'accept', true],
    ['two far-apart edits, the second broken', (s) => s.replace('return [a, 10, s]', 'return [a, 11, s]').replace('const x = a + 500;', 'const x = a - ;'), 'refuse', false],
  ];

  const py: [string, (s: string) => string, 'accept' | 'refuse', boolean][] = [
    ['an edit inside a method', (s) => s.replace('x = a + 300\n', 'x = (a + 300) * 2\n'), 'accept', true],
    ['a broken edit inside a method', (s) => s.replace('x = a + 300\n', 'x = (a + 300 * 2\n'), 'refuse', false],
    ['a method added', (s) => s.replace('    def m300(self, a):', '    def added(self):\n        return 1\n\n    def m300(self, a):'), 'accept', true],
    ['a docstring opened that swallows the rest', (s) => s.replace('"""Method 300."""', '"""Method 300.'), 'refuse', false],
    // tree-sitter's Python grammar takes this dedent (CPython would not): the windows must say what the full parse says.
    ['a statement dedented to no enclosing level', (s) => s.replace('        return self.m301(x)\n', '      return self.m301(x)\n'), 'accept', false],
    ['an edit inside a module-level string', (s) => s.replace('def not_code(:', 'def not_code((:'), 'accept', false],
    ['an edit at the end of the file', (s) => s.replace('    return 1\n', '    return 2\n'), 'accept', true],
  ];
  const langs = [['JavaScript', 'big.js', 'javascript', JS, js], ['Python', 'big.py', 'python', PY, py]] as const;
  for (const [lang, rel, grammar, before, cases] of langs) {
    for (const [name, edit, verdict, decided] of cases) {
      it(`${lang}: ${name}`, async () => {
        const after = edit(before);
        expect(after).not.toBe(before);
        const r = await both(rel, grammar, before, after);
        expect(r.full).toBe(verdict === 'refuse');
        expect(r.windows).toBe(r.full);
        if (decided) expect(r.decided).toBe(true);
        if (verdict === 'refuse') expect(r.decided).toBe(false);
      });
    }
  }

  it('a small file is parsed in full, and a grammar without window rules too', async () => {
    expect((await windowCheck('javascript', 'const a = 1;\n', 'const a = 2;\n')).clean).toBe(false);
    expect((await windowCheck('javascript', 'const a = 1;\n', 'const a = 2;\n', { minChars: 0, maxShare: 1 })).clean).toBe(true);
    expect((await windowCheck('go', JS, JS)).clean).toBe(false);
  });
});
