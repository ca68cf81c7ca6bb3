// Agents in-process over LSP, against the stand-in over real HTTP: a model-planned multi-task graph executed in
// dependency order, progress notifications, the trace (runs/get), the task board (tasks/graph), undo of a run,
// memory episodes, feedback export, critic diagnostics and their code actions, approval over LSP.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentFeedback, AgentPlan, AgentRun, FeedbackExport, RunsGet, TasksGraph } from '../../shared/protocol';
import { undo } from '../../server/src/edits';
import { EpisodeStore } from '../../server/src/agents/memory';
import { discountRepo, RIGHT_FIX, searchReplace, WRONG_FIX } from '../support/agent-fixtures';
import { startInProcessServer, type InProcessServer } from '../support/in-process';
import { startModelStandin, type Standin } from '../support/model-standin';
import type { TempWorkspace } from '../support/paths';

let server: InProcessServer | undefined;
let standin: Standin | undefined;
let ws: TempWorkspace | undefined;
afterEach(async () => {
  server?.dispose();
  await standin?.close();
  ws?.dispose();
  server = standin = ws = undefined;
});

const env = (s: Standin) => ({ NOOTROPIC_USER_CONFIG: '/nonexistent/nootropic.yaml', NOOTROPIC_PROVIDER: 'ollama', NOOTROPIC_BASE_URL: s.url, NOOTROPIC_MODEL: 'qwen2.5-coder:7b' });
const init = { cliOverrides: { agents: { resumeOnStart: false } } };

