/**
 * Agents over LSP: `nootropic/agent/plan`, `nootropic/agent/run` (cancellable; `nootropic/agent/progress` for
 * every step, `$/progress` when the client gave a token), `nootropic/runs/list|get`, `nootropic/tasks/graph`,
 * feedback, the `nootropic/agent/approve` request to the client, critic diagnostics and their code actions.
 * Runs a killed server left unfinished are offered at start (handlers/trust.ts), resumed only when a client asks.
 */
import path from 'node:path';
import { URI } from 'vscode-uri';
import { WorkDoneProgress } from 'vscode-languageserver';
import {
  AgentApprove,
  AgentFeedback,
  AgentPlan,
  AgentProgress,
  AgentRun,
  FeedbackExport,
  NootropicErrorCodes,
  RunsGet,
  RunsList,
  TasksGraph,
  type AgentRunResult,
} from '../../../shared/protocol';
import type { ServerContext } from '../context';
import { codeActionsFor, diagnosticsByUri } from '../agents/diagnostics';
import { editEngine } from '../agents/engine';
import { FeedbackStore } from '../agents/feedback';
import { EpisodeStore } from '../agents/memory';
import { AgentRefusal, runAgents, type AgentEnv, type RunRequest } from '../agents/orchestrator';
import { plan } from '../agents/planner';
import { progressOf } from '../agents/project-mgr';
import { typeScriptLocation } from '../agents/ts-diagnostics';
import { ModelError } from '../models/errors';
import { abortSignalFor, RpcError } from '../rpc/registry';
import { listRuns, readRun, type RunStep } from '../workflow/run-log';
import { findSpec } from '../workflow/spec';
import { loadGraph } from '../workflow/task-graph';

type Ctx = Pick<ServerContext, 'rpc' | 'config' | 'models' | 'documents' | 'retriever' | 'log' | 'connection' | 'telemetry' | 'status' | 'diagnostics'>;

function requireRoot(ctx: Ctx): string {
  const root = ctx.config.workspaceRoot;
  if (!root) throw new RpcError(NootropicErrorCodes.NoWorkspace, 'no workspace folder is open: open a folder (or pass --root) for agents to work in');
  return root;
}

function toRpc(err: unknown): never {
  if (err instanceof AgentRefusal) {
    const code = err.kind === 'restricted' ? NootropicErrorCodes.Restricted : err.kind === 'spec' ? NootropicErrorCodes.SpecInvalid : NootropicErrorCodes.InvalidParams;
    throw new RpcError(code, err.message, err.where);
  }
  if (err instanceof ModelError) throw new RpcError(NootropicErrorCodes.ModelUnavailable, err.message);
  throw err;
}

