// The post-processing rules on real tree-sitter parses: each rule can fail if the code under it regresses.
import { describe, expect, it } from 'vitest';
import { addsSyntaxError, completionMode, shapeCompletion, streamDone } from '../../../server/src/completion/postprocess';
import { parse } from '../../../server/src/syntax/parser';

/** `|` marks the cursor. */
function at(source: string): { text: string; offset: number } {
  const offset = source.indexOf('|');
  return { text: source.slice(0, offset) + source.slice(offset + 1), offset };
}

async function modeOf(source: string, grammar: 'typescript' | 'python' = 'typescript') {
  const doc = at(source);
  const tree = await parse(grammar, doc.text);
  try {
    return completionMode(doc, tree);
  } finally {
    tree.delete();
  }
}

describe('single- or multi-line from the cursor position', () => {
  it('one line mid-line, inside strings and comments; a block on an empty line or after an opener', async () => {
    expect(await modeOf('const x = f|;\n')).toBe('single');
    expect(await modeOf('const s = "hello |";\n')).toBe('single');
    expect(await modeOf('// explain |\nconst a = 1;\n')).toBe('single');
    expect(await modeOf('function f() {\n  |\n}\n')).toBe('multi');
    expect(await modeOf('function f() {|\n}\n')).toBe('multi');
    expect(await modeOf('def f(x):\n    |\n', 'python')).toBe('multi');
    expect(await modeOf('x = "a |"\n', 'python')).toBe('single');
  });
});

describe('shapeCompletion', () => {
  it('keeps only the first line in single-line mode', () => {
    const doc = at('const total = |\n');
    expect(shapeCompletion('items.length;\nconsole.log(total);', doc, { mode: 'single', truncated: false })).toBe('items.length;');
  });

  it('stops a multi-line completion at the end of the current block', () => {
    const doc = at('function f(a: number) {\n  |\n}\n');
    const raw = 'const b = a * 2;\n  return b;\n}\n\nfunction g() {\n  return 1;\n}';
    expect(shapeCompletion(raw, doc, { mode: 'multi', truncated: false })).toBe('const b = a * 2;\n  return b;');
  });

  it('never repeats the rest of the line or the lines after the cursor', () => {
    expect(shapeCompletion('a, b);', at('sum(|);\n'), { mode: 'single', truncated: false })).toBe('a, b');
    const doc = at('if (ok) {\n  |\n  done();\n}\n');
    expect(shapeCompletion('start();\n  done();\n}', doc, { mode: 'multi', truncated: false })).toBe('start();');
  });

  it('balances brackets: a closer the line already has ends the completion; unclosed openers are cut back', () => {
    expect(shapeCompletion('x + 1) * 2', at('const y = Math.abs(|);\n'), { mode: 'single', truncated: false })).toBe('x + 1');
    expect(shapeCompletion('run(a, b', at('const r = |\n'), { mode: 'single', truncated: true })).toBe('');
    expect(shapeCompletion('first(); run(a, b', at('|\n'), { mode: 'single', truncated: true })).toBe('first();');
    // Closing a bracket the prefix opened is legitimate when the line does not already close it.
    expect(shapeCompletion('a, b)', at('const r = sum(|\n'), { mode: 'single', truncated: false })).toBe('a, b)');
  });

  it('cuts at a leaked FIM sentinel and drops whitespace-only answers', () => {
    expect(shapeCompletion('value;<|endoftext|>garbage', at('const v = |\n'), { mode: 'single', truncated: false })).toBe('value;');
    expect(shapeCompletion('   \n  ', at('|\n'), { mode: 'multi', truncated: false })).toBe('');
  });

  it('drops a truncated last line of a multi-line stream', () => {
    const doc = at('function f() {\n  |\n}\n');
    expect(shapeCompletion('const a = 1;\n  const b = compute(a', doc, { mode: 'multi', truncated: true })).toBe('const a = 1;');
  });
});

describe('streamDone', () => {
  it('ends a single-line stream at its newline and a block stream once it leaves the block', () => {
    const single = at('const x = |\n');
    expect(streamDone('foo', single, 'single')).toBe(false);
    expect(streamDone('foo;\n', single, 'single')).toBe(true);
    const block = at('function f() {\n  |\n}\n');
    expect(streamDone('a();\n  b();\n', block, 'multi')).toBe(false);
    expect(streamDone('a();\n  b();\n}\nfunction g', block, 'multi')).toBe(true);
  });
});

describe('addsSyntaxError', () => {
  it('drops a completion that breaks the parse and keeps one that does not', async () => {
    const doc = at('function f() {\n  |\n}\n');
    expect(await addsSyntaxError('typescript', doc, 'return 1;')).toBe(false);
    expect(await addsSyntaxError('typescript', doc, 'return 1 +* ;')).toBe(true);
  });
});
