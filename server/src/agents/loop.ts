/**
 * The reflexion loop for one task: coder → edit engine → critic (syntax, types, semgrep, tests) → decision, with
 * the critic's findings (and the failing tests' output) fed back to the coder until the task is clean or a
 * budget (iterations, tokens, wall time) is spent. A repeated identical edit, or files returning to an earlier
 * state (oscillation), stops the loop with that reason instead of burning the budget.
 *
 * Every step is appended to the run log before the next one starts, and the loop's state is rebuilt from that
 * log alone, so a run whose server was killed continues from its last completed step (`resume`): a recorded
 * model answer is not asked again, an edit already in the journal is not applied twice.
 *
 * Each phase is one function over the task's run (`TaskRun`): code (the coder), fix (the edit engine), critique
 * (the critic), test (the tests command) and decide; `runTaskLoop` only steps through them.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { trace } from '@opentelemetry/api';
import type { ContextRetriever } from '../context/retriever';
import type { ModelRouter } from '../models/router';
import { withAgentSpan } from '../telemetry/genai';
import type { Telemetry } from '../telemetry/telemetry';
import { controlChanges, type ControlChange } from '../security/control-files';
import type { ApprovalDecision } from '../workflow/commands';
import type { Finding, RunLog, RunStep, NewStep } from '../workflow/run-log';
import { runCoder, type CoderTask, type Example } from './coder';
import { criticize } from './critic';
import type { EditEngine } from './edit-port';
import type { RunOutcome } from '../../../shared/protocol/tasks';

export interface Budgets {
  iterations: number;
  tokens: number;
  wallMs: number;
}

export interface EpisodeMemory {
  similar(task: string, limit: number): Promise<Example[]>;
  record(episode: { task: string; context: string; edits: string; outcome: string; succeeded: boolean }): Promise<void>;
}

export interface LoopDeps {
  root: string;
  models: ModelRouter;
  edits: EditEngine;
  retriever?: ContextRetriever;
  openFiles?: () => Array<{ path: string; text: string }>;
  memory?: EpisodeMemory;
  /** Approved tests command (spec, allowlist or the person), if any. */
  tests?: { command: string; approvedBy: string };
  /** Asks the person before an edit writes control files (config, plugins, spec, CI, …); absent = always refused. */
  approveControl?: (files: ControlChange[]) => Promise<ApprovalDecision>;
  budgets: Budgets;
  commandTimeoutMs: number;
  telemetry?: Telemetry;
  signal: AbortSignal;
  onStep?: (step: RunStep) => void;
}

export interface LoopTask extends CoderTask {
  id: string;
}

export interface TaskOutcome {
  status: RunOutcome;
  iterations: number;
  reason?: string;
  edits: Array<{ path: string; diff: string; changeSetId?: string }>;
}

type Phase = 'model' | 'edit' | 'critic' | 'test' | 'decision';

/** The loop's whole state, derived from the task's logged steps. */
interface State {
  iteration: number;
  next: Phase;
  response?: string;
  editApplied: boolean;
  refusal?: string;
  findings: Finding[];
  editHashes: string[];
  stateHashes: Array<{ iteration: number; hash: string }>;
  touched: Set<string>;
  edits: TaskOutcome['edits'];
  tokens: number;
  elapsedMs: number;
  done?: TaskOutcome;
}

function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}

/**
 * The edit part of a model answer, whitespace-normalised: two answers that would make the same edit hash alike.
 * A block's target (the path line before it) is part of the edit: the same SEARCH/REPLACE aimed at another file
 * is another edit.
 */
export function editHash(response: string): string {
  const blocks = response.match(/(?:^[^\n`]*\S\n(?:```[^\n]*\n)?)?<{5,9} SEARCH[\s\S]*?>{5,9} REPLACE|^--- [\s\S]*$/gm) ?? [response];
  return hash(blocks.join('\n').replace(/[ \t]+$/gm, '').trim());
}

async function workspaceStateHash(root: string, files: Iterable<string>): Promise<string> {
  const parts: string[] = [];
  for (const f of [...files].sort()) parts.push(`${f}\0${await readFile(path.join(root, f), 'utf8').catch(() => '<deleted>')}`);
  return hash(parts.join('\0\0'));
}

