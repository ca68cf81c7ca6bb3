// project-spec.yaml parsing (errors at line:column), task-graph repair and scheduling, PDDL export, the loop's
// state rebuilt from a run log, and the command approval rules.
import { describe, expect, it } from 'vitest';
import { TaskNode } from '../../../shared/protocol/tasks';
import { editHash, rebuildState } from '../../../server/src/agents/loop';
import { approveCommand } from '../../../server/src/workflow/commands';
import { toPddl } from '../../../server/src/workflow/pddl';
import { RunStep } from '../../../server/src/workflow/run-log';
import { parseSpec, SpecError } from '../../../server/src/workflow/spec';
import { criticalPath, findCycle, repairGraph, topologicalOrder } from '../../../server/src/workflow/task-graph';

function specError(text: string): SpecError {
  try {
    parseSpec(text, 'project-spec.yaml');
  } catch (err) {
    return err as SpecError;
  }
  throw new Error('expected a SpecError');
}

describe('project-spec.yaml', () => {
  it('parses a full spec with defaults', () => {
    const spec = parseSpec('name: shop\ngoals: [a, b]\ntests: node test.js\ntasks:\n  - id: one\n    title: One\nbudgets: { iterations: 3 }\n', 'f');
    expect(spec).toMatchObject({ name: 'shop', goals: ['a', 'b'], tests: 'node test.js', constraints: [], languages: [], budgets: { iterations: 3 } });
    expect(spec.tasks![0]).toMatchObject({ id: 'one', title: 'One', deps: [], acceptance: [], files: [] });
  });

  it('reports YAML syntax errors at their line and column', () => {
    const e = specError('name: shop\ngoals: x: y\n');
    expect(e).toBeInstanceOf(SpecError);
    expect([e.line, e.column]).toEqual([2, 8]);
    expect(e.message).toMatch(/^project-spec\.yaml:2:8: YAML error: Nested mappings/);
  });

  it('reports a wrong field type at the value, an unknown field at its key, a missing field at its parent', () => {
    const wrong = specError('name: shop\ngoals: [a]\nbudgets:\n  iterations: "many"\n');
    expect([wrong.line, wrong.column]).toEqual([4, 15]);
    expect(wrong.message).toMatch(/budgets\.iterations: /);
    const unknown = specError('name: shop\ngoals: [a]\n\ntestz: npm test\n');
    expect([unknown.line, unknown.column]).toEqual([4, 1]);
    expect(unknown.message).toMatch(/unknown field "testz"/);
    const missing = specError('name: shop\n');
    expect(missing.message).toMatch(/project-spec\.yaml:1:1: goals: /);
    const task = specError('name: s\ngoals: [a]\ntasks:\n  - id: x\n    title: X\n  - id: y\n    deps: [x]\n');
    expect(task.line).toBe(6);
    expect(task.message).toMatch(/tasks\.1\.title/);
  });
});

const node = (id: string, deps: string[] = [], estimate?: number) => TaskNode.parse({ id, title: id, deps, ...(estimate ? { estimate } : {}) });

describe('task graph', () => {
  it('renames duplicates, drops unknown and self deps, breaks cycles — and reports each repair', () => {
    const { tasks, repairs } = repairGraph([node('a', ['c']), node('b', ['a', 'ghost']), node('c', ['b', 'c']), node('a')]);
    expect(tasks.map((t) => t.id)).toEqual(['a', 'b', 'c', 'a-2']);
    expect(findCycle(tasks)).toBeUndefined();
    expect(repairs).toEqual([
      'duplicate task id "a" renamed to "a-2"',
      'task "b": dropped unknown dependency "ghost"',
      'task "c": dropped self-dependency "c"',
      expect.stringMatching(/^cycle a → c → b → a broken by dropping "b" depends on "a"$/),
    ]);
  });

  it('orders dependencies first and finds the critical path by estimate', () => {
    const tasks = [node('docs', ['api'], 1), node('api', ['db'], 3), node('db', [], 2), node('ui', ['db'], 1)];
    expect(topologicalOrder(tasks)).toEqual(['db', 'api', 'docs', 'ui']);
    expect(criticalPath(tasks)).toEqual(['db', 'api', 'docs']);
  });

  it('exports STRIPS PDDL: one action per task, deps as preconditions, every task in the goal', () => {
    const { domain, problem } = toPddl('My Shop', [node('db'), node('api', ['db'])]);
    expect(domain).toContain('(define (domain nootropic-my-shop)');
    expect(domain).toMatch(/\(:action do-t1-api\s+:parameters \(\)\s+:precondition \(and \(done-t0-db\)\)\s+:effect \(done-t1-api\)\)/);
    expect(problem).toContain('(:goal (and (done-t0-db) (done-t1-api)))');
  });
});

