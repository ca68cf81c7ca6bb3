// Elided code ("// ... existing code ..."): which lines are markers in each language (and which `...` is real
// code), how a marker resolves to the original lines between its anchors, and refusals that leave the file as it
// was. Engine tests work on real temp folders through applyEdits, as the server and CLI call it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyEdits } from '../../../server/src/edits';
import { commentStylesFor, isElisionMarker, resolveElisions } from '../../../server/src/edits/elision';
import { tempWorkspace, type TempWorkspace } from '../../support/paths';

let ws: TempWorkspace | undefined;
afterEach(() => ws?.dispose());
const marker = (file: string, line: string) => isElisionMarker(line, commentStylesFor(file));

describe('marker recognition per language', () => {
  const cases: [string, string[], string[]][] = [
    // [file, markers, not markers (real code or ordinary comments)]
    ['a.ts', ['// ...', '  // ... existing code ...', '// … existing code …', '//... rest of the file unchanged ...', '/* ... */', '// Rest of the code unchanged', '// existing code unchanged', '// UNCHANGED', '// ...existing methods...'],
      ['const xs = [...a, ...b];', 'function f(...rest: number[]) {}', '  ...spread,', 'return { ...obj };', '// wait... this is slow', '// see the docs for more', 'x = "// ..."', '# ...']],
    ['a.tsx', ['{/* ... */}'.replace(/[{}]/g, ''), '<!-- ... -->', '// ... existing code ...'], ['<Foo {...props} />', '{...rest}']],
    ['a.js', ['// ...', '/* … rest of code unchanged … */', '// rest of the function unchanged'], ['fn(...args);', 'const { a, ...others } = o;', '// TODO: more later']],
    ['m.py', ['# ...', '    # ... existing code ...', '# rest of the code unchanged', '# … unchanged …', '## ... other methods ...'],
      ['...', '    ...', 'x = a[..., 0]', 'def f(): ...', 'Ellipsis', '#!/usr/bin/env python', '# compute the sum', '// ...']],
    ['m.go', ['// ...', '\t// ... existing code ...', '// rest of the function unchanged'], ['func f(args ...string) {}', 'append(a, b...)', 'fmt.Println(xs...)', '// Deprecated: use G.']],
    ['m.rs', ['// ...', '    // ... rest of impl unchanged ...'], ['let v = [0; 3];', 'Foo { a, ..Default::default() }', '..=10', '#[derive(Debug)]']],
    ['m.java', ['// ...', '/* ... existing methods ... */'], ['void f(String... args) {}']],
    ['m.rb', ['# ...', '  # ... existing code ...'], ['(1...10).each { }', '# frozen_string_literal: true']],
    ['s.sh', ['# ...', '# rest of the script unchanged ...'], ['echo "..."', '#!/bin/bash']],
    ['s.css', ['/* ... */', '  /* ... existing rules ... */'], ['a { color: red; }', '// ...x']],
    ['q.sql', ['-- ...', '-- ... existing columns ...'], ['SELECT 1;']],
    ['m.lua', ['-- ...', '-- rest of the module unchanged'], ['local t = {...}', 'print(...)']],
    ['p.html', ['<!-- ... -->', '  <!-- ... existing markup ... -->'], ['<p>...</p>', '<!-- header -->']],
    ['p.php', ['// ...', '# ...', '/* ... */'], ['function f(...$args) {}']],
    ['c.c', ['// ...', '/* ... */'], ['int printf(const char *fmt, ...);', 'va_start(ap, fmt);']],
    // Every other language with a grammar, and the literal `...` each has.
    ['m.mts', ['// ... existing code ...'], ['type F = (...args: unknown[]) => void;', 'type T = [...Head, Tail];', 'const f = (...rest: string[]) => rest;']],
    ['a.jsx', ['// ...', '{/* ... */}'.slice(1, -1)], ['<Comp {...props} />', 'const [first, ...others] = xs;']],
    ['s.pyi', ['# ...'], ['def f(x: int) -> None: ...', 'T = Tuple[int, ...]', 'cb: Callable[..., int]', 'x[..., None]']],
    ['m.cs', ['// ...', '/* ... rest of the class unchanged ... */'], ['void F(params int[] xs) {}', 'var r = xs[1..^1];', '#region Helpers']],
    ['m.cpp', ['// ...', '  // ... existing code ...'], ['template <typename... Ts> void f(Ts... ts);', 'g(args...);', '#include <cstdio>']],
    ['m.kt', ['// ...'], ['fun f(vararg xs: Int) = g(*xs)', 'for (i in 0..10) {}']],
    ['m.swift', ['// ...'], ['func f(_ xs: Int...) {}', 'for i in 0...9 {}']],
    ['m.go', ['// ... rest of the function unchanged ...'], ['xs := [...]int{1, 2, 3}', 'func g(format string, a ...any) {}']],
    ['s.scss', ['// ...', '/* ... */'], ['@include m($args...);']],
    ['c.yaml', ['# ...'], ['key: "..."', '- ...']],
  ];
  for (const [file, yes, no] of cases) {
    it(`${path.extname(file)}: markers and literal code`, () => {
      for (const l of yes) expect(marker(file, l), `${file}: ${l}`).toBe(true);
      for (const l of no) expect(marker(file, l), `${file}: ${l}`).toBe(false);
    });
  }
});

