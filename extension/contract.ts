/**
 * Methods the extension calls that other work streams define (CONTRACTS.md: edit engine, agents). Parsed here
 * leniently (unknown fields pass) so the extension works with the server whichever side lands first; a method
 * the server does not advertise is reported as such, never called blindly.
 */
import { z } from 'zod';

export const EDIT_PREVIEW = 'nootropic/edit/preview';
export const EDIT_APPLY = 'nootropic/edit/apply';
export const AGENT_PLAN = 'nootropic/agent/plan';
export const AGENT_RUN = 'nootropic/agent/run';
export const AGENT_PROGRESS = 'nootropic/agent/progress';
export const AGENT_APPROVE = 'nootropic/agent/approve';
export const RUNS_LIST = 'nootropic/runs/list';
export const RUNS_GET = 'nootropic/runs/get';
export const TASKS_GRAPH = 'nootropic/tasks/graph';
export const AGENT_FEEDBACK = 'nootropic/agent/feedback';

export const EditFile = z.looseObject({ uri: z.string(), before: z.string().nullable(), after: z.string().nullable() });
export type EditFile = z.infer<typeof EditFile>;
export const EditPreviewResult = z.looseObject({
  applied: z.boolean(),
  reason: z.string().optional(),
  files: z.array(EditFile).default([]),
  diff: z.string().default(''),
  controlFiles: z.array(z.looseObject({ path: z.string(), why: z.string() })).default([]),
});
export type EditPreviewResult = z.infer<typeof EditPreviewResult>;
export const EditApplyResult = EditPreviewResult.extend({ edit: z.unknown().optional() });

export const TaskStatus = z.enum(['todo', 'in_progress', 'review', 'done', 'failed']);
export type TaskStatus = z.infer<typeof TaskStatus>;
export const Task = z.looseObject({
  id: z.string(),
  title: z.string(),
  description: z.string().default(''),
  deps: z.array(z.string()).default([]),
  acceptance: z.array(z.string()).default([]),
  files: z.array(z.string()).default([]),
  estimate: z.number().optional(),
  status: TaskStatus.catch('todo'),
});
export type Task = z.infer<typeof Task>;
export const TaskGraph = z.looseObject({ version: z.number().optional(), name: z.string().default('plan'), tasks: z.array(Task), order: z.array(z.string()).default([]) });
export type TaskGraph = z.infer<typeof TaskGraph>;
export const TasksGraphResult = z.looseObject({
  graph: TaskGraph.nullable(),
  progress: z.looseObject({ done: z.number(), remaining: z.number(), failed: z.number() }).optional(),
});
export const AgentPlanResult = z.looseObject({ graph: TaskGraph });
export const AgentRunResult = z.looseObject({
  status: z.string(),
  iterations: z.number().optional(),
  runId: z.string().optional(),
  reason: z.string().optional(),
  edits: z.array(z.unknown()).optional(),
});

export const StepKind = z.string();
export const ProgressStep = z.looseObject({
  kind: StepKind,
  status: z.string(),
  title: z.string(),
  rationale: z.string().optional(),
  startedAt: z.union([z.string(), z.number()]).optional(),
  durationMs: z.number().optional(),
  detail: z.unknown().optional(),
});
export const AgentProgress = z.looseObject({
  runId: z.string(),
  taskId: z.string().optional(),
  step: ProgressStep,
  task: z.looseObject({ id: z.string(), status: TaskStatus.catch('todo') }).optional(),
});
export type AgentProgress = z.infer<typeof AgentProgress>;

export const RunSummary = z.looseObject({
  runId: z.string(),
  instruction: z.string().optional(),
  status: z.string(),
  startedAt: z.union([z.string(), z.number()]),
  endedAt: z.union([z.string(), z.number()]).optional(),
  iterations: z.number().optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;
export const RunsListResult = z.looseObject({ runs: z.array(RunSummary) });
export const RunStep = z.looseObject({
  kind: z.string(),
  title: z.string(),
  status: z.string().optional(),
  rationale: z.string().optional(),
  startedAt: z.union([z.string(), z.number()]).optional(),
  durationMs: z.number().optional(),
  tokens: z.unknown().optional(),
  prompt: z.unknown().optional(),
  response: z.unknown().optional(),
  edits: z.unknown().optional(),
  findings: z.unknown().optional(),
  spanIds: z.array(z.string()).optional(),
  taskId: z.string().optional(),
});
export type RunStep = z.infer<typeof RunStep>;
export const RunsGetResult = z.looseObject({ run: RunSummary, steps: z.array(RunStep) });
export type RunsGetResult = z.infer<typeof RunsGetResult>;

export const ApproveParams = z.looseObject({
  command: z.string(),
  cwd: z.string().optional(),
  reason: z.string().optional(),
  kind: z.enum(['command', 'edit']).catch('command').optional(),
  files: z.array(z.looseObject({ path: z.string(), why: z.string() })).optional(),
});
