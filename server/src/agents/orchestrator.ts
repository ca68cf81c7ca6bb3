/**
 * Runs agents: one instruction directly (coder → critic → fix, no planning), one task of the graph, the whole
 * graph in dependency order, or the continuation of an interrupted run. Decides the tests command and its
 * approval before anything is written (the spec's own command is approved; a detected `npm test` needs the
 * allowlist or the person), applies the budgets (spec over config), and keeps the task graph's statuses.
 * Restricted mode (untrusted workspace) refuses before doing anything.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../../shared/config/schema';
import type { RunOutcome, TaskGraph, TaskStatus } from '../../../shared/protocol/tasks';
import type { ContextRetriever } from '../context/retriever';
import type { ModelRouter } from '../models/router';
import { SpanStatusCode } from '@opentelemetry/api';
import { withAgentSpan } from '../telemetry/genai';
import type { Telemetry } from '../telemetry/telemetry';
import { approveCommand, approveControlEdit, type Approver } from '../workflow/commands';
import { readRun, RunLog, type RunStep } from '../workflow/run-log';
import { findSpec, type ProjectSpec } from '../workflow/spec';
import { loadGraph } from '../workflow/task-graph';
import type { ControlChange } from '../security/control-files';
import type { EditEngine } from './edit-port';
import { runTaskLoop, type Budgets, type EpisodeMemory, type LoopTask, type TaskOutcome } from './loop';
import { ProjectManager } from './project-mgr';

export class AgentRefusal extends Error {
  constructor(
    message: string,
    readonly kind: 'restricted' | 'spec' | 'usage',
    readonly where?: { file: string; line?: number; column?: number },
  ) {
    super(message);
  }
}

export interface AgentEnv {
  root: string;
  models: ModelRouter;
  edits: EditEngine;
  config: Config['agents'];
  trusted: boolean;
  /** User-level approvals in force (e.g. `workspace-settings:<hash>`), recorded in the run. */
  approvals?: string[];
  retriever?: ContextRetriever;
  openFiles?: () => Array<{ path: string; text: string }>;
  memory?: EpisodeMemory;
  ask?: Approver;
  telemetry?: Telemetry;
  signal: AbortSignal;
  onStep?: (runId: string, step: RunStep) => void;
  onTask?: (runId: string, task: { id: string; status: TaskStatus }) => void;
  /** Called once the run exists on disk (so a caller can say where to look). */
  onStart?: (runId: string) => void;
}

export interface RunRequest {
  instruction?: string;
  taskId?: string;
  all?: boolean;
  resume?: string;
}

export interface RunResult {
  status: RunOutcome;
  iterations: number;
  runId: string;
  edits: TaskOutcome['edits'];
  reason?: string;
  tasks?: Array<{ id: string; status: TaskStatus; iterations: number; reason?: string }>;
}

/** `npm test` when package.json has a real test script; nothing otherwise. */
async function detectTests(root: string): Promise<string | undefined> {
  try {
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    const t = pkg.scripts?.test;
    if (t && !/no test specified/.test(t)) return 'npm test';
  } catch {
    // no package.json
  }
  return undefined;
}

function budgetsOf(config: Config['agents'], spec?: ProjectSpec): Budgets {
  return {
    iterations: spec?.budgets.iterations ?? config.maxIterations,
    tokens: spec?.budgets.tokens ?? config.maxTokens,
    wallMs: (spec?.budgets.wallSeconds ?? config.maxWallSeconds) * 1000,
  };
}

