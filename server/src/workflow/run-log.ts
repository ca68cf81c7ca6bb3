/**
 * The durable run log: `.nootropic-cache/runs/<runId>/run.json` (the run's header, replaced atomically) and
 * `steps.jsonl` (one line per completed step, appended and fsync'd before the loop moves on). A server killed
 * mid-run leaves a header saying `running` with a dead pid and every step it finished; `resume` continues from
 * there. Secrets are redacted before anything is written.
 * Every header is signed (HMAC) with a per-machine secret kept outside the workspace and bound to the workspace
 * path: a run.json that this machine did not write for this folder (committed to a repository, copied from
 * elsewhere, edited) reads as unsigned, and is reported and never resumed.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { readdir, readFile, rename, writeFile, open } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AgentFinding, RunEdit, RunStepInfo, RunSummary, type RunOutcome } from '../../../shared/protocol/tasks';
import { signForWorkspace, verifyForWorkspace } from '../config/user-state';
import { redactText } from '../security/redact';
import { makeCacheDir } from '../workspace/cache-dir';

/** Masks secret-looking values in every string (keys like `tokens` here are counts, not credentials). */
function redactStrings<T>(v: T): T {
  if (typeof v === 'string') return redactText(v) as T;
  if (Array.isArray(v)) return v.map(redactStrings) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactStrings(x)])) as T;
  return v;
}

/** The critics' findings (the protocol's finding, `source` narrowed to the critics that exist). */
export const Finding = AgentFinding.extend({ source: z.enum(['syntax', 'typescript', 'semgrep', 'tests', 'edit']) });
export type Finding = z.infer<typeof Finding>;

/** One line of steps.jsonl: the protocol's step, with the findings' sources narrowed. */
export const RunStep = RunStepInfo.extend({ findings: z.array(Finding).optional() });
export type RunStep = z.infer<typeof RunStep>;
export type NewStep = Omit<RunStep, 'seq'>;

/** run.json: the protocol's run summary plus what only the server needs (owner pid, approvals, tests command). */
export const RunMeta = RunSummary.extend({
  all: z.boolean().optional(),
  iterations: z.number().int().default(0),
  /** The server process that owns the run while it is `running`. */
  pid: z.number().int().optional(),
  testsCommand: z.string().optional(),
  /** Who approved the tests command for this run: 'spec', 'allowlist' or 'client'. */
  testsApprovedBy: z.string().optional(),
  /** The user-level approvals the run relied on when it started (e.g. `tests:spec`, `workspace-settings:<hash>`). */
  approvals: z.array(z.string()).optional(),
  edits: z.array(RunEdit).default([]),
});
export type RunMeta = z.infer<typeof RunMeta>;

export function runsDir(root: string): string {
  return path.join(root, '.nootropic-cache', 'runs');
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

const RUN_ID = /^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$/;
export function isRunId(id: string): boolean {
  return RUN_ID.test(id);
}

function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}

export class RunLog {
  private seq: number;

  private constructor(
    readonly root: string,
    readonly dir: string,
    public meta: RunMeta,
    readonly steps: RunStep[],
  ) {
    this.seq = steps.length ? steps[steps.length - 1]!.seq + 1 : 1;
  }

  static async create(root: string, init: Omit<RunMeta, 'runId' | 'status' | 'startedAt' | 'iterations' | 'edits' | 'pid'> & { runId?: string }): Promise<RunLog> {
    const runId = init.runId ?? newRunId();
    const dir = path.join(runsDir(root), runId);
    await makeCacheDir(dir);
    const meta = RunMeta.parse({ ...init, runId, status: 'running', startedAt: new Date().toISOString(), iterations: 0, edits: [], pid: process.pid });
    const log = new RunLog(root, dir, meta, []);
    await writeFile(path.join(dir, 'steps.jsonl'), '', { flag: 'a' });
    await log.saveMeta();
    return log;
  }

  /** Reopens a run to continue it (this process becomes its owner). */
  static async open(root: string, runId: string): Promise<RunLog> {
    const { meta, steps } = await readRun(root, runId);
    const log = new RunLog(root, path.join(runsDir(root), runId), meta, steps);
    log.meta = { ...meta, status: 'running', pid: process.pid };
    delete log.meta.endedAt;
    delete log.meta.reason;
    await log.saveMeta();
    return log;
  }

  /** Appends a completed step; returns once it is on disk (fsync). */
  append(step: NewStep): RunStep {
    const full = RunStep.parse(redactStrings({ ...step, seq: this.seq++ }));
    const fd = openSync(path.join(this.dir, 'steps.jsonl'), 'a');
    try {
      writeSync(fd, JSON.stringify(full) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.steps.push(full);
    return full;
  }

  async update(patch: Partial<RunMeta>): Promise<void> {
    this.meta = { ...this.meta, ...patch };
    await this.saveMeta();
  }

  async finish(status: RunOutcome, reason?: string): Promise<void> {
    const { pid: _pid, ...rest } = this.meta;
    this.meta = { ...rest, status, endedAt: new Date().toISOString(), ...(reason ? { reason } : {}) };
    await this.saveMeta();
  }

  private async saveMeta(): Promise<void> {
    const redacted = redactStrings(this.meta);
    const signature = signForWorkspace(this.root, JSON.stringify(redacted));
    await writeAtomic(path.join(this.dir, 'run.json'), JSON.stringify({ ...redacted, signature }, null, 2));
  }
}

export interface ReadRun {
  meta: RunMeta;
  steps: RunStep[];
  /** False when the header's signature is missing or wrong: this machine did not write it for this workspace. */
  signed: boolean;
}

/** Reads a run; a `running` run whose owner process is gone reads as `interrupted`. A torn last line is skipped. */
export async function readRun(root: string, runId: string): Promise<ReadRun> {
  if (!isRunId(runId)) throw new Error(`not a run id: ${runId} (expected e.g. 20260101-120000-a1b2c3)`);
  const dir = path.join(runsDir(root), runId);
  let raw: string;
  try {
    raw = await readFile(path.join(dir, 'run.json'), 'utf8');
  } catch {
    throw new Error(`no run ${runId} under ${runsDir(root)}`);
  }
  const parsed: unknown = JSON.parse(raw);
  let signed = false;
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const { signature, ...rest } = parsed as Record<string, unknown>;
    signed = verifyForWorkspace(root, JSON.stringify(rest), typeof signature === 'string' ? signature : undefined);
  }
  const meta = RunMeta.parse(parsed);
  if (meta.status === 'running' && meta.pid !== process.pid && !pidAlive(meta.pid)) meta.status = 'interrupted';
  const steps: RunStep[] = [];
  const text = await readFile(path.join(dir, 'steps.jsonl'), 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const s = RunStep.safeParse(JSON.parse(line));
      if (s.success) steps.push(s.data);
    } catch {
      // a line cut short by a crash: the step did not complete
    }
  }
  return { meta, steps, signed };
}

export type ListedRun = RunMeta & { signed: boolean };

export async function listRuns(root: string): Promise<ListedRun[]> {
  let names: string[];
  try {
    names = await readdir(runsDir(root));
  } catch {
    return [];
  }
  const out: ListedRun[] = [];
  for (const n of names.filter(isRunId).sort()) {
    try {
      const r = await readRun(root, n);
      out.push({ ...r.meta, signed: r.signed });
    } catch {
      // a run folder without a readable header is not listed
    }
  }
  return out;
}