export function rebuildState(steps: readonly RunStep[]): State {
  const s: State = { iteration: 0, next: 'model', editApplied: false, findings: [], editHashes: [], stateHashes: [], touched: new Set(), edits: [], tokens: 0, elapsedMs: 0 };
  for (const step of steps) {
    s.elapsedMs += step.durationMs ?? 0;
    s.tokens += (step.tokens?.prompt ?? 0) + (step.tokens?.output ?? 0);
    switch (step.kind) {
      case 'model':
        s.iteration = step.iteration;
        s.response = step.response ?? '';
        s.findings = [];
        s.next = 'edit';
        break;
      case 'edit': {
        s.editApplied = step.status === 'applied';
        const d = step.detail ?? {};
        s.refusal = s.editApplied ? undefined : String(d.reason ?? 'refused');
        if (typeof d.editHash === 'string') s.editHashes.push(d.editHash);
        if (typeof d.stateHash === 'string') s.stateHashes.push({ iteration: step.iteration, hash: d.stateHash });
        if (typeof d.initialHash === 'string' && !s.stateHashes.some((h) => h.iteration === 0)) s.stateHashes.unshift({ iteration: 0, hash: d.initialHash });
        for (const e of step.edits ?? []) {
          s.touched.add(e.path);
          s.edits.push(e);
        }
        if (!s.editApplied && step.findings) s.findings = [...step.findings];
        s.next = s.editApplied ? 'critic' : 'decision';
        break;
      }
      case 'critic':
        s.findings = [...s.findings, ...(step.findings ?? [])];
        s.next = 'test';
        break;
      case 'test':
        s.findings = [...s.findings, ...(step.findings ?? [])];
        s.next = 'decision';
        break;
      case 'decision':
        if (step.status === 'continue') s.next = 'model';
        else s.done = { status: step.status as TaskOutcome['status'], iterations: step.iteration, ...(step.detail?.reason ? { reason: String(step.detail.reason) } : {}), edits: s.edits };
        break;
      default:
        break;
    }
  }
  return s;
}

function firstSentence(text: string): string {
  const t = text.replace(/```[\s\S]*?```/g, '').replace(/<{5,9} SEARCH[\s\S]*?>{5,9} REPLACE/g, '').trim();
  const line = t.split('\n').find((l) => l.trim() && !/^[\w./-]+\.\w+$/.test(l.trim())) ?? '';
  return line.trim().slice(0, 200);
}

/** One task's run in progress: its state, what it may use, and the step helpers every phase shares. */
interface TaskRun {
  s: State;
  task: LoopTask;
  deps: LoopDeps;
  log: RunLog;
  record(step: Omit<NewStep, 'taskId' | 'iteration'> & { iteration?: number }): RunStep;
  /** Runs one agent under its `invoke_agent` span, timed, with the span ids the step will cite. */
  timed<T>(agent: string, fn: () => Promise<T>): Promise<{ value: T; startedAt: string; durationMs: number; spanIds: string[] }>;
  /** Records the final decision, remembers the episode, and ends the task. */
  finish(status: TaskOutcome['status'], reason: string): Promise<TaskOutcome>;
  /** Which budget is spent, if one is. */
  overBudget(): string | undefined;
}

/** A phase does its step and sets `s.next`; an outcome ends the task. */
type PhaseFn = (r: TaskRun) => Promise<TaskOutcome | undefined>;