export async function runAgents(req: RunRequest, env: AgentEnv): Promise<RunResult> {
  if (!env.trusted) throw new AgentRefusal('restricted mode: this workspace is not trusted, so agents make no edits and run no commands (trust the workspace, or run the CLI without --restricted)', 'restricted');
  let specFound: { spec: ProjectSpec; file: string } | undefined;
  try {
    specFound = await findSpec(env.root);
  } catch (err) {
    const e = err as { message: string; file?: string; line?: number; column?: number };
    throw new AgentRefusal(`${e.message} — nothing was run`, 'spec', { file: e.file ?? '', ...(e.line ? { line: e.line } : {}), ...(e.column ? { column: e.column } : {}) });
  }
  const spec = specFound?.spec;

  // Which run, which tasks.
  let log: RunLog;
  let mode: { instruction: string } | { taskId: string } | { all: true };
  if (req.resume) {
    const current = await readRun(env.root, req.resume).catch((err: Error) => {
      throw new AgentRefusal(err.message, 'usage');
    });
    if (!current.signed)
      throw new AgentRefusal(
        `run ${req.resume} was not started by nootropic on this machine for this workspace (its run.json has no valid signature, e.g. it came with the repository): it is ignored and never resumed`,
        'usage',
      );
    if (current.meta.status === 'running') throw new AgentRefusal(`run ${req.resume} is still running (process ${current.meta.pid}): nothing to resume`, 'usage');
    if (current.meta.status !== 'interrupted') throw new AgentRefusal(`run ${req.resume} already ended (${current.meta.status}${current.meta.reason ? `: ${current.meta.reason}` : ''}): start a new run instead`, 'usage');
    log = await RunLog.open(env.root, req.resume).catch((err: Error) => {
      throw new AgentRefusal(err.message, 'usage');
    });
    const m = log.meta;
    mode = m.all ? { all: true } : m.taskId ? { taskId: m.taskId } : { instruction: m.instruction ?? '' };
  } else {
    mode = req.all ? { all: true } : req.taskId ? { taskId: req.taskId } : { instruction: req.instruction ?? '' };
    if ('instruction' in mode && !mode.instruction.trim()) throw new AgentRefusal('give an instruction, a task id or --all', 'usage');
    log = undefined as unknown as RunLog;
  }

  let graph: TaskGraph | null = null;
  if (!('instruction' in mode)) {
    graph = await loadGraph(env.root);
    if (!graph) throw new AgentRefusal('no task graph: run `nootropic plan` first', 'usage');
    if ('taskId' in mode && !graph.tasks.some((t) => t.id === mode.taskId)) throw new AgentRefusal(`no task "${mode.taskId}" in the task graph`, 'usage');
  }

  // The tests command and its approval, before anything is written. A resumed run is checked again against
  // today's spec, allow-list and the person: what the run recorded is history, never an approval.
  let tests: { command: string; approvedBy: string } | undefined;
  let refusal: string | undefined;
  {
    const command = spec?.tests ?? (await detectTests(env.root));
    if (command) {
      const d = await approveCommand({
        command,
        cwd: env.root,
        reason: 'run the tests after each edit',
        trusted: env.trusted,
        ...(spec?.tests ? { specTests: spec.tests } : {}),
        allowlist: env.config.allowCommands,
        ...(env.ask ? { ask: env.ask } : {}),
      });
      if (d.approved) tests = { command, approvedBy: d.by };
      else refusal = `the tests command was refused: ${d.by}`;
    }
  }

  const relied = {
    ...(tests ? { testsCommand: tests.command, testsApprovedBy: tests.approvedBy } : {}),
    approvals: [...(tests ? [`tests:${tests.approvedBy}`] : []), ...(env.approvals ?? [])],
  };
  if (!log) {
    log = await RunLog.create(env.root, {
      ...('instruction' in mode ? { instruction: mode.instruction } : {}),
      ...('taskId' in mode ? { taskId: mode.taskId } : {}),
      ...('all' in mode ? { all: true } : {}),
      ...relied,
    });
  } else {
    // A resumed run records what it relies on today, not what it relied on before.
    const { testsCommand: _c, testsApprovedBy: _b, ...rest } = log.meta;
    log.meta = rest;
    await log.update(relied);
  }
  const runId = log.meta.runId;
  env.onStart?.(runId);
  if (refusal) {
    log.append({ kind: 'decision', status: 'failed', title: 'command not approved', rationale: refusal, startedAt: new Date().toISOString(), durationMs: 0, iteration: 0, detail: { reason: refusal } });
    await log.finish('failed', refusal);
    return { status: 'failed', iterations: 0, runId, edits: [], reason: refusal };
  }

  const budgets = budgetsOf(env.config, spec);
  const loopDeps = {
    root: env.root,
    models: env.models,
    edits: env.edits,
    ...(env.retriever ? { retriever: env.retriever } : {}),
    ...(env.openFiles ? { openFiles: env.openFiles } : {}),
    ...(env.memory ? { memory: env.memory } : {}),
    ...(tests ? { tests } : {}),
    approveControl: (files: ControlChange[]) => approveControlEdit({ files, cwd: env.root, trusted: env.trusted, ...(env.ask ? { ask: env.ask } : {}) }),
    budgets,
    commandTimeoutMs: env.config.commandTimeoutMs,
    ...(env.telemetry ? { telemetry: env.telemetry } : {}),
    signal: env.signal,
    onStep: (step: RunStep) => env.onStep?.(runId, step),
  };

  const execute = async (): Promise<RunResult> => {
    try {
      if ('instruction' in mode) {
        const out = await runTaskLoop(log, { id: 'task', instruction: mode.instruction }, loopDeps);
        await log.update({ iterations: out.iterations, edits: out.edits });
        await log.finish(out.status, out.reason);
        return { status: out.status, iterations: out.iterations, runId, edits: out.edits, ...(out.reason ? { reason: out.reason } : {}) };
      }
      const pm = new ProjectManager(env.root, graph!);
      const ids = 'taskId' in mode ? [mode.taskId] : graph!.order;
      const results: NonNullable<RunResult['tasks']> = [];
      const edits: TaskOutcome['edits'] = [];
      let iterations = 0;
      let overall: RunResult['status'] = 'succeeded';
      let reason: string | undefined;
      for (const id of ids) {
        const node = pm.graph.tasks.find((t) => t.id === id)!;
        if (node.status === 'done') continue;
        const blocked = node.deps.filter((d) => pm.graph.tasks.find((t) => t.id === d)?.status !== 'done');
        if (blocked.length) {
          results.push({ id, status: node.status, iterations: 0, reason: `waiting on ${blocked.join(', ')}` });
          continue;
        }
        if (node.status !== 'in_progress') await pm.transition(id, 'in_progress');
        env.onTask?.(runId, { id, status: 'in_progress' });
        const task: LoopTask = {
          id,
          instruction: `${node.title}${node.description ? `: ${node.description}` : ''}`,
          title: node.title,
          description: node.description,
          acceptance: node.acceptance,
          files: node.files,
        };
        const out = await runTaskLoop(log, task, loopDeps);
        iterations += out.iterations;
        edits.push(...out.edits);
        const status: TaskStatus = out.status === 'succeeded' ? 'done' : 'failed';
        await pm.transition(id, status);
        env.onTask?.(runId, { id, status });
        results.push({ id, status, iterations: out.iterations, ...(out.reason ? { reason: out.reason } : {}) });
        if (out.status !== 'succeeded') {
          overall = out.status;
          reason = `task ${id}: ${out.reason ?? out.status}`;
          if (out.status === 'stopped' && out.reason === 'cancelled') break;
        }
      }
      if (overall === 'succeeded' && results.some((r) => r.status !== 'done')) {
        overall = 'failed';
        reason = `not done: ${results.filter((r) => r.status !== 'done').map((r) => `${r.id} (${r.reason ?? r.status})`).join(', ')}`;
      }
      await log.update({ iterations, edits });
      await log.finish(overall, reason);
      return { status: overall, iterations, runId, edits, ...(reason ? { reason } : {}), tasks: results };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const cancelled = env.signal.aborted;
      log.append({ kind: 'decision', status: cancelled ? 'stopped' : 'failed', title: cancelled ? 'cancelled' : 'run failed', rationale: message, startedAt: new Date().toISOString(), durationMs: 0, iteration: 0, detail: { reason: message } });
      await log.finish(cancelled ? 'stopped' : 'failed', cancelled ? 'cancelled' : message);
      return { status: cancelled ? 'stopped' : 'failed', iterations: log.meta.iterations, runId, edits: log.meta.edits, reason: cancelled ? 'cancelled' : message };
    }
  };
  if (!env.telemetry) return execute();
  // `invoke_agent nootropic`: the whole run, parent of each step's agent span, its model calls and tools.
  const mode_ = 'instruction' in mode ? 'instruction' : 'taskId' in mode ? 'task' : 'all';
  return withAgentSpan(env.telemetry, 'nootropic', { 'gen_ai.conversation.id': runId, 'nootropic.run_id': runId, 'nootropic.run_mode': mode_, ...(req.resume ? { 'nootropic.resumed': true } : {}) }, async (span) => {
    const result = await execute();
    span.setAttributes({ 'nootropic.run_status': result.status, 'nootropic.iterations': result.iterations });
    if (result.status === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: result.reason ?? 'failed' });
    return result;
  });
}
