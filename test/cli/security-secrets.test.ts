// Issue 12, break 6: AWS key pairs, PEM private keys and other tokens — in workspace files, in the instruction of a
// run, in a question, in the model's answers and in feedback — appear in no file under .nootropic-cache (index,
// run logs, memory, traces, feedback, the exported dataset, the journal of the files the run edited) and in no
// log line. The CLI and the bundled server over stdio, the stand-in model over real HTTP; every byte is searched.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentRunResult } from '../../shared/protocol';
import { discountRepo, RIGHT_FIX, searchReplace } from '../support/agent-fixtures';
import { spawnStdioServer } from '../support/lsp-process';
import { startModelStandin, type Standin } from '../support/model-standin';
import { runCli as runCliProcess } from '../support/cli-run';
import { filesUnder, type TempWorkspace } from '../support/paths';
import { AWS_KEY_ID, AWS_SECRET, DB_PASSWORD, GITHUB_TOKEN, NEEDLES, PEM, SECRET_CONFIG, SECRET_SOURCE } from '../support/secret-fixtures';

let standin: Standin | undefined;
let ws: TempWorkspace | undefined;
afterEach(async () => {
  await standin?.close();
  ws?.dispose();
  standin = ws = undefined;
});

const runCli = (args: string[], env: Record<string, string>) => runCliProcess(args, { env, timeoutMs: 120_000 });

const leaks = (text: string) => NEEDLES.filter((n) => text.includes(n));