describe('agents over LSP', () => {
  it('plans with the model (repairing a cycle), then runs the tasks in dependency order, with progress, trace, board and undo', async () => {
    ws = discountRepo({ spec: 'name: shop\ngoals:\n  - correct discounts\n  - a describe() helper\ntests: node test.js\n' });
    ws.write('describe.js', "function describe(price) {\n  return 'price: ' + price;\n}\nmodule.exports = { describe };\n");
    // The model lists `describe` first although it depends on `fix-discount`, and adds a bogus back edge (a cycle).
    const planJson = JSON.stringify({
      tasks: [
        { id: 'describe', title: 'Use discount() in describe()', deps: ['fix-discount'], acceptance: ['describe shows the discounted price'], files: ['describe.js'] },
        { id: 'fix-discount', title: 'Fix discount()', description: 'percent is a percentage', deps: ['describe'], files: ['discount.js'], estimate: 2 },
        { id: 'fix-discount', title: 'Duplicate', deps: ['nope'] },
      ],
    });
    standin = await startModelStandin({
      replies: [
        { text: '```json\n' + planJson + '\n```' },
        // fix-discount: wrong, then right; describe: one edit.
        { text: WRONG_FIX },
        { text: RIGHT_FIX },
        { text: searchReplace('describe.js', "  return 'price: ' + price;", "  return 'price: ' + require('./discount').discount(price, 10);") },
      ],
    });
    server = startInProcessServer(env(standin));
    await server.initialize(ws.root, init);

    const planned = AgentPlan.result.parse(await server.client.sendRequest(AgentPlan.method, {}));
    const ids = planned.graph.tasks.map((t) => t.id).sort();
    expect(ids).toEqual(['describe', 'fix-discount', 'fix-discount-2']);
    expect(planned.graph.repairs!.join('\n')).toMatch(/duplicate task id "fix-discount" renamed/);
    expect(planned.graph.repairs!.join('\n')).toMatch(/unknown dependency "nope"/);
    expect(planned.graph.repairs!.join('\n')).toMatch(/cycle .* broken/);
    expect(planned.graph.scheduler).toBe('builtin');
    expect(planned.notes.join('\n')).toMatch(/fast-downward not on PATH/);
    expect(readFileSync(planned.files!.domain, 'utf8')).toMatch(/\(:action do-t\d+-describe\s+:parameters \(\)\s+:precondition \(and \(done-t\d+-fix-discount\)\)/);
    expect(readFileSync(planned.files!.problem, 'utf8')).toMatch(/\(:goal \(and /);
    // The cycle was broken at describe → fix-discount? No: the back edge found first is dropped; whichever it is,
    // the order must respect the remaining deps.
    const order = planned.graph.order;
    for (const t of planned.graph.tasks) for (const d of t.deps) expect(order.indexOf(d)).toBeLessThan(order.indexOf(t.id));

    // Make the graph what the test expects: describe after fix-discount, the duplicate dropped from the run.
    const graphFile = path.join(ws.root, '.nootropic-cache', 'TaskGraph.json');
    const g = JSON.parse(readFileSync(graphFile, 'utf8'));
    expect(g.tasks.find((t: { id: string }) => t.id === 'describe').deps).toEqual(['fix-discount']);
    expect(order.indexOf('fix-discount')).toBeLessThan(order.indexOf('describe'));
    g.tasks.find((t: { id: string }) => t.id === 'fix-discount-2').status = 'done';
    const { writeFileSync } = await import('node:fs');
    writeFileSync(graphFile, JSON.stringify(g));

    const result = AgentRun.result.parse(await server.client.sendRequest(AgentRun.method, { all: true }));
    expect(result.status).toBe('succeeded');
    expect(result.tasks!.map((t) => [t.id, t.status, t.iterations])).toEqual([
      ['fix-discount', 'done', 2],
      ['describe', 'done', 1],
    ]);
    // The describe edit was asked for after fix-discount was done (it saw the fixed discount.js).
    const chats = standin.calls('/api/chat');
    expect(chats).toHaveLength(4);

    // Progress notifications for each step and each task transition.
    const progress = server.notifications('nootropic/agent/progress') as Array<{ runId: string; taskId?: string; step: { kind: string; status: string }; task?: { id: string; status: string } }>;
    expect(progress.every((p) => p.runId === result.runId)).toBe(true);
    expect(progress.filter((p) => p.task).map((p) => `${p.task!.id}:${p.task!.status}`)).toEqual(['fix-discount:in_progress', 'fix-discount:done', 'describe:in_progress', 'describe:done']);
    const firstDescribe = progress.findIndex((p) => p.taskId === 'describe');
    const lastFix = progress.map((p) => p.taskId).lastIndexOf('fix-discount');
    expect(lastFix).toBeLessThan(firstDescribe);

    // The trace: every step with a rationale; the model steps carry prompt and response.
    const trace = RunsGet.result.parse(await server.client.sendRequest(RunsGet.method, { runId: result.runId }));
    expect(trace.run.status).toBe('succeeded');
    expect(trace.steps.length).toBeGreaterThanOrEqual(14);
    expect(trace.steps.every((s) => s.rationale && s.rationale.length > 0)).toBe(true);
    const model = trace.steps.find((s) => s.kind === 'model')!;
    expect(model.prompt).toMatch(/Fix discount\(\)/);
    expect(model.response).toBe(WRONG_FIX);
    expect(model.tokens!.prompt).toBeGreaterThan(0);

    // The board: both done, burndown points recorded.
    const board = TasksGraph.result.parse(await server.client.sendRequest(TasksGraph.method, {}));
    expect(board.progress).toMatchObject({ done: 3, remaining: 0, failed: 0 });
    expect(board.progress.burndown.at(-1)!.remaining).toBe(0);

    // Episodes were recorded in LanceDB and come back for a similar task.
    const similar = await new EpisodeStore(ws.root).similar('Fix discount() in the shop', 2);
    const fix = similar.find((e) => /Fix discount\(\)/.test(e.task));
    expect(fix?.outcome).toMatch(/^succeeded/);
    expect(fix?.edits).toContain('(price * percent) / 100');

    // Undo the whole run through the edit engine: both files back to how they were.
    const undone = await undo(ws.root, result.runId);
    expect(undone.restored.sort()).toEqual(['describe.js', 'discount.js']);
    expect(readFileSync(path.join(ws.root, 'discount.js'), 'utf8')).toContain('return price - percent;');
  }, 120_000);

  it('asks the client before running a command that is not in the spec; a refusal runs nothing', async () => {
    ws = discountRepo({ spec: false, packageTest: 'node test.js' });
    standin = await startModelStandin({ replies: [{ text: RIGHT_FIX }] });
    server = startInProcessServer(env(standin));
    const asked: unknown[] = [];
    server.client.onRequest('nootropic/agent/approve', (p: unknown) => {
      asked.push(p);
      return { approved: false };
    });
    await server.initialize(ws.root, init);
    const result = AgentRun.result.parse(await server.client.sendRequest(AgentRun.method, { instruction: 'Fix discount()' }));
    expect(asked).toEqual([{ command: 'npm test', cwd: ws.root, reason: expect.any(String) }]);
    expect(result).toMatchObject({ status: 'failed', iterations: 0 });
    expect(standin.calls('/api/chat')).toHaveLength(0);
  });

  it('publishes critic findings as diagnostics with Fix/Explain code actions, and records feedback for export', async () => {
    ws = discountRepo({ spec: 'name: shop\ngoals: [x]\nbudgets:\n  iterations: 1\n' });
    ws.write('util.ts', 'export function half(n: number): number {\n  return n / 2;\n}\n');
    standin = await startModelStandin({ replies: [{ text: searchReplace('util.ts', '  return n / 2;', '  const s: string = n;\n  return s;') }] });
    server = startInProcessServer(env(standin));
    await server.initialize(ws.root, init);
    const uri = pathToFileURL(path.join(ws.root, 'util.ts')).href;
    const diags = server.diagnostics(uri, (p) => p.diagnostics.some((d) => d.source === 'nootropic-critic'), 60_000);
    const result = AgentRun.result.parse(await server.client.sendRequest(AgentRun.method, { instruction: 'make half() clearer' }));
    expect(result.status).toBe('stopped');
    expect(result.reason).toMatch(/budget spent: 1 of 1 iterations/);
    const published = await diags;
    const d = published.diagnostics.find((x) => x.source === 'nootropic-critic')!;
    expect(d.code).toBe('TS2322');
    expect(d.message).toMatch(/not assignable to type 'string'/);
    const actions = (await server.client.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } })) as Array<{ title: string; command?: { command: string } }>;
    expect(actions.map((a) => a.command?.command)).toEqual(['nootropic.fixDiagnostic', 'nootropic.explainDiagnostic']);

    await server.client.sendRequest(AgentFeedback.method, { kind: 'edit', verdict: 'reject', prompt: 'make half() clearer', response: 'const s: string = n', preferred: 'return n / 2; // halves n', runId: result.runId });
    await server.client.sendRequest(AgentFeedback.method, { kind: 'answer', verdict: 'accept', prompt: 'what is my key?', response: 'it is sk-abcdefghijklmnopqrstuv' });
    const out = FeedbackExport.result.parse(await server.client.sendRequest(FeedbackExport.method, { out: 'dataset.jsonl' }));
    expect(out).toMatchObject({ sft: 2, preference: 1 });
    const lines = readFileSync(out.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.find((l) => l.type === 'preference')).toMatchObject({ chosen: [{ role: 'assistant', content: 'return n / 2; // halves n' }], rejected: [{ role: 'assistant', content: 'const s: string = n' }] });
    expect(readFileSync(out.file, 'utf8')).not.toContain('sk-abcdefghijklmnopqrstuv');
    expect(existsSync(path.join(ws.root, '.nootropic-cache', 'feedback', 'feedback.jsonl'))).toBe(true);
  }, 120_000);
});
