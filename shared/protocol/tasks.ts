/**
 * The task, run and step shapes, defined once: the agent methods (agents.ts) send them, the server's run log
 * (server/src/workflow/run-log.ts) and the webviews (shared/webview/) extend them. Only zod here, so a webview
 * can import these without the JSON-RPC types.
 */
import { z } from 'zod';

export const TASK_STATUSES = ['todo', 'in_progress', 'review', 'done', 'failed'] as const;
export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const TaskNode = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  description: z.string().default(''),
  deps: z.array(z.string()).default([]),
  acceptance: z.array(z.string()).default([]),
  files: z.array(z.string()).default([]),
  estimate: z.number().positive().optional(),
  status: TaskStatus.default('todo'),
});
export type TaskNode = z.infer<typeof TaskNode>;

export const TaskGraph = z.object({
  version: z.literal(1),
  name: z.string(),
  tasks: z.array(TaskNode),
  /** Execution order (dependencies first). */
  order: z.array(z.string()),
  /** Longest chain of estimates, when estimates exist. */
  criticalPath: z.array(z.string()).optional(),
  /** Which scheduler produced `order`: 'fast-downward' or 'builtin'. */
  scheduler: z.string().optional(),
  /** Problems found and repaired (cycles broken, unknown deps dropped, duplicate ids renamed). */
  repairs: z.array(z.string()).optional(),
});
export type TaskGraph = z.infer<typeof TaskGraph>;

/** The task board's figures: done / remaining / failed, and remaining tasks over time. */
export const TaskProgress = z.object({
  done: z.number().int(),
  remaining: z.number().int(),
  failed: z.number().int(),
  burndown: z.array(z.object({ at: z.string(), remaining: z.number().int() })),
});
export type TaskProgress = z.infer<typeof TaskProgress>;

/** A run's status: `running` while its server lives, `interrupted` once that server is gone mid-run. */
export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'stopped', 'interrupted'] as const;
export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;
/** How a finished run ended (the result of `nootropic/agent/run`). */
export const RunOutcome = RunStatus.extract(['succeeded', 'failed', 'stopped']);
export type RunOutcome = z.infer<typeof RunOutcome>;

export const STEP_KINDS = ['plan', 'model', 'edit', 'critic', 'test', 'decision'] as const;
export const StepKind = z.enum(STEP_KINDS);
export type StepKind = z.infer<typeof StepKind>;

export const RunEdit = z.object({ path: z.string(), diff: z.string(), changeSetId: z.string().optional() });
export type RunEdit = z.infer<typeof RunEdit>;

/** A critic's finding; the server narrows `source` to the critics it runs. */
export const AgentFinding = z.object({
  source: z.string(),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string(),
  /** Root-relative. */
  path: z.string().optional(),
  /** 1-based. */
  line: z.number().int().optional(),
  column: z.number().int().optional(),
  endLine: z.number().int().optional(),
  endColumn: z.number().int().optional(),
  rule: z.string().optional(),
  /** semgrep autofix text for the range, when it gives one. */
  fix: z.string().optional(),
});

/** What every step has, live (`nootropic/agent/progress`) and recorded (`nootropic/runs/get`). */
export const StepHead = z.object({
  kind: StepKind,
  status: z.string(),
  title: z.string(),
  /** Why this step was taken, in a sentence (ExplainabilityAgent). */
  rationale: z.string().optional(),
  startedAt: z.string(),
  durationMs: z.number().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});

/** One recorded step of a run (a line of the run log's steps.jsonl). */
export const RunStepInfo = z.object({
  seq: z.number().int(),
  ...StepHead.shape,
  iteration: z.number().int().default(0),
  taskId: z.string().optional(),
  tokens: z.object({ prompt: z.number().optional(), output: z.number().optional() }).optional(),
  prompt: z.string().optional(),
  response: z.string().optional(),
  edits: z.array(RunEdit).optional(),
  findings: z.array(AgentFinding).optional(),
  spanIds: z.array(z.string()).optional(),
});
export type RunStepInfo = z.infer<typeof RunStepInfo>;

/** A run's header as clients see it; the run log's header extends it. */
export const RunSummary = z.object({
  runId: z.string(),
  instruction: z.string().optional(),
  taskId: z.string().optional(),
  status: RunStatus,
  startedAt: z.string(),
  endedAt: z.string().optional(),
  iterations: z.number().int(),
  reason: z.string().optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;