describe('security: secrets the redactor must know (AWS, PEM, tokens)', () => {
  it('are absent from every file under .nootropic-cache and the export after index, run, ask and feedback', async () => {
    ws = discountRepo();
    ws.write('deploy.env', SECRET_CONFIG);
    ws.write('keys.ts', SECRET_SOURCE);
    // The model repeats secrets in its plans and its answer (it read them from the workspace).
    const echo = `I found ${AWS_KEY_ID} / aws_secret_access_key=${AWS_SECRET} and this key:\n${PEM}\nin the workspace.`;
    standin = await startModelStandin({
      replies: [
        { text: searchReplace('discount.js', '  return price - percent;', '  return price - price * percent;', echo) },
        { text: RIGHT_FIX.replace('percent is a percentage', `percent is a percentage (password=${DB_PASSWORD})`) },
        { text: `deploy.env holds ${GITHUB_TOKEN} and aws_secret_access_key = ${AWS_SECRET}.` },
      ],
    });
    const env = { NOOTROPIC_LOG_LEVEL: 'debug' };
    const flags = ['--provider', 'ollama', '--base-url', standin.url, '--model', 'qwen2.5-coder:7b'];

    const idx = await runCli(['index', '--json', '--root', ws.root], env);
    expect(idx.code, idx.stderr).toBe(0);
    const instruction = `Fix discount() so that the tests pass (staging uses aws_secret_access_key=${AWS_SECRET} and ${GITHUB_TOKEN})`;
    const run = await runCli(['run', instruction, '--root', ws.root, '--json', '--verbose', ...flags], env);
    expect(run.code, run.stderr).toBe(0);
    expect(AgentRunResult.parse(JSON.parse(run.stdout)).status).toBe('succeeded');
    const ask = await runCli(['ask', `is this key still valid?\n${PEM}`, '--json', '--root', ws.root, ...flags], env);
    expect(ask.code, ask.stderr).toBe(0);

    // Feedback over the protocol (the editor's path), with secrets in every field.
    const server = spawnStdioServer(env);
    try {
      await server.initialize(ws.root);
      await server.client.sendRequest('nootropic/agent/feedback', {
        kind: 'answer',
        verdict: 'reject',
        prompt: `what is in deploy.env?\n${SECRET_CONFIG}`,
        response: `It holds ${PEM}`,
        preferred: `Never print aws_secret_access_key = ${AWS_SECRET}`,
        comment: `leaked ${GITHUB_TOKEN}`,
      });
      await server.client.sendRequest('nootropic/agent/feedback', { kind: 'answer', verdict: 'accept', prompt: `key ${AWS_KEY_ID}`, response: SECRET_SOURCE });
      await server.client.sendRequest('shutdown');
      await server.client.sendNotification('exit');
      expect(await server.exit).toBe(0);
    } finally {
      server.kill();
    }
    const exported = await runCli(['feedback', 'export', '--root', ws.root, '--json'], env);
    expect(exported.code, exported.stderr).toBe(0);
    const dataset = JSON.parse(exported.stdout) as { file: string; sft: number; preference: number; redacted: number };
    expect(dataset.sft).toBe(2);
    expect(dataset.preference).toBe(1);

    // The model saw the secrets (they are the user's to send to their own model); nothing nootropic wrote keeps them.
    expect(standin.calls('/api/chat').length).toBe(3);
    for (const out of [idx, run, exported]) expect(leaks(out.stdout + out.stderr)).toEqual([]);
    expect(leaks(ask.stderr)).toEqual([]);
    expect(leaks(server.stderr.join(''))).toEqual([]);
    const cache = path.join(ws.root, '.nootropic-cache');
    const files = filesUnder(cache);
    for (const part of ['runs', 'traces', 'feedback', 'edits', 'memory']) expect(files.some((f) => f.includes(`${path.sep}${part}${path.sep}`)), part).toBe(true);
    expect(files.some((f) => f.endsWith('dataset.jsonl'))).toBe(true);
    const hits = files.flatMap((f) => {
      const bytes = readFileSync(f);
      return NEEDLES.filter((n) => bytes.includes(Buffer.from(n))).map((n) => `${path.relative(cache, f)}: ${n.slice(0, 8)}…`);
    });
    expect(hits).toEqual([]);
    // The index still has the files (masked, not dropped): a search finds keys.ts by its code.
    const search = await runCli(['search', 'signingKey sign data', '--json', '--root', ws.root], env);
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout).toContain('keys.ts');
    // The journal keeps what undo needs (discount.js before/after) owner-only.
    const journal = files.filter((f) => f.includes(`${path.sep}edits${path.sep}`) && f.endsWith('.json'));
    expect(journal.length).toBeGreaterThan(0);
    for (const f of journal) expect(statSync(f).mode & 0o777).toBe(0o600);
  }, 240_000);

  it('are absent from TaskGraph.json and every other file `nootropic plan` writes (model plan and instruction-as-title)', async () => {
    ws = discountRepo();
    // First the plan model repeats secrets in every field of its tasks; then it answers without JSON, so the
    // instruction itself becomes the task's title.
    const modelPlan = JSON.stringify({
      tasks: [
        { id: 'rotate', title: `Rotate ${AWS_KEY_ID}`, description: `aws_secret_access_key=${AWS_SECRET}`, acceptance: [`no ${GITHUB_TOKEN} left`], deps: [] },
        { id: 'pem', title: 'Remove the private key', description: PEM, acceptance: [`password=${DB_PASSWORD} rotated`], deps: ['rotate'] },
      ],
    });
    standin = await startModelStandin({ replies: [{ text: '```json\n' + modelPlan + '\n```' }, { text: 'I cannot plan that.' }] });
    const env = { NOOTROPIC_LOG_LEVEL: 'debug' };
    const flags = ['--provider', 'ollama', '--base-url', standin.url, '--model', 'qwen2.5-coder:7b'];
    const cache = path.join(ws.root, '.nootropic-cache');
    const graphFile = path.join(cache, 'TaskGraph.json');
    const hitsUnder = () =>
      filesUnder(cache).flatMap((f) => {
        const bytes = readFileSync(f);
        return NEEDLES.filter((n) => bytes.includes(Buffer.from(n))).map((n) => `${path.relative(cache, f)}: ${n.slice(0, 8)}…`);
      });

    const planned = await runCli(['plan', '--instruction', 'clean up the leaked deploy credentials', '--json', '--root', ws.root, ...flags], env);
    expect(planned.code, planned.stderr).toBe(0);
    expect(existsSync(graphFile)).toBe(true);
    const saved = JSON.parse(readFileSync(graphFile, 'utf8')) as { tasks: { id: string; title: string; description: string }[]; order: string[] };
    // Masked, not dropped: the tasks, their ids and order survive.
    expect(saved.tasks.map((t) => t.id)).toEqual(['rotate', 'pem']);
    expect(saved.order).toEqual(['rotate', 'pem']);
    expect(saved.tasks[0]!.title).toContain('[redacted]');
    expect(hitsUnder()).toEqual([]);

    const instruction = `rotate aws_secret_access_key=${AWS_SECRET} and ${GITHUB_TOKEN}`;
    const fallback = await runCli(['plan', '--instruction', instruction, '--json', '--root', ws.root, ...flags], env);
    expect(fallback.code, fallback.stderr).toBe(0);
    expect(fallback.stderr).not.toContain(AWS_SECRET);
    const again = JSON.parse(readFileSync(graphFile, 'utf8')) as { tasks: { id: string; title: string }[] };
    expect(again.tasks.map((t) => t.id)).toEqual(['goal-1']);
    expect(again.tasks[0]!.title).toMatch(/^rotate .*\[redacted\]/);
    expect(hitsUnder()).toEqual([]);
    expect(standin.calls('/api/chat').length).toBe(2);
  }, 120_000);
});
