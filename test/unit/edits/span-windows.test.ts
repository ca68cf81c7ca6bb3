// The elision span check's window path (span-windows.ts): on a large file it judges a marker's span from windows
// around the span's edges instead of the full tree. Every case compares its answer with the full tree's (never a
// different one), checks the full tree's answer itself, and that the windows decided the cases they should.
import { describe, expect, it } from 'vitest';
import { BracketLevels, lineDepths } from '../../../server/src/edits/bracket-depth';
import { spanJudge } from '../../../server/src/edits/span-windows';
import { WINDOW_MIN_CHARS } from '../../../server/src/edits/window-check';
import type { GrammarName } from '../../../server/src/syntax/grammars';

const fn = (i: number) => `function f${i}(a) {\n  const s = \`v\${a}\`;\n  return [a, ${i}, s].join(',');\n}\n`;
const method = (i: number) => `  /**\n   * Method ${i}.\n   */\n  m${i}(a) {\n    const x = a + ${i};\n    return this.m${i + 1}(x);\n  }\n`;
// ~110 KB of JavaScript: top-level functions, a wrapper function whose body is not indented (as bundles have it),
// a class, a template literal spanning lines.
const JS = [
  "'use strict';",
  ...Array.from({ length: 400 }, (_, i) => fn(i)),
  '(function (root, factory) {',
  'var inner = /[({]/g;',
  ...Array.from({ length: 400 }, (_, i) => fn(400 + i)),
  '})(this, function () {});',
  'class Big {',
  ...Array.from({ length: 300 }, (_, i) => method(i)),
  '}',
  'const banner = `line one',
  '  function notCode() {',
  '  line three`;',
  ...Array.from({ length: 200 }, (_, i) => fn(1000 + i)),
  'module.exports = { Big, banner };',
  '',
].join('\n');

const pyMethod = (i: number) => `    @staticmethod\n    def m${i}(a):\n        """Method ${i}."""\n        x = a + ${i}\n        return x\n\n`;
const pyFn = (i: number) => `def top${i}(a):\n    return [a, ${i}]\n\n\n`;
const PY = ['import os', '', '', ...Array.from({ length: 300 }, (_, i) => pyFn(i)), 'class Big:', ...Array.from({ length: 1200 }, (_, i) => pyMethod(i)), ...Array.from({ length: 100 }, (_, i) => pyFn(300 + i)), ''].join('\n');

/** The 0-based line that contains `needle`. */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`no ${needle}`);
  return text.slice(0, at).split('\n').length - 1;
}

async function both(grammar: GrammarName, text: string, s: number, e: number): Promise<{ windows: boolean | undefined; full: boolean | undefined; decided: boolean }> {
  const w = await spanJudge(grammar, text, { minChars: 0 });
  const f = await spanJudge(grammar, text, { windows: false });
  try {
    const windows = w.at(0)(s, e);
    return { windows, full: f.at(0)(s, e), decided: w.stats.windowed === 1 };
  } finally {
    w.dispose();
    f.dispose();
  }
}