function startRun(log: RunLog, task: LoopTask, deps: LoopDeps, s: State): TaskRun {
  const sessionStart = Date.now();
  const elapsed = () => s.elapsedMs + (Date.now() - sessionStart);
  const spanId = () => trace.getActiveSpan()?.spanContext().spanId;
  const record: TaskRun['record'] = (step) => {
    const full = log.append({ ...step, taskId: task.id, iteration: step.iteration ?? s.iteration });
    deps.onStep?.(full);
    return full;
  };
  return {
    s,
    task,
    deps,
    log,
    record,
    async timed(agent, fn) {
      const startedAt = new Date().toISOString();
      const t0 = Date.now();
      const spans: string[] = [];
      const value = deps.telemetry
        ? await withAgentSpan(deps.telemetry, agent, { 'nootropic.run_id': log.meta.runId, 'nootropic.task_id': task.id, 'nootropic.iteration': s.iteration }, async () => {
            const id = spanId();
            if (id) spans.push(id);
            return fn();
          })
        : await fn();
      return { value, startedAt, durationMs: Date.now() - t0, spanIds: spans };
    },
    async finish(status, reason) {
      record({ kind: 'decision', status, title: status === 'succeeded' ? 'task done' : `loop ${status}`, rationale: reason, startedAt: new Date().toISOString(), durationMs: 0, detail: { reason } });
      const outcome: TaskOutcome = { status, iterations: s.iteration, reason, edits: s.edits };
      if (deps.memory && s.edits.length) {
        await deps.memory
          .record({ task: task.instruction, context: [...s.touched].join(', '), edits: s.edits.map((e) => e.diff).join('\n'), outcome: `${status}: ${reason}`, succeeded: status === 'succeeded' })
          .catch(() => undefined);
      }
      return outcome;
    },
    overBudget() {
      if (s.iteration >= deps.budgets.iterations) return `budget spent: ${s.iteration} of ${deps.budgets.iterations} iterations without a clean result`;
      if (s.tokens >= deps.budgets.tokens) return `budget spent: ${s.tokens} of ${deps.budgets.tokens} tokens`;
      if (elapsed() >= deps.budgets.wallMs) return `budget spent: ${Math.round(elapsed() / 1000)} s of ${Math.round(deps.budgets.wallMs / 1000)} s wall time`;
      return undefined;
    },
  };
}

/** Code: ask the coder for an edit (the task first, then the critic's findings to fix). */
const code: PhaseFn = async (r) => {
  const { s, deps, task } = r;
  const budget = r.overBudget();
  if (budget) return r.finish('stopped', budget);
  s.iteration += 1;
  const examples = s.iteration === 1 && deps.memory ? await deps.memory.similar(task.instruction, 2).catch(() => []) : [];
  const appliedDiff = s.edits.map((e) => e.diff).join('\n');
  const { value: out, startedAt, durationMs, spanIds } = await r.timed('coder', () =>
    runCoder({
      root: deps.root,
      task,
      findings: s.findings,
      ...(appliedDiff ? { appliedDiff } : {}),
      ...(s.refusal ? { refusal: s.refusal } : {}),
      examples,
      openFiles: deps.openFiles?.() ?? [],
      ...(deps.retriever ? { retriever: deps.retriever } : {}),
      models: deps.models,
      signal: deps.signal,
    }),
  );
  s.tokens += out.promptTokens + out.outputTokens;
  s.response = out.text;
  r.record({
    kind: 'model',
    status: 'ok',
    title: s.iteration === 1 ? `coder: ${task.title ?? task.instruction}`.slice(0, 120) : `coder: fix ${s.findings.length} finding(s)`,
    rationale: firstSentence(out.text) || (s.iteration === 1 ? 'ask the edit model for a change that does the task' : 'feed the critic\'s findings back to the edit model'),
    startedAt,
    durationMs,
    tokens: { prompt: out.promptTokens, output: out.outputTokens },
    prompt: out.prompt,
    response: out.text,
    spanIds,
    detail: { model: out.model, droppedContext: out.dropped, examples: examples.length },
  });
  s.findings = [];
  s.next = 'edit';
  return undefined;
};

interface EditAttempt {
  applied: boolean;
  reason?: string;
  edits: TaskOutcome['edits'];
  initialHash?: string;
  control?: { files: ControlChange[]; approvedBy?: string };
}

/**
 * Applies the model's answer through the edit engine once: an answer already in the journal (a crash between
 * applying and logging) is not applied twice, and control files are written only with the person's approval.
 */
