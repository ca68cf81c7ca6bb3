import { describe, expect, it } from 'vitest';
import { isBuiltin } from '../../server/src/chat/commands';
import { detectEdit } from '../../server/src/chat/edit-detect';
import { parseChatInput } from '../../server/src/chat/input';

describe('chat input', () => {
  it('reads a leading slash command, mentions anywhere, and leaves the prompt', () => {
    expect(parseChatInput('/edit make @selection faster using @file:src/a.ts')).toEqual({
      command: 'edit',
      mentions: [{ kind: 'selection' }, { kind: 'file', arg: 'src/a.ts' }],
      prompt: 'make faster using',
    });
    expect(parseChatInput('  why is @symbol:"parse config" slow? @codebase @codebase')).toEqual({
      mentions: [{ kind: 'symbol', arg: 'parse config' }, { kind: 'codebase' }],
      prompt: 'why is slow?',
    });
  });

  it('keeps plugin command names (plugin/command) and text that only looks like a mention', () => {
    expect(parseChatInput('/todo-lister/list src')).toEqual({ command: 'todo-lister/list', mentions: [], prompt: 'src' });
    expect(parseChatInput('mail me@example.com about @filez')).toEqual({ mentions: [], prompt: 'mail me@example.com about @filez' });
    expect(parseChatInput('a/b is not a command').command).toBeUndefined();
    expect(isBuiltin('search')).toBe(true);
    expect(isBuiltin('todo-lister/list')).toBe(false);
  });

  it('recognises edits with the edit engine\'s parser (SYMBOL blocks too) and the paths they name', () => {
    const answer = 'Fix:\n\nsrc/math.ts\n```ts\n<<<<<<< SEARCH\na - b\n=======\na + b\n>>>>>>> REPLACE\n```\n\n`test/m.test.ts`\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n';
    expect(detectEdit(answer)).toMatchObject({ found: true, paths: ['src/math.ts', 'test/m.test.ts'] });
    expect(detectEdit('--- a/x.ts\n+++ b/x.ts\n@@ -1 +1 @@\n-a\n+b\n')).toMatchObject({ found: true, paths: ['x.ts'] });
    expect(detectEdit('src/a.ts\n<<<<<<< SYMBOL add\nfunction add() {}\n>>>>>>> REPLACE\n')).toMatchObject({ found: true, paths: ['src/a.ts'] });
    // Single-file form: blocks with no path line are still an edit of the command's file.
    expect(detectEdit('<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n')).toMatchObject({ found: true, paths: [] });
    expect(detectEdit('just prose with <<<<<<< in it').found).toBe(false);
  });
});

describe('edit blocks in chat markdown', () => {
  it('fences bare SEARCH/REPLACE blocks with their path line, and leaves fenced ones alone', async () => {
    const { fenceEditBlocks } = await import('../../shared/chat/edit-blocks');
    const bare = 'Fix:\n\nmath.ts\n<<<<<<< SEARCH\n  return a - b;\n=======\n  return a + b;\n>>>>>>> REPLACE\n\nDone.';
    expect(fenceEditBlocks(bare)).toBe('Fix:\n\n```diff\nmath.ts\n<<<<<<< SEARCH\n  return a - b;\n=======\n  return a + b;\n>>>>>>> REPLACE\n```\n\nDone.');
    const fenced = 'x.ts\n```ts\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```';
    expect(fenceEditBlocks(fenced)).toBe(fenced);
    expect(fenceEditBlocks('<<<<<<< SEARCH\nno end')).toBe('<<<<<<< SEARCH\nno end');
  });
});
