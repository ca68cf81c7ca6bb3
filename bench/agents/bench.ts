// Agent loop costs, measured against baselines in the same run (npm run bench:agents):
//  1. run log: one step appended with fsync vs a plain append (the price of durability per step);
//  2. critic per changed file: tree-sitter syntax vs the TypeScript language service (cold, then warm) vs the
//     fixture's own tests command;
//  3. the done-when loop (discount() fixed in two iterations against the stand-in): total time and how much of it
//     is the agents' own overhead (everything but the model answering and the tests running).
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigSchema } from '../../shared/config/schema';
import { syntaxFindings } from '../../server/src/agents/critic';
import { editEngine } from '../../server/src/agents/engine';
import { runAgents } from '../../server/src/agents/orchestrator';
import { typeScriptFindings } from '../../server/src/agents/ts-diagnostics';
import { createLogger } from '../../server/src/log';
import { ModelRouter } from '../../server/src/models/router';
import { Secrets } from '../../server/src/security/secrets';
import { runShell } from '../../server/src/workflow/commands';
import { readRun, RunLog } from '../../server/src/workflow/run-log';
import { discountRepo, RIGHT_FIX, WRONG_FIX } from '../../test/support/agent-fixtures';
import { startModelStandin } from '../../test/support/model-standin';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async <T>(fn: () => Promise<T> | T): Promise<number> => {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};

async function runLogBench(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nootropic-bench-runlog-'));
  try {
    const log = await RunLog.create(dir, { instruction: 'bench' });
    const step = { kind: 'model' as const, status: 'ok', title: 'coder', rationale: 'bench', startedAt: new Date().toISOString(), durationMs: 1, iteration: 1, response: 'x'.repeat(2_000) };
    const durable: number[] = [];
    const plain: number[] = [];
    const plainFile = path.join(dir, 'plain.jsonl');
    for (let i = 0; i < 200; i++) {
      durable.push(await time(() => log.append(step)));
      plain.push(await time(() => appendFileSync(plainFile, JSON.stringify({ ...step, seq: i }) + '\n')));
    }
    const d = median(durable);
    const p = median(plain);
    console.log(`run log append (2 kB step, n=200): fsync'd ${(d * 1000).toFixed(0)} µs, plain append ${(p * 1000).toFixed(0)} µs  → ${(d / p).toFixed(1)}× the baseline`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function criticBench(): Promise<void> {
  const ws = discountRepo();
  try {
    ws.write('price.ts', 'export function total(items: { price: number }[]): number {\n  return items.reduce((n, i) => n + i.price, 0);\n}\n');
    const files = ['discount.js', 'test.js', 'price.ts'];
    const syntax: number[] = [];
    for (let i = 0; i < 7; i++) syntax.push(await time(() => syntaxFindings(ws.root, files)));
    const tsCold = await time(() => typeScriptFindings(ws.root, files));
    const tsWarm: number[] = [];
    for (let i = 0; i < 7; i++) tsWarm.push(await time(() => typeScriptFindings(ws.root, files)));
    const tests: number[] = [];
    for (let i = 0; i < 5; i++) tests.push(await time(() => runShell('node test.js', ws.root, { timeoutMs: 30_000 })));
    const t = median(tests);
    console.log(
      `critic on 3 files (2 JS, 1 TS): tree-sitter ${median(syntax).toFixed(1)} ms, TypeScript service ${median(tsWarm).toFixed(1)} ms warm (${tsCold.toFixed(0)} ms cold, loading the compiler), tests command ${t.toFixed(0)} ms  → static checks ${((median(syntax) + median(tsWarm)) / t).toFixed(2)}× the tests' cost`,
    );
  } finally {
    ws.dispose();
  }
}

async function loopBench(): Promise<void> {
  const totals: number[] = [];
  const overheads: number[] = [];
  for (let i = 0; i < 5; i++) {
    const ws = discountRepo();
    const standin = await startModelStandin({ replies: [{ text: WRONG_FIX }, { text: RIGHT_FIX }] });
    try {
      const config = ConfigSchema.parse({ models: { provider: 'ollama', baseUrl: standin.url, model: 'qwen2.5-coder:7b' } });
      const models = new ModelRouter({ models: () => config.models, secrets: new Secrets({}), log: createLogger(() => undefined) });
      const controller = new AbortController();
      let result: Awaited<ReturnType<typeof runAgents>> | undefined;
      const total = await time(async () => {
        result = await runAgents({ instruction: 'Fix discount() so that the tests pass' }, { root: ws.root, models, edits: editEngine, config: config.agents, trusted: true, signal: controller.signal });
      });
      if (result?.status !== 'succeeded') throw new Error(`loop did not converge: ${result?.reason}`);
      const { steps } = await readRun(ws.root, result.runId);
      const external = steps.filter((s) => s.kind === 'model' || s.kind === 'test').reduce((n, s) => n + (s.durationMs ?? 0), 0);
      totals.push(total);
      overheads.push(total - external);
    } finally {
      await standin.close();
      ws.dispose();
    }
  }
  console.log(`done-when loop (2 iterations, stand-in model, n=5): ${median(totals).toFixed(0)} ms total, agents' own overhead ${median(overheads).toFixed(0)} ms (${((100 * median(overheads)) / median(totals)).toFixed(0)}% of the run; the rest is the model answering and the tests running)`);
}

async function main(): Promise<void> {
  await runLogBench();
  await criticBench();
  await loopBench();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
