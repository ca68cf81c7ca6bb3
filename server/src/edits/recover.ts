/**
 * Recovery of change sets a killed process left pending (journal.ts writes the record before any target is
 * replaced). Each pending record is compared with the disk: every file still as before → never applied, marked so;
 * every file as after → applied, committed; some replaced and some not (killed between two renames) → rolled
 * forward, the rest written through the same all-or-nothing commit. A file that holds neither (changed by hand
 * since) leaves the record pending and is reported: nothing is guessed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { confinedPath } from '../workspace/confinement';
import { commitWrites, isTempFor, readOrNull } from './commit';
import { commitPending, dropPending, readPending, writeRecord, type ChangeSetRecord } from './journal';

export interface RecoveryReport {
  /** Pending sets whose targets were never replaced: kept in the journal, marked not applied. */
  notApplied: string[];
  /** Pending sets found fully applied: committed. */
  committed: string[];
  /** Pending sets found half applied: the rest written, committed. */
  rolledForward: string[];
  problems: string[];
}

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temp files a killed commit left beside its targets. */
async function removeStrayTemps(abs: string): Promise<void> {
  const dir = path.dirname(abs);
  const base = path.basename(abs);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const n of names) if (isTempFor(n, base)) await fs.rm(path.join(dir, n), { force: true }).catch(() => undefined);
}

async function recoverOne(root: string, r: ChangeSetRecord, report: RecoveryReport): Promise<void> {
  const states: ('before' | 'after' | 'other')[] = [];
  const abs: string[] = [];
  for (const f of r.files) {
    const a = await confinedPath(root, f.path);
    abs.push(a);
    const now = await readOrNull(a);
    states.push(now === f.after ? 'after' : now === f.before ? 'before' : 'other');
  }
  const other = r.files.filter((_, i) => states[i] === 'other');
  if (other.length) {
    report.problems.push(`change set ${r.id} was interrupted and ${other.map((f) => f.path).join(', ')} changed since; left pending (.nootropic-cache/edits/${r.id}.pending.json)`);
    return;
  }
  for (const a of abs) await removeStrayTemps(a);
  if (states.every((s) => s === 'before')) {
    const { pid: _pid, ...rest } = r;
    await writeRecord(root, { ...rest, notAppliedAt: new Date().toISOString() });
    await dropPending(root, r.id);
    report.notApplied.push(r.id);
    return;
  }
  const rest = r.files.filter((_, i) => states[i] === 'before');
  if (rest.length) {
    await commitWrites(root, rest.map((f) => ({ rel: f.path, onDisk: f.before, after: f.after })));
    report.rolledForward.push(r.id);
  } else report.committed.push(r.id);
  await commitPending(root, r.id);
}

/** Settles every pending record left by a process that is gone (records of live processes are in flight). */
export async function recoverPending(root: string): Promise<RecoveryReport> {
  const report: RecoveryReport = { notApplied: [], committed: [], rolledForward: [], problems: [] };
  const { records, problems } = await readPending(root);
  report.problems.push(...problems.map((p) => `unreadable pending change set ${p}`));
  for (const r of records) {
    if (alive(r.pid)) continue;
    try {
      await recoverOne(root, r, report);
    } catch (err) {
      report.problems.push(`change set ${r.id} could not be recovered: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return report;
}