describe('elision span check by windows (large files)', () => {
  it('the test files are large enough to be windowed', () => {
    expect(JS.length).toBeGreaterThan(WINDOW_MIN_CHARS);
    expect(PY.length).toBeGreaterThan(WINDOW_MIN_CHARS);
  });

  const L = (t: string, n: string) => lineOf(t, n);
  // [name, [s, e), the full tree's answer (null: not asserted), decided by windows alone]
  const js: [string, () => [number, number], boolean | null, boolean][] = [
    ['eleven top-level functions', () => [L(JS, 'function f10('), L(JS, 'function f21(')], true, true],
    ['one top-level function', () => [L(JS, 'function f10('), L(JS, 'function f11(')], true, true],
    ['functions in the unindented wrapper body', () => [L(JS, 'function f450('), L(JS, 'function f460(')], true, true],
    ['starting inside a function', () => [L(JS, 'function f10(') + 1, L(JS, 'function f21(')], false, true],
    ['ending inside a function', () => [L(JS, 'function f10('), L(JS, 'function f21(') + 2], false, true],
    ['from top-level functions into the wrapper body', () => [L(JS, 'function f390('), L(JS, 'function f410(')], false, false],
    ['from the wrapper body out past its end', () => [L(JS, 'function f790('), L(JS, 'class Big {')], false, false],
    ['documented methods of a class', () => [L(JS, '   * Method 5.') - 1, L(JS, '   * Method 9.') - 1], true, true],
    ['a line inside a template literal', () => [L(JS, 'function notCode()'), L(JS, 'function notCode()') + 1], null, false],
    ['a long run of functions after the template literal', () => [L(JS, 'function f1000('), L(JS, 'module.exports')], true, true],
    ['a long run of top-level functions', () => [L(JS, 'function f5('), L(JS, 'function f390(')], true, true],
  ];
  const py: [string, () => [number, number], boolean, boolean][] = [
    ['decorated methods', () => [L(PY, 'def m5(') - 1, L(PY, 'def m9(') - 1], true, true],
    ['the rest of a decorated method and the methods after it', () => [L(PY, 'def m5('), L(PY, 'def m9(') - 1], true, true],
    ['starting inside a method', () => [L(PY, 'def m5(') + 1, L(PY, 'def m9(') - 1], false, true],
    ['from the methods out of the class', () => [L(PY, 'def m1190(') - 1, L(PY, 'def top310(')], false, false],
    ['a long run of methods', () => [L(PY, 'def m5(') - 1, L(PY, 'def m1100(') - 1], true, true],
    ['a long run of top-level functions', () => [L(PY, 'def top5('), L(PY, 'def top290(')], true, true],
  ];
  const langs = [['JavaScript', 'javascript', JS, js], ['Python', 'python', PY, py]] as const;
  for (const [lang, grammar, text, cases] of langs) {
    for (const [name, span, full, decided] of cases) {
      it(`${lang}: ${name}`, async () => {
        const [s, e] = span();
        const r = await both(grammar, text, s, e);
        if (full !== null) expect(r.full).toBe(full);
        expect(r.windows).toBe(r.full);
        if (decided) expect(r.decided).toBe(true);
      });
    }
  }

  it('a small file, and a grammar without window rules, are judged by the full tree', async () => {
    const small = await spanJudge('javascript', 'const a = 1;\nconst b = 2;\n');
    expect(small.at(0)(0, 1)).toBe(true);
    expect(small.stats).toEqual({ windowed: 0, full: 1 });
    small.dispose();
    const go = await spanJudge('go', 'package a\n\nfunc A() {}\n', { minChars: 0 });
    expect(go.at(0)(2, 3)).toBe(true);
    expect(go.stats.full).toBe(1);
    go.dispose();
  });
});

describe('bracket depth by line (JavaScript)', () => {
  it('skips brackets in strings, comments, regular expressions and template text, and counts those in ${…}', () => {
    const src = [
      'const a = "({[";', // 0
      "const b = '}'; // ({", // 1
      '/* { ( [ */', // 2
      'const re = /[({]\\/}/g, half = x / (2);', // 3
      'const t = `{ ${ f({ a: 1 }) } (`;', // 4
      'if (ok) {', // 5
      '  call(`', // 6
      '  } ${ [1].map((v) => { return v; }) }', // 7
      '  `);', // 8
      '}', // 9
      'done();', // 10
    ].join('\n');
    const d = lineDepths(src);
    expect([...d.start]).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 2, 1, 0]);
    expect(d.min[9]).toBe(0);
    expect(d.min[8]).toBe(1);
    const levels = new BracketLevels(src);
    const at = (line: number) => src.split('\n').slice(0, line).join('\n').length + (line ? 1 : 0);
    expect(levels.level(at(0), at(5))).toBe(true);
    expect(levels.level(at(5), at(10))).toBe(true);
    expect(levels.level(at(6), at(9))).toBe(true);
    expect(levels.level(at(6), at(10))).toBe(false); // out of the `if` block
    expect(levels.level(at(7), at(8))).toBe(true);
    expect(levels.level(at(7), at(9))).toBe(false);
    expect(levels.level(at(0), src.length)).toBe(true);
  });
});
