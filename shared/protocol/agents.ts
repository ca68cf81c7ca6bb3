/**
 * Agents (issue 6): plan, run, progress, runs and the task graph. See CONTRACTS.md "Agents". The task board and
 * the trace viewer consume `nootropic/agent/progress`, `nootropic/runs/get` and `nootropic/tasks/graph`.
 */
import { z } from 'zod';
import { ControlFileChange } from './edits';
import { LIMITS, notification, request } from './method';
import { RunEdit, RunOutcome, RunStepInfo, RunSummary, StepHead, TaskGraph, TaskProgress, TaskStatus } from './tasks';

export const AgentPlan = request(
  'nootropic/agent/plan',
  'client→server',
  z.object({ spec: z.string().optional(), instruction: z.string().min(1).optional() }).strict(),
  z.object({ graph: TaskGraph, files: z.object({ graph: z.string(), domain: z.string(), problem: z.string() }).optional(), notes: z.array(z.string()).default([]) }),
);

export const AgentRunResult = z.object({
  status: RunOutcome,
  iterations: z.number().int(),
  runId: z.string(),
  edits: z.array(RunEdit),
  reason: z.string().optional(),
  tasks: z.array(z.object({ id: z.string(), status: TaskStatus, iterations: z.number().int(), reason: z.string().optional() })).optional(),
});
export type AgentRunResult = z.infer<typeof AgentRunResult>;

export const AgentRun = request(
  'nootropic/agent/run',
  'client→server',
  z
    .object({
      instruction: z.string().min(1).max(LIMITS.prompt).optional(),
      taskId: z.string().max(LIMITS.id).optional(),
      all: z.boolean().optional(),
      /** Continue an interrupted run from its last completed step. */
      resume: z.string().max(LIMITS.id).optional(),
      progressToken: z.union([z.string(), z.number()]).optional(),
    })
    .strict()
    .refine((p) => [p.instruction, p.taskId, p.all, p.resume].filter((x) => x !== undefined && x !== false).length === 1, {
      message: 'give exactly one of instruction, taskId, all or resume',
    }),
  AgentRunResult,
);

export const AgentProgress = notification(
  'nootropic/agent/progress',
  'server→client',
  z.object({
    runId: z.string(),
    taskId: z.string().optional(),
    step: StepHead,
    task: z.object({ id: z.string(), status: TaskStatus }).optional(),
  }),
);

export const RunsList = request('nootropic/runs/list', 'client→server', z.object({}).strict(), z.object({ runs: z.array(RunSummary) }));

export const RunsGet = request(
  'nootropic/runs/get',
  'client→server',
  z.object({ runId: z.string().max(LIMITS.id) }).strict(),
  z.object({ run: RunSummary.extend({ edits: z.array(RunEdit) }), steps: z.array(RunStepInfo) }),
);

export const TasksGraph = request('nootropic/tasks/graph', 'client→server', z.object({}).strict(), z.object({ graph: TaskGraph.nullable(), progress: TaskProgress }));

/**
 * server→client: may the agent run this command (not the spec's tests, not covered by agents.allowCommands)? With
 * `kind: 'edit'`, may it write these control files (`files`; `command` then summarises them for older clients)?
 */
export const AgentApprove = request(
  'nootropic/agent/approve',
  'server→client',
  z.object({
    command: z.string(),
    cwd: z.string(),
    reason: z.string(),
    kind: z.enum(['command', 'edit']).optional(),
    files: z.array(ControlFileChange).optional(),
  }),
  z.object({ approved: z.boolean() }),
);

/** One verdict on an agent's edit or an answer; the feedback store adds an id and a time. */
export const FeedbackInput = z.object({
  kind: z.enum(['edit', 'answer', 'completion']),
  verdict: z.enum(['accept', 'reject']),
  prompt: z.string().max(LIMITS.prompt),
  response: z.string().max(LIMITS.prompt),
  /** What the person used instead, for a preference pair. */
  preferred: z.string().max(LIMITS.prompt).optional(),
  runId: z.string().max(LIMITS.id).optional(),
  comment: z.string().max(LIMITS.comment).optional(),
});

/** client→server: the person accepted or rejected an agent's edit or an answer (FeedbackAgent). */
export const AgentFeedback = request('nootropic/agent/feedback', 'client→server', FeedbackInput.strict(), z.object({ id: z.string() }));

export const FeedbackExport = request(
  'nootropic/feedback/export',
  'client→server',
  z.object({ out: z.string().max(LIMITS.path).optional() }).strict(),
  z.object({ file: z.string(), sft: z.number().int(), preference: z.number().int(), redacted: z.number().int() }),
);