describe('loop state from the run log', () => {
  const step = (seq: number, kind: string, status: string, extra: Record<string, unknown> = {}) =>
    RunStep.parse({ seq, kind, status, title: kind, startedAt: new Date(0).toISOString(), durationMs: 10, iteration: 1, ...extra });

  it('continues after the last completed step', () => {
    const s1 = rebuildState([step(1, 'model', 'ok', { response: 'R', tokens: { prompt: 100, output: 20 } })]);
    expect(s1).toMatchObject({ iteration: 1, next: 'edit', response: 'R', tokens: 120 });
    const s2 = rebuildState([
      step(1, 'model', 'ok', { response: 'R' }),
      step(2, 'edit', 'applied', { edits: [{ path: 'a.js', diff: 'd' }], detail: { editHash: 'h1', stateHash: 's1', initialHash: 's0' } }),
      step(3, 'critic', 'clean', { findings: [] }),
      step(4, 'test', 'failed', { findings: [{ source: 'tests', severity: 'error', message: 'boom' }] }),
    ]);
    expect(s2).toMatchObject({ next: 'decision', editApplied: true, editHashes: ['h1'], findings: [{ message: 'boom' }] });
    expect(s2.stateHashes).toEqual([{ iteration: 0, hash: 's0' }, { iteration: 1, hash: 's1' }]);
    const done = rebuildState([step(1, 'decision', 'succeeded', { detail: { reason: 'ok' } })]);
    expect(done.done).toMatchObject({ status: 'succeeded', reason: 'ok' });
  });

  it('hashes edits independent of prose and trailing spaces', () => {
    const block = '<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE';
    expect(editHash(`Plan one.\nf.js\n${block}`)).toBe(editHash(`Another plan.\nf.js\n${block.replace('b\n', 'b  \n')}`));
    expect(editHash(block)).not.toBe(editHash(block.replace('b\n', 'c\n')));
    // The same block aimed at another file is another edit (fenced or not).
    expect(editHash(`Plan.\nf.js\n${block}`)).not.toBe(editHash(`Plan.\ng.js\n${block}`));
    expect(editHash(`Plan.\n\n../f.js\n\`\`\`js\n${block}\n\`\`\``)).not.toBe(editHash(`Plan.\n\n/tmp/f.js\n\`\`\`js\n${block}\n\`\`\``));
    expect(editHash(`One.\n\nf.js\n\`\`\`js\n${block}\n\`\`\``)).toBe(editHash(`Two.\n\nf.js\n\`\`\`js\n${block}\n\`\`\``));
  });
});

describe('command approval', () => {
  const base = { cwd: '/w', reason: 'r', allowlist: [] as string[] };
  it('approves the spec tests command and allowlisted ones; asks otherwise; restricted mode runs nothing', async () => {
    expect(await approveCommand({ ...base, command: 'node test.js', trusted: true, specTests: 'node test.js' })).toEqual({ approved: true, by: 'spec' });
    expect(await approveCommand({ ...base, command: 'npm run lint', trusted: true, allowlist: ['npm run *'] })).toEqual({ approved: true, by: 'allowlist' });
    const refused = await approveCommand({ ...base, command: 'npm test', trusted: true });
    expect(refused.approved).toBe(false);
    expect(refused.by).toMatch(/not in project-spec\.yaml or agents\.allowCommands/);
    expect(await approveCommand({ ...base, command: 'npm test', trusted: true, ask: async () => true })).toEqual({ approved: true, by: 'client' });
    const restricted = await approveCommand({ ...base, command: 'node test.js', trusted: false, specTests: 'node test.js' });
    expect(restricted).toMatchObject({ approved: false, by: expect.stringMatching(/restricted mode/) });
  });
});