describe('resolving a marker to the original lines between its anchors', () => {
  const styles = commentStylesFor('a.ts');
  const orig = ['import a from "a";', '', 'function one() {', '  return 1;', '}', '', 'function two() {', '  return 2;', '}', '', 'function three() {', '  return 3;', '}'];
  it('a marker between two definitions stands for the definitions between them', () => {
    const model = ['import a from "a";', '', '// ... existing code ...', '', 'function three() {', '  return 33;', '}'];
    expect(resolveElisions(model, orig, styles, { label: 'x' })).toEqual([...orig.slice(0, 11), '  return 33;', '}']);
  });
  it('a marker inside a body stands for the unchanged statements; a changed line beside it replaces its original', () => {
    const o = ['function f() {', '  const x = oldCall();', '  a();', '  b();', '  return x;', '}'];
    const model = ['function f() {', '  const x = newCall();', '  // ... rest of the function unchanged', '  return x + 1;', '}'];
    expect(resolveElisions(model, o, styles, { label: 'x' })).toEqual(['function f() {', '  const x = newCall();', '  a();', '  b();', '  return x + 1;', '}']);
  });
  it('a marker at the end stands for the rest; at the start for everything before the first anchor', () => {
    expect(resolveElisions(['// ...', 'function three() {', '  return 3;', '}', '', 'function four() {}'], orig, styles, { label: 'x' })).toEqual([...orig, '', 'function four() {}']);
    expect(resolveElisions(['import b from "b";', 'import a from "a";', '// ...'], orig, styles, { label: 'x' })).toEqual(['import b from "b";', ...orig]);
  });
  it('inside a body, a new statement beside the marker is ambiguous (replace or add?) and refused', () => {
    const o = ['function f() {', '  this.raw = range', '    .trim();', '  a();', '  b();', '}'];
    const model = ['function f() {', '  this.raw = range.trim().replace(X, " ");', '  // ... existing code ...', '}'];
    expect(() => resolveElisions(model, o, styles, { label: 'block 1' })).toThrow(/may replace original lines it stands for or be added/);
  });

  it('refuses when the anchor matches several places or none', () => {
    const o = ['function f() {', '  return 1;', '}', 'function g() {', '  return 1;', '}'];
    expect(() => resolveElisions(['// ...', '  return 1;', '  // ...'], o, styles, { label: 'block 1' })).toThrow(/matches several places/);
    expect(() => resolveElisions(['// ...', 'function nothere() {', '  x();', '// ...'], o, styles, { label: 'block 1' })).toThrow(/not found in the original/);
    // A body marker whose anchors lie outside any body it could be in.
    expect(() => resolveElisions(['function nothere() {', '  // ...', '}'], o, styles, { label: 'block 1' })).toThrow(/indented into a block/);
  });
});

describe('text that recurs is placed by the order of what follows it', () => {
  const py = commentStylesFor('a.py');
  const orig = ['import x', '', 'class memo:', '    pass', '', '@memo', 'def a():', '    return 1', '', '@memo', 'def b():', '    return 2', '', 'TAIL = 1'];
  const m = '# ... existing code ...';
  it('decorators kept above elided functions: one placement in order, before the next unique anchor', () => {
    const model = ['import x', '', m, '', '@memo', m, '', '@memo', m, '', 'TAIL = 2'];
    expect(resolveElisions(model, orig, py, { label: 'x' })).toEqual([...orig.slice(0, -1), 'TAIL = 2']);
  });
  it("a block's close after a marker inside it (`};`, found many times) is the close of that block", () => {
    const js = commentStylesFor('a.js');
    const o = ['const a = {', '  x() { return 1; },', '  y() { return 2; },', '};', 'const b = {', '  z: 1,', '};', 'const tail = 3;'];
    const model = ['const a = {', '  x() { return 10; },', '  // ... existing code ...', '};', '// ... existing code ...', 'const tail = 4;'];
    expect(resolveElisions(model, o, js, { label: 'x' })).toEqual(['const a = {', '  x() { return 10; },', '  y() { return 2; },', '};', 'const b = {', '  z: 1,', '};', 'const tail = 4;']);
    // A close the block does not have there (another bracket) is not guessed.
    expect(() => resolveElisions(['const a = {', '  x() { return 10; },', '  // ...', '});', '// ...', 'const tail = 4;'], o, js, { label: 'x' })).toThrow(/not found in the original|matches several places/);
  });
  it('refused when the order allows more than one placement (three in the original, two kept)', () => {
    const o3 = [...orig.slice(0, 13), '@memo', 'def c():', '    return 3', '', 'TAIL = 1'];
    const model = ['import x', '', m, '', '@memo', m, '', '@memo', m, '', 'TAIL = 2'];
    expect(() => resolveElisions(model, o3, py, { label: 'x' })).toThrow(/matches several places/);
  });
});