async function applyOnce(r: TaskRun, response: string, label: string): Promise<EditAttempt> {
  const { s, deps, log } = r;
  const journal = await deps.edits.listChangeSets(deps.root).catch(() => []);
  const already = journal.find((c) => c.runId === log.meta.runId && c.label === label);
  if (already) return { applied: true, edits: already.files.map((f) => ({ path: f, diff: '', changeSetId: already.id })) };
  const filesBefore = new Set(s.touched);
  let dry = await deps.edits.applyEdits({ root: deps.root, text: response, dryRun: true });
  let control: EditAttempt['control'];
  let initialHash: string | undefined;
  // Control files are the user's: an edit that writes one is applied only with the person's approval.
  const files = dry.applied ? await controlChanges(deps.root, dry.changes) : [];
  if (files.length) {
    const d = deps.approveControl ? await deps.approveControl(files) : { approved: false, by: 'the edit writes control files and nothing can approve it here' };
    control = { files, ...(d.approved ? { approvedBy: d.by } : {}) };
    if (!d.approved) dry = { applied: false, reason: d.by, changes: [], diff: '' };
  }
  if (dry.applied && !s.stateHashes.length) {
    // The state before the run's first edit: an edit that returns to it is oscillation too.
    for (const c of dry.changes) filesBefore.add(c.path);
    initialHash = await workspaceStateHash(deps.root, filesBefore);
  }
  const res = dry.applied ? await deps.edits.applyEdits({ root: deps.root, text: response, runId: log.meta.runId, label }) : dry;
  const applied = res.applied && res.changes.length > 0;
  const reason = res.applied ? (res.changes.length ? undefined : 'the answer contained no edits') : (res.reason ?? 'refused');
  const edits = applied ? res.changes.map((c) => ({ path: c.path, diff: res.diff.length < 20_000 ? diffFor(res.diff, c.path) : '(diff too large)', ...(res.changeSetId ? { changeSetId: res.changeSetId } : {}) })) : [];
  return { applied, ...(reason ? { reason } : {}), edits, ...(initialHash ? { initialHash } : {}), ...(control ? { control } : {}) };
}

/** Fix: apply the coder's edit, stopping on a repeated edit or on files returning to an earlier state. */
const fix: PhaseFn = async (r) => {
  const { s, deps, task, log } = r;
  const response = s.response ?? '';
  const eh = editHash(response);
  const label = `run ${log.meta.runId} task ${task.id} iteration ${s.iteration}`;
  const repeated = s.editHashes.indexOf(eh);
  if (repeated >= 0) {
    r.record({ kind: 'edit', status: 'skipped', title: 'edit not applied: repeated', rationale: 'the model proposed the same edit again', startedAt: new Date().toISOString(), durationMs: 0, detail: { editHash: eh } });
    return r.finish('stopped', `the model repeated an identical edit (first proposed in iteration ${repeated + 1}): stopping instead of looping`);
  }
  const t0 = Date.now();
  const startedAt = new Date().toISOString();
  const { applied, reason, edits, initialHash, control } = await applyOnce(r, response, label);
  for (const e of edits) s.touched.add(e.path);
  const stateHash = applied ? await workspaceStateHash(deps.root, s.touched) : undefined;
  const refusalFinding: Finding[] = applied ? [] : [{ source: 'edit', severity: 'error', message: `the edit was not applied: ${reason}` }];
  r.record({
    kind: 'edit',
    status: applied ? 'applied' : 'refused',
    title: applied ? `edit ${edits.map((e) => e.path).join(', ')}` : 'edit refused',
    rationale: applied ? `apply the coder's change to ${edits.length} file(s) through the edit engine (journaled, undoable)` : `the edit engine refused the answer: ${reason}`,
    startedAt,
    durationMs: Date.now() - t0,
    edits,
    ...(refusalFinding.length ? { findings: refusalFinding } : {}),
    detail: { editHash: eh, ...(stateHash ? { stateHash } : {}), ...(initialHash ? { initialHash } : {}), ...(reason ? { reason } : {}), ...(control ? { controlFiles: control.files, ...(control.approvedBy ? { controlApprovedBy: control.approvedBy } : {}) } : {}) },
  });
  s.editHashes.push(eh);
  s.editApplied = applied;
  s.refusal = reason;
  s.edits.push(...edits);
  if (initialHash) s.stateHashes.push({ iteration: 0, hash: initialHash });
  if (stateHash) {
    const earlier = s.stateHashes.find((h) => h.hash === stateHash);
    if (earlier) return r.finish('stopped', earlier.iteration === 0 ? 'oscillation: the edits returned the files to their state before the run' : `oscillation: the edit returned the files to their state after iteration ${earlier.iteration}`);
    s.stateHashes.push({ iteration: s.iteration, hash: stateHash });
  }
  s.findings = refusalFinding;
  s.next = applied ? 'critic' : 'decision';
  return undefined;
};

