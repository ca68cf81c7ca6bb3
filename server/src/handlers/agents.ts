/**
 * Agents over LSP: `nootropic/agent/plan`, `nootropic/agent/run` (cancellable; `nootropic/agent/progress` for
 * every step, `$/progress` when the client gave a token), `nootropic/runs/list|get`, `nootropic/tasks/graph`,
 * feedback, the `nootropic/agent/approve` request to the client, critic diagnostics and their code actions.
 * The state (runs in progress, memory, the offer of interrupted runs) is the agents service's (agents/service.ts):
 * these handlers parse, call and map errors. Interrupted runs are resumed only when a client asks (`resume`).
 */
import path from 'node:path';
import { WorkDoneProgress, type WorkDoneProgressBegin, type WorkDoneProgressEnd, type WorkDoneProgressReport } from 'vscode-languageserver';
import {
  AgentFeedback,
  AgentPlan,
  AgentRun,
  FeedbackExport,
  NootropicErrorCodes,
  RunsGet,
  RunsList,
  TasksGraph,
  type AgentRunResult,
} from '../../../shared/protocol';
import type { ServerContext } from '../context';
import { codeActionsFor } from '../agents/diagnostics';
import { FeedbackStore } from '../agents/feedback';
import { AgentRefusal, type RunRequest } from '../agents/orchestrator';
import { plan } from '../agents/planner';
import { progressOf } from '../agents/project-mgr';
import type { RunProgress } from '../agents/service';
import { ModelError } from '../models/errors';
import { abortSignalFor, RpcError } from '../rpc/registry';
import { listRuns, readRun } from '../workflow/run-log';
import { findSpec } from '../workflow/spec';
import { loadGraph } from '../workflow/task-graph';

type Ctx = Pick<ServerContext, 'rpc' | 'config' | 'models' | 'connection' | 'agents'>;

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

/** LSP work-done progress for the client that gave a token. */
function workDone(ctx: Ctx, token: string | number | undefined): RunProgress | undefined {
  if (token === undefined) return undefined;
  const send = (value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => void ctx.connection.sendProgress(WorkDoneProgress.type, token, value).catch(() => undefined);
  return {
    begin: (runId) => send({ kind: 'begin', title: `nootropic run ${runId}`, cancellable: true }),
    report: (message) => send({ kind: 'report', message }),
    end: () => send({ kind: 'end' }),
  };
}

export function register(ctx: Ctx): void {
  const run = async (root: string, req: RunRequest, signal: AbortSignal, progressToken?: string | number): Promise<AgentRunResult> => {
    try {
      return await ctx.agents.run(root, req, signal, workDone(ctx, progressToken));
    } catch (err) {
      return toRpc(err);
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
}
