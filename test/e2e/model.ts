/**
 * The model the e2e tier talks to: the stand-in server (test/support/model-standin.ts) with replies that
 * read like a real assistant's, chosen from what the product actually sent (so a wrong prompt shows up as a
 * wrong answer on screen): an edit request gets a SEARCH/REPLACE block for the file it names, /explain gets
 * an explanation, /review a review, anything else a short answer quoting the question.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startModelStandin, type ScriptedReply, type Standin } from '../support/model-standin';

/** The e2e workspace's file with a bug the /edit and /fix scenarios repair. */
export const SHAPES_TS = 'export const unit = 1;\n';

export const MATH_TS = 'export function add(a: number, b: number): number {\n  return a - b;\n}\n\nexport function twice(n: number): number {\n  return add(n, n);\n}\n';

/** The planner's JSON (server/src/agents/planner.ts asks for it) for the task board scenario. */
export const PLAN_JSON = JSON.stringify({
  tasks: [
    { id: 'add-multiply', title: 'Add a multiply function', description: 'multiply(a, b) next to add in math.ts', deps: [], acceptance: ['multiply(2, 3) returns 6'], files: ['math.ts'], estimate: 1 },
    { id: 'use-multiply', title: 'Use multiply in twice', description: 'twice(n) should be multiply(n, 2)', deps: ['add-multiply'], acceptance: ['twice(3) returns 6'], files: ['math.ts'], estimate: 1 },
    // The coder gets this one wrong every time (a type error): it ends Failed, and the critic's finding stays
    // on shapes.ts as a diagnostic with its code actions.
    { id: 'add-area', title: 'Add an area function', description: 'area(w, h) in shapes.ts', deps: [], acceptance: ['area(2, 3) returns 6'], files: ['shapes.ts'], estimate: 1 },
  ],
});

function readWs(workspace: string, file: string): string {
  try {
    return readFileSync(path.join(workspace, file), 'utf8');
  } catch {
    return '';
  }
}