export function register(ctx: Ctx): void {
  const memories = new Map<string, EpisodeStore>();
  const memoryFor = (root: string) => {
    let m = memories.get(root);
    if (!m) memories.set(root, (m = new EpisodeStore(root, ctx.log.child('memory'))));
    return m;
  };
  const active = new Set<string>();
  // Degraded critic: say so in status and doctor (semgrep's absence is doctor's own probe).
  if (!typeScriptLocation()) ctx.status.set('agents', ['typescript compiler not found: the agents\' critic checks syntax (tree-sitter) and runs tests, but reports no type errors']);

  // Critic findings own their share of each file's diagnostics (the syntax checker owns another): a later clean
  // critic step clears the critic's share only.
  const publishFindings = async (root: string, step: RunStep) => {
    if (step.kind !== 'critic') return;
    const next = diagnosticsByUri(root, step.findings ?? []);
    for (const uri of new Set([...ctx.diagnostics.urisOf('critic'), ...next.keys()])) {
      await ctx.diagnostics.set(uri, 'critic', next.get(uri) ?? []);
    }
  };

  const envFor = (root: string, signal: AbortSignal, progressToken?: string | number): AgentEnv => ({
    root,
    models: ctx.models,
    edits: editEngine,
    config: ctx.config.config.agents,
    trusted: ctx.config.workspaceTrusted,
    approvals: ctx.config.widening.values.length && ctx.config.widening.approved ? [`workspace-settings:${ctx.config.widening.hash}`] : [],
    retriever: ctx.retriever(),
    openFiles: () =>
      ctx.documents
        .all()
        .filter((d) => d.uri.startsWith('file:'))
        .map((d) => ({ path: path.relative(root, URI.parse(d.uri).fsPath).split(path.sep).join('/'), text: d.getText() }))
        .filter((f) => !f.path.startsWith('..')),
    memory: memoryFor(root),
    ask: async (req) => {
      try {
        const raw = await ctx.connection.sendRequest(AgentApprove.method, req);
        return AgentApprove.result.parse(raw).approved;
      } catch (err) {
        ctx.log.info('approval request not answered', { command: req.command, error: String(err) });
        return false;
      }
    },
    telemetry: ctx.telemetry,
    signal,
    onStart: (runId) => {
      active.add(runId);
      if (progressToken !== undefined) void ctx.connection.sendProgress(WorkDoneProgress.type, progressToken, { kind: 'begin', title: `nootropic run ${runId}`, cancellable: true }).catch(() => undefined);
    },
    onStep: (runId, step) => {
      ctx.rpc.send(AgentProgress, {
        runId,
        ...(step.taskId ? { taskId: step.taskId } : {}),
        step: { kind: step.kind, status: step.status, title: step.title, ...(step.rationale ? { rationale: step.rationale } : {}), startedAt: step.startedAt, ...(step.durationMs !== undefined ? { durationMs: step.durationMs } : {}), ...(step.detail ? { detail: step.detail } : {}) },
      });
      if (progressToken !== undefined) void ctx.connection.sendProgress(WorkDoneProgress.type, progressToken, { kind: 'report', message: step.title }).catch(() => undefined);
      void publishFindings(root, step);
    },
    onTask: (runId, task) => {
      ctx.rpc.send(AgentProgress, { runId, taskId: task.id, step: { kind: 'decision', status: task.status, title: `task ${task.id}: ${task.status}`, startedAt: new Date().toISOString() }, task });
    },
  });

  const run = async (root: string, req: RunRequest, signal: AbortSignal, progressToken?: string | number): Promise<AgentRunResult> => {
    let runId: string | undefined;
    try {
      const env = envFor(root, signal, progressToken);
      const onStart = env.onStart!;
      env.onStart = (id) => {
        runId = id;
        onStart(id);
      };
      return await runAgents(req, env);
    } catch (err) {
      return toRpc(err);
    } finally {
      if (runId) active.delete(runId);
      if (progressToken !== undefined) void ctx.connection.sendProgress(WorkDoneProgress.type, progressToken, { kind: 'end' }).catch(() => undefined);
    }
  };

  ctx.rpc.request(AgentRun, async (params, token) => {
    const root = requireRoot(ctx);
    const req: RunRequest = {
      ...(params.instruction ? { instruction: params.instruction } : {}),
      ...(params.taskId ? { taskId: params.taskId } : {}),
      ...(params.all ? { all: true } : {}),
      ...(params.resume ? { resume: params.resume } : {}),
    };
    return run(root, req, abortSignalFor(token), params.progressToken);
  });

  ctx.rpc.request(AgentPlan, async (params, token) => {
    const root = requireRoot(ctx);
    let found;
    try {
      found = await findSpec(root, params.spec);
    } catch (err) {
      const e = err as { message: string; file?: string; line?: number; column?: number };
      throw new RpcError(NootropicErrorCodes.SpecInvalid, `${e.message} — nothing was planned`, { file: e.file, line: e.line, column: e.column });
    }
    if (!found && !params.instruction) throw new RpcError(NootropicErrorCodes.InvalidParams, `no ${params.spec ?? 'project-spec.yaml'} in ${root}: write one, or give an instruction`);
    try {
      const out = await plan({ root, ...(found ? { spec: found.spec } : {}), ...(params.instruction ? { instruction: params.instruction } : {}), models: ctx.models, signal: abortSignalFor(token) });
      return { graph: out.graph, files: out.files, notes: out.notes };
    } catch (err) {
      return toRpc(err);
    }
  });

  ctx.rpc.request(RunsList, async () => {
    const root = requireRoot(ctx);
    const runs = await listRuns(root);
    return {
      runs: runs.map((m) => ({
        runId: m.runId,
        ...(m.instruction ? { instruction: m.instruction } : {}),
        ...(m.taskId ? { taskId: m.taskId } : {}),
        status: m.status,
        startedAt: m.startedAt,
        ...(m.endedAt ? { endedAt: m.endedAt } : {}),
        iterations: m.iterations,
        ...(m.reason ? { reason: m.reason } : {}),
      })),
    };
  });

  ctx.rpc.request(RunsGet, async (params) => {
    const root = requireRoot(ctx);
    try {
      const { meta, steps } = await readRun(root, params.runId);
      const { pid: _pid, testsCommand: _t, testsApprovedBy: _a, approvals: _ap, all: _all, ...run } = meta;
      return { run, steps };
    } catch (err) {
      throw new RpcError(NootropicErrorCodes.InvalidParams, (err as Error).message);
    }
  });

  ctx.rpc.request(TasksGraph, async () => {
    const root = requireRoot(ctx);
    const graph = await loadGraph(root).catch(() => null);
    return { graph, progress: await progressOf(root, graph) };
  });

  ctx.rpc.request(AgentFeedback, async (params) => {
    const root = requireRoot(ctx);
    return { id: await new FeedbackStore(root).record(params) };
  });

  ctx.rpc.request(FeedbackExport, async (params) => {
    const root = requireRoot(ctx);
    return new FeedbackStore(root).export(params.out ? path.resolve(root, params.out) : undefined);
  });

  ctx.connection.onCodeAction((params) => codeActionsFor(params.textDocument.uri, params.context.diagnostics));
  // Interrupted runs are offered, never resumed unasked: see handlers/trust.ts.
}