describe('the syntax tree decides what a marker stands for', () => {
  /** `src` written as `file` in a fresh workspace, then the model's `text` applied: the result and the file after. */
  async function applyTo(file: string, src: string, text: string) {
    ws?.dispose();
    ws = tempWorkspace('nootropic-elision-');
    ws.write(file, src);
    const r = await applyEdits({ root: ws.root, text });
    return { r, after: () => readFileSync(path.join(ws!.root, file), 'utf8') };
  }
  it('a comment the original has word for word is a quote, not a marker; a bare // ... is always a marker', () => {
    const o = ['function f() {', '  // wait for more data...', '  a();', '}'];
    const model = ['function f() {', '  // wait for more data...', '  b();', '}'];
    expect(resolveElisions(model, o, commentStylesFor('a.ts'), { label: 'x' })).toEqual(model);
  });

  it("lines beside a marker that equal the span's edge (`/**`) are the original's when that makes the span whole definitions", async () => {
    const src = ['/**', ' * One.', ' */', 'const one = () => {', '  return 1;', '};', '', '/**', ' * Two.', ' */', 'const two = () => 2;', ''].join('\n');
    // A new function inserted before `two`: the model wrote `/**` right after the marker, the first line of its new
    // doc comment. Text alone would take the original `/**` of two's comment into the span and leave two `/**`.
    const text = 'a.js\n```js\n/**\n * One.\n */\n// ... existing code ...\n\n/**\n * New.\n */\nconst mid = () => 3;\n\n/**\n * Two.\n */\nconst two = () => 2;\n```\n';
    const { r, after } = await applyTo('a.js', src, text);
    expect(r, r.reason).toMatchObject({ applied: true });
    expect(after()).toBe(src.replace('/**\n * Two.', '/**\n * New.\n */\nconst mid = () => 3;\n\n/**\n * Two.'));
  });

  it('decorators kept above elided functions (Python): each marker stands for the rest of its decorated definition and what follows, placed in order', async () => {
    const src = ['import os', '', '', 'class memo:', '    pass', '', '', '@memo', 'def a(p):', '    return os.path.join(p, "a")', '', '', 'def helper():', '    return 0', '', '', '@memo', 'def b():', '    return 2', '', '', 'TAIL = 1', ''].join('\n');
    const text = 'm.py\n```py\nimport os\n\n\n# ... existing code ...\n\n\n@memo\n# ... existing code ...\n\n\n@memo\n# ... rest of the code unchanged ...\n\n\nTAIL = 2\n```\n';
    const { r, after } = await applyTo('m.py', src, text);
    expect(r, r.reason).toMatchObject({ applied: true });
    expect(after()).toBe(src.replace('TAIL = 1', 'TAIL = 2'));
    // A marker after a decorator that would also take half of the next function is still refused, the file as it was.
    const cut = 'm.py\n```py\nimport os\n\n\n# ... existing code ...\n\n\n@memo\n# ... existing code ...\n    return 0\n\n\n@memo\ndef b():\n    return 3\n\n\nTAIL = 1\n```\n';
    const refused = await applyTo('m.py', src, cut);
    expect(refused.r.applied).toBe(false);
    expect(refused.after()).toBe(src);
  });

  it('a changed doc line right before a marker, then the doc\'s ` */`: the ` */` is the original\'s and the marker stands for the definition', async () => {
    const src = ['/**', ' * One.', ' * @param {number} a the first', ' * @returns {number} one', ' */', 'const one = (a) => {', '  return a + 1;', '};', '', '/**', ' * Two.', ' */', 'const two = () => 2;', ''].join('\n');
    const text = 'a.js\n```js\n/**\n * One.\n * @param {number} a the first\n * @returns {number} the one, plus one\n */\n// ... existing code ...\n\n/**\n * Two.\n */\nconst two = () => 2;\n```\n';
    const { r, after } = await applyTo('a.js', src, text);
    expect(r, r.reason).toMatchObject({ applied: true });
    expect(after()).toBe(src.replace(' * @returns {number} one', ' * @returns {number} the one, plus one'));
  });

  it("a doc comment reworded over two lines right after a marker: the old comment's lines are those lines' originals, not part of the span", async () => {
    const src = ['/**', ' * One.', ' */', 'const one = (a) => {', '  return a + 1;', '};', '', '/**', ' * Parses pairs.', ' * @param {string} str input', ' */', 'const parse = (str) => str.split(",");', ''].join('\n');
    const text = 'a.js\n```js\n/**\n * One.\n */\n// ... existing code ...\n\n/**\n * Parses pairs. Keys are lower-cased because names are\n * case-insensitive.\n * @param {string} str input\n */\nconst parse = (str) => str.split(",");\n```\n';
    const { r, after } = await applyTo('a.js', src, text);
    expect(r, r.reason).toMatchObject({ applied: true });
    expect(after()).toBe(src.replace(' * Parses pairs.\n', ' * Parses pairs. Keys are lower-cased because names are\n * case-insensitive.\n'));
  });

  it("a new definition after a marker whose doc repeats an original line does not anchor before the marker's own text", async () => {
    const src = ['/**', ' * A.', ' * @param {X} x The x.', ' */', 'function a(x) {', '  return 1;', '}', '', '/**', ' * C.', ' */', 'function c() {}', ''].join('\n');
    // `b` is new; its `@param` line is the same as a's. Anchored on it, the marker would stand for nothing and
    // a's body would be lost.
    const newB = ['/**', ' * B.', ' * @param {X} x The x.', ' */', 'function b(x) {', '  return 2;', '}', ''];
    const text = `a.js\n\`\`\`js\n/**\n * A.\n * @param {X} x The x.\n */\n// ...\n\n${newB.join('\n')}\n/**\n * C.\n */\nfunction c() {}\n\`\`\`\n`;
    const { r, after } = await applyTo('a.js', src, text);
    expect(r, r.reason).toMatchObject({ applied: true });
    expect(after()).toBe(src.replace('\n/**\n * C.', `\n${newB.join('\n')}\n/**\n * C.`));
  });

  it('a marker whose span would cut a statement is refused, the file untouched', async () => {
    ws = tempWorkspace('nootropic-elision-');
    const src = 'function f() {\n  call(\n    a,\n    b,\n  );\n  done();\n}\n';
    ws.write('a.ts', src);
    // The marker would stand for `a,` and `b,` and the call's closing line: part of a statement.
    const r = await applyEdits({ root: ws.root, text: 'a.ts\n<<<<<<< SEARCH\n  call(\n    a,\n    b,\n  );\n  done();\n=======\n  call(\n    // ...\n  done(1);\n>>>>>>> REPLACE\n' });
    expect(r.applied).toBe(false);
    expect(r.reason).toMatch(/elision marker/);
    expect(readFileSync(path.join(ws.root, 'a.ts'), 'utf8')).toBe(src);
  });

  it('a body marker over a multi-line string at the margin: the tree, not indentation, says it is whole statements', async () => {
    const src = ['class H {', '  help() {', '    const head = 1;', '    const text = `', 'Usage: x', '`;', '    log(text);', '    return head;', '  }', '}', ''].join('\n');
    const text = 'h.js\n<<<<<<< SEARCH\n  help() {\n    const head = 1;\n    const text = `\nUsage: x\n`;\n    log(text);\n    return head;\n  }\n=======\n  help() {\n    const head = 1;\n    // ... existing code ...\n    log(text);\n    return head + 1;\n  }\n>>>>>>> REPLACE\n';
    const { r, after } = await applyTo('h.js', src, text);
    expect(r, r.reason).toMatchObject({ applied: true });
    expect(after()).toBe(src.replace('return head;', 'return head + 1;'));
  });
});