export function replyFor(question: string, workspace: string): ScriptedReply {
  if (/^Goal: /.test(question)) return { text: `\`\`\`json\n${PLAN_JSON}\n\`\`\``, delayMs: 5 };
  // The coder agent (server/src/agents/coder.ts): one SEARCH/REPLACE per task of the plan above.
  // The task being asked for is the prompt's last `Task:` line: earlier ones belong to the similar past tasks
  // (episodic memory) quoted above it.
  const task = [...question.matchAll(/^Task: (.*)$/gm)].at(-1)?.[1] ?? '';
  if (/multiply function/i.test(task)) {
    return { text: 'Add multiply after add.\n\nmath.ts\n```ts\n<<<<<<< SEARCH\nexport function twice(n: number): number {\n=======\nexport function multiply(a: number, b: number): number {\n  return a * b;\n}\n\nexport function twice(n: number): number {\n>>>>>>> REPLACE\n```\n', delayMs: 5 };
  }
  if (/area function/i.test(task)) {
    // Later rounds see their own earlier edit applied: they change the return line, still to a string.
    const current = readWs(workspace, 'shapes.ts');
    if (current.includes('return `${w * h}`;')) return { text: 'Convert explicitly.\n\nshapes.ts\n```ts\n<<<<<<< SEARCH\n  return `${w * h}`;\n=======\n  return String(w * h);\n>>>>>>> REPLACE\n```\n', delayMs: 5 };
    if (current.includes('return String(w * h);')) return { text: 'Use a template.\n\nshapes.ts\n```ts\n<<<<<<< SEARCH\n  return String(w * h);\n=======\n  return `${w * h}`;\n>>>>>>> REPLACE\n```\n', delayMs: 5 };
    return { text: 'Add area.\n\nshapes.ts\n```ts\n<<<<<<< SEARCH\nexport const unit = 1;\n=======\nexport const unit = 1;\n\nexport function area(w: number, h: number): number {\n  return `${w * h}`;\n}\n>>>>>>> REPLACE\n```\n', delayMs: 5 };
  }
  if (/Use multiply/i.test(task)) {
    return { text: 'twice is multiply by two.\n\nmath.ts\n```ts\n<<<<<<< SEARCH\n  return add(n, n);\n=======\n  return multiply(n, 2);\n>>>>>>> REPLACE\n```\n', delayMs: 5 };
  }
  const edit = /own line:\n\n(\S+)\n<{7} SEARCH/.exec(question);
  if (edit) {
    const file = edit[1]!;
    let text = '';
    try {
      text = readFileSync(path.join(workspace, file), 'utf8');
    } catch {}
    const wrong = /^  return (`\$\{w \* h\}`|String\(w \* h\));$/m.exec(text)?.[0];
    if (wrong) {
      return { text: `\`area\` returns a string where its signature says number. Return the product itself:\n\n${file}\n<<<<<<< SEARCH\n${wrong}\n=======\n  return w * h;\n>>>>>>> REPLACE\n`, delayMs: 5 };
    }
    if (text.includes('return a - b;')) {
      return { text: `\`add\` subtracts instead of adding. Here is the fix:\n\n${file}\n<<<<<<< SEARCH\n  return a - b;\n=======\n  return a + b;\n>>>>>>> REPLACE\n`, delayMs: 5 };
    }
    const first = text.split('\n')[0] ?? '';
    return { text: `${file}\n<<<<<<< SEARCH\n${first}\n=======\n// Reviewed by nootropic.\n${first}\n>>>>>>> REPLACE\n`, delayMs: 5 };
  }
  if (/Question: Explain/.test(question) || /^Explain/.test(question)) {
    return {
      text: [
        '### What it does',
        '',
        '`add(a, b)` is meant to return the **sum** of two numbers, and `twice(n)` calls it with `n` twice.',
        '',
        '- `add` currently computes `a - b`, so `twice(3)` returns `0`, not `6`.',
        '- Both functions are pure: no state, no I/O.',
        '',
        'A corrected `add`:',
        '',
        '```ts',
        'export function add(a: number, b: number): number {',
        '  return a + b;',
        '}',
        '```',
      ].join('\n'),
      delayMs: 5,
    };
  }
  if (/Review this change/.test(question)) return { text: '**Looks risky**: `add` now subtracts (math.ts:2). Add a test for `twice`.', delayMs: 5 };
  const q = (/Question: ([\s\S]*)$/.exec(question)?.[1] ?? question).trim();
  return { text: `You asked: _${q.slice(0, 200)}_.\n\nThe workspace has \`math.ts\` with \`add\` and \`twice\`.`, delayMs: 5 };
}

export function startE2eModel(workspaces: () => string[]): Promise<Standin> {
  return startModelStandin({
    models: [{ name: 'qwen2.5-coder:7b', contextLength: 32768, capabilities: ['completion', 'tools', 'insert'] }],
    // Inline completion (fill-in-the-middle): the next line of fine.ts, slow enough that typing on cancels it.
    // `const four = ` gets a completion the e2e dismisses (Escape, then types over it): a recorded rejection.
    defaultFimReply: ({ prefix }) =>
      /const three = $/.test(prefix) ? { chunks: ['fine', ' + 2;'], delayMs: 30 } : /const four = $/.test(prefix) ? { text: 'fine * 4;', delayMs: 30 } : { text: '0;', delayMs: 30 },
    defaultReply: (q) => {
      // The reply reads the file from whichever workspace has it.
      const ws = workspaces().find((w) => {
        const f = /own line:\n\n(\S+)\n/.exec(q)?.[1];
        try {
          return f ? readFileSync(path.join(w, f)) && true : true;
        } catch {
          return false;
        }
      });
      return replyFor(q, ws ?? workspaces()[0] ?? '.');
    },
  });
}