/** Critique: syntax (tree-sitter), TypeScript diagnostics and semgrep on the changed files. */
const critique: PhaseFn = async (r) => {
  const { s, deps } = r;
  const { value: report, startedAt, durationMs, spanIds } = await r.timed('critic', () =>
    criticize({ root: deps.root, files: [...s.touched], timeoutMs: deps.commandTimeoutMs, signal: deps.signal, ...(deps.telemetry ? { telemetry: deps.telemetry } : {}) }),
  );
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  r.record({
    kind: 'critic',
    status: errors ? 'findings' : 'clean',
    title: errors ? `critic: ${errors} problem(s)` : 'critic: syntax, types and rules clean',
    rationale: `check ${s.touched.size} changed file(s): syntax (tree-sitter), TypeScript diagnostics, semgrep (${report.semgrep})`,
    startedAt,
    durationMs,
    findings: report.findings,
    spanIds,
    detail: { semgrep: report.semgrep, notes: report.notes.filter((n) => !n.startsWith('no tests command')) },
  });
  s.findings = report.findings;
  s.next = 'test';
  return undefined;
};

/** Test: the approved tests command, when there is one; failing tests become findings. */
const runTests: PhaseFn = async (r) => {
  const { s, deps } = r;
  if (!deps.tests) {
    r.record({ kind: 'test', status: 'skipped', title: 'no tests command', rationale: 'no approved tests command: set `tests:` in project-spec.yaml', startedAt: new Date().toISOString(), durationMs: 0 });
    s.next = 'decision';
    return undefined;
  }
  const tests = deps.tests;
  const { value: report, startedAt, durationMs, spanIds } = await r.timed('tests', () => criticize({ root: deps.root, files: [], tests, timeoutMs: deps.commandTimeoutMs, signal: deps.signal, ...(deps.telemetry ? { telemetry: deps.telemetry } : {}) }));
  const t = report.tests!;
  const testFindings = report.findings.filter((f) => f.source === 'tests');
  r.record({
    kind: 'test',
    status: t.passed ? 'passed' : 'failed',
    title: `tests ${t.passed ? 'passed' : 'failed'}: ${t.command}`,
    rationale: `run the tests command (approved: ${t.approvedBy}) to check the task's behaviour`,
    startedAt,
    durationMs,
    findings: testFindings,
    spanIds,
    detail: { command: t.command, exitCode: t.result?.exitCode ?? null, timedOut: t.result?.timedOut ?? false, output: t.result?.output.slice(-4_000) ?? '' },
  });
  s.findings = [...s.findings, ...testFindings];
  s.next = 'decision';
  return undefined;
};

/** Decide: done when an applied edit left no errors; else another round while the budgets last. */
const decide: PhaseFn = async (r) => {
  const { s, deps } = r;
  const errors = s.findings.filter((f) => f.severity === 'error');
  if (s.editApplied && !errors.length) return r.finish('succeeded', deps.tests ? `tests pass (${deps.tests.command}) and the critic found no errors` : 'the critic found no errors (no tests command)');
  const budget = r.overBudget();
  if (budget) return r.finish('stopped', budget);
  r.record({
    kind: 'decision',
    status: 'continue',
    title: `feed back ${errors.length} problem(s)`,
    rationale: `the critic found ${errors.length} error(s)${errors.some((f) => f.source === 'tests') ? ' including failing tests' : ''}: give them to the coder for another round`,
    startedAt: new Date().toISOString(),
    durationMs: 0,
    detail: { errors: errors.length },
  });
  s.next = 'model';
  return undefined;
};

const PHASES: Record<Phase, PhaseFn> = { model: code, edit: fix, critic: critique, test: runTests, decision: decide };

export async function runTaskLoop(log: RunLog, task: LoopTask, deps: LoopDeps): Promise<TaskOutcome> {
  const s = rebuildState(log.steps.filter((st) => (st.taskId ?? '') === task.id));
  if (s.done) return s.done;
  const run = startRun(log, task, deps, s);
  for (;;) {
    if (deps.signal.aborted) return run.finish('stopped', 'cancelled');
    const outcome = await PHASES[s.next](run);
    if (outcome) return outcome;
  }
}

/** The part of a git-style multi-file diff that concerns one file. */
function diffFor(diff: string, file: string): string {
  const parts = diff.split(/^(?=diff --git |--- (?:a\/|\/dev\/null))/m);
  const mine = parts.filter((p) => p.includes(`b/${file}`) || p.includes(`a/${file}`));
  return (mine.length ? mine.join('') : diff).trim();
}