describe('elided edits through the engine', () => {
  const SRC = [
    'export function add(a: number, b: number) {',
    '  return a + b;',
    '}',
    '',
    'export function mul(a: number, b: number) {',
    '  const r = a * b;',
    '  log(r);',
    '  check(r);',
    '  return r;',
    '}',
    '',
    'export function sub(a: number, b: number) {',
    '  return a - b;',
    '}',
    '',
  ].join('\n');
  const setup = () => {
    ws = tempWorkspace('nootropic-elision-');
    ws.write('src/m.ts', SRC);
  };
  const read = () => readFileSync(path.join(ws!.root, 'src/m.ts'), 'utf8');

  it('whole file with untouched definitions elided applies exactly', async () => {
    setup();
    const text = 'src/m.ts\n```ts\n// ... existing code ...\n\nexport function sub(a: number, b: number) {\n  return b - a;\n}\n```\n';
    const r = await applyEdits({ root: ws!.root, text });
    expect(r, r.reason).toMatchObject({ applied: true });
    expect(read()).toBe(SRC.replace('return a - b', 'return b - a'));
  });

  it('REPLACE side with the middle elided keeps the elided statements', async () => {
    setup();
    const text = 'src/m.ts\n<<<<<<< SEARCH\n  const r = a * b;\n  log(r);\n  check(r);\n  return r;\n=======\n  const r = a * b * 1;\n  // ... existing code ...\n  return r;\n>>>>>>> REPLACE\n';
    const r = await applyEdits({ root: ws!.root, text });
    expect(r, r.reason).toMatchObject({ applied: true });
    expect(read()).toBe(SRC.replace('a * b;', 'a * b * 1;'));
  });

  it('SYMBOL body with an elided middle', async () => {
    setup();
    const text = 'src/m.ts\n<<<<<<< SYMBOL mul\nexport function mul(a: number, b: number) {\n  const r = a * b;\n  // ...\n  return r * 2;\n}\n>>>>>>> REPLACE\n';
    const r = await applyEdits({ root: ws!.root, text });
    expect(r, r.reason).toMatchObject({ applied: true });
    expect(read()).toBe(SRC.replace('  return r;', '  return r * 2;'));
  });

  it('an ambiguous or unanchored marker is refused with the reason and the file untouched', async () => {
    setup();
    const amb = await applyEdits({ root: ws!.root, text: 'src/m.ts\n```ts\n// ...\n}\n// ...\n```\n' });
    expect(amb.applied).toBe(false);
    expect(amb.reason).toMatch(/elision marker/);
    const lost = await applyEdits({ root: ws!.root, text: 'src/m.ts\n```ts\nexport function nowhere() {\n  // ... existing code ...\n}\n```\n' });
    expect(lost.applied).toBe(false);
    expect(lost.reason).toMatch(/elision marker at line 2 (is indented into a block|may replace original lines|would stand for part of a definition)/);
    expect(read()).toBe(SRC);
  });

  it('a marker in a new file is refused: it stands for nothing', async () => {
    ws = tempWorkspace('nootropic-elision-');
    const r = await applyEdits({ root: ws.root, text: 'src/new.ts\n```ts\nexport const a = 1;\n// ... rest of the file unchanged\n```\n' });
    expect(r).toMatchObject({ applied: false, reason: expect.stringMatching(/stand for nothing/) });
  });

  it("Python's literal ... stays code; a # ... comment is a marker", async () => {
    ws = tempWorkspace('nootropic-elision-');
    const py = 'class P:\n    def a(self):\n        ...\n\n    def b(self):\n        return 1\n\n    def c(self):\n        return 2\n';
    ws.write('p.py', py);
    const text = 'p.py\n```python\nclass P:\n    def a(self):\n        ...\n\n    # ... existing methods ...\n\n    def c(self):\n        return 3\n```\n';
    const r = await applyEdits({ root: ws.root, text });
    expect(r, r.reason).toMatchObject({ applied: true });
    expect(readFileSync(path.join(ws.root, 'p.py'), 'utf8')).toBe(py.replace('return 2', 'return 3'));
  });

  it('JS spread and Go variadic lines are written as code, not resolved', async () => {
    ws = tempWorkspace('nootropic-elision-');
    ws.write('a.js', 'function f(...args) {\n  return g(...args);\n}\n');
    const r = await applyEdits({ root: ws.root, text: 'a.js\n```js\nfunction f(...args) {\n  return h(...args);\n}\n```\n' });
    expect(r, r.reason).toMatchObject({ applied: true });
    expect(readFileSync(path.join(ws.root, 'a.js'), 'utf8')).toBe('function f(...args) {\n  return h(...args);\n}\n');
    ws.write('m.go', 'package m\n\nfunc f(xs ...int) int {\n\treturn g(xs...)\n}\n');
    const g = await applyEdits({ root: ws.root, text: 'm.go\n```go\npackage m\n\nfunc f(xs ...int) int {\n\treturn h(xs...)\n}\n```\n' });
    expect(g, g.reason).toMatchObject({ applied: true });
    expect(readFileSync(path.join(ws.root, 'm.go'), 'utf8')).toContain('return h(xs...)');
  });
});
