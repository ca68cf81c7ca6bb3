/**
 * The edit engine: applies what a model wrote (SEARCH/REPLACE blocks, unified diffs, whole files, replace-symbol)
 * exactly, or refuses with a reason that names the block and leaves every file untouched. Used in-process by the
 * server (LSP preview/apply, the agent loop) and by the CLI (`nootropic edit apply`, `nootropic undo`).
 * See docs/edits.md.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { confinedPath } from '../workspace/confinement';
import { commitWrites, CommitError, type CommitHooks } from './commit';
import { unifiedDiff } from './diff-text';
import { commitPending, dropPending, isChangeSetId, newChangeSetId, readRecords, writePending, writeRecord, type ChangeSetRecord } from './journal';
import { recoverPending } from './recover';

export { recoverPending, type RecoveryReport } from './recover';
import { planEdits } from './plan';

export { parseModelEdits, type ModelEdit, type ParsedEdits } from './formats';

export interface ApplyEditsRequest {
  /** Absolute workspace root; every target must resolve inside it (symlinks too). */
  root: string;
  /** What the model wrote. */
  text: string;
  /** Single-file form: this file is the target; paths inside `text` are ignored. */
  targetFile?: string;
  /** Compute everything, write nothing, record nothing. */
  dryRun?: boolean;
  /** Tags the journal entry (agent runs); `undo(root, runId)` reverts all its change sets. */
  runId?: string;
  /** Human text for the journal. */
  label?: string;
  /** Unsaved editor buffers win over disk when given. */
  overlay?: (absPath: string) => string | undefined;
}

export interface FileChange {
  /** Root-relative, '/' separators. */
  path: string;
  /** null = file is created. */
  before: string | null;
  /** null = file is deleted. */
  after: string | null;
}

export interface ApplyEditsResult {
  /** false = refused, nothing written. */
  applied: boolean;
  /** When refused: names the block/hunk and why. */
  reason?: string;
  changes: FileChange[];
  /** Unified diff of all changes (git style, a/ b/ prefixes). */
  diff: string;
  /** Journal id when written. */
  changeSetId?: string;
  /** Degraded checks, e.g. a file type without a grammar got text checks only. */
  warnings?: string[];
}

export interface JournalHooks extends CommitHooks {
  /** After the pending record is durable, before any target is staged or replaced. */
  afterJournal?: () => void | Promise<void>;
  /** After every target is replaced, before the record is committed. */
  beforeJournalCommit?: () => void | Promise<void>;
}

export interface ApplyEditsInternals {
  /** Fault injection for tests of the all-or-nothing commit and the journal (a test child kills itself here). */
  hooks?: JournalHooks;
}

export async function applyEdits(req: ApplyEditsRequest, internals: ApplyEditsInternals = {}): Promise<ApplyEditsResult> {
  const root = path.resolve(req.root);
  const plan = await planEdits({ ...req, root });
  if (!plan.ok) return { applied: false, reason: plan.reason, changes: [], diff: '' };
  const changes: FileChange[] = plan.files.map((f) => ({ path: f.rel, before: f.before, after: f.after }));
  const diff = unifiedDiff(changes);
  const warnings: { warnings?: string[] } = plan.warnings.length ? { warnings: plan.warnings } : {};
  if (req.dryRun || !changes.length) return { applied: true, changes, diff, ...warnings };
  const record: ChangeSetRecord = {
    version: 1,
    id: newChangeSetId(),
    ...(req.runId ? { runId: req.runId } : {}),
    ...(req.label ? { label: req.label } : {}),
    at: new Date().toISOString(),
    // The journal keeps what was on disk, which is what undo must restore.
    files: plan.files.map((f) => ({ path: f.rel, before: f.onDisk, after: f.after })),
  };
  const hooks = internals.hooks ?? {};
  const journalWarnings: string[] = [];
  const recovered = await recoverPending(root);
  journalWarnings.push(...recovered.problems);
  // Journal first: the record is durable before any target is replaced, so a kill at any point leaves either the
  // old files and a pending record that recovery marks not applied, or the new files and their record.
  try {
    await writePending(root, { ...record, pid: process.pid });
  } catch (err) {
    return { applied: false, reason: `the undo journal could not be written (${(err as Error).message}); nothing was changed`, changes: [], diff: '' };
  }
  await hooks.afterJournal?.();
  try {
    await commitWrites(
      root,
      plan.files.map((f) => ({ rel: f.rel, onDisk: f.onDisk, after: f.after })),
      hooks,
    );
  } catch (err) {
    await dropPending(root, record.id).catch(() => undefined);
    if (err instanceof CommitError) return { applied: false, reason: err.message, changes: [], diff: '' };
    throw err;
  }
  await hooks.beforeJournalCommit?.();
  try {
    await commitPending(root, record.id);
  } catch (err) {
    // Every file holds its new content and the record is durable: recovery commits it on the next apply or undo.
    journalWarnings.push(`the change set is recorded as pending (${(err as Error).message}); the next apply, undo or list settles it`);
  }
  if (journalWarnings.length) Object.assign(warnings, { warnings: [...(warnings.warnings ?? []), ...journalWarnings] });
  return { applied: true, changes, diff, changeSetId: record.id, ...warnings };
}

export class UndoError extends Error {}

async function readOrNull(root: string, rel: string): Promise<string | null | undefined> {
  try {
    return await fs.readFile(await confinedPath(root, rel), 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? null : undefined;
  }
}

/**
 * No id: the last change set not yet undone. An id: that change set, or every change set of that runId (newest
 * first, as one all-or-nothing restore). Refused when a file changed since the edit.
 */
export async function undo(root: string, id?: string): Promise<{ restored: string[]; changeSetIds: string[] }> {
  root = path.resolve(root);
  await recoverPending(root);
  const { records } = await readRecords(root);
  const live = records.filter((r) => !r.undoneAt && !r.notAppliedAt);
  let sets: ChangeSetRecord[];
  if (id === undefined) {
    const last = live.at(-1);
    if (!last) throw new UndoError('nothing to undo: no change sets in .nootropic-cache/edits/');
    sets = [last];
  } else if (isChangeSetId(id) || records.some((r) => r.id === id)) {
    const r = records.find((x) => x.id === id);
    if (!r) throw new UndoError(`no change set ${id}`);
    if (r.undoneAt) throw new UndoError(`change set ${id} was already undone at ${r.undoneAt}`);
    if (r.notAppliedAt) throw new UndoError(`change set ${id} was never applied (interrupted before any file was replaced)`);
    sets = [r];
  } else {
    sets = live.filter((r) => r.runId === id).reverse();
    if (!sets.length) throw new UndoError(`no change set or run with id ${id} (see \`nootropic edit list\`)`);
  }
  // Per file: it must hold what the newest set wrote; it gets what the oldest set found.
  const state = new Map<string, { current: string | null; restore: string | null }>();
  for (const s of sets) {
    for (const f of s.files) {
      const seen = state.get(f.path);
      if (seen) seen.restore = f.before;
      else state.set(f.path, { current: f.after, restore: f.before });
    }
  }
  const writes = [...state].map(([rel, s]) => ({ rel, onDisk: s.current, after: s.restore }));
  // An undo killed after its restore but before its records were marked finds the files already restored.
  const already = (await Promise.all(writes.map(async (w) => (await readOrNull(root, w.rel)) === w.after))).every(Boolean);
  if (!already) {
    try {
      await commitWrites(root, writes);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new UndoError(`undo refused: ${why.replace('while the edit was being prepared', 'since the edit (undoing would lose that work)')}`);
    }
  }
  const at = new Date().toISOString();
  for (const s of sets) await writeRecord(root, { ...s, undoneAt: at });
  return { restored: writes.map((w) => w.rel), changeSetIds: sets.map((s) => s.id) };
}

export async function listChangeSets(root: string): Promise<Array<{ id: string; runId?: string; label?: string; at: string; files: string[]; undoneAt?: string; notAppliedAt?: string }>> {
  await recoverPending(path.resolve(root));
  const { records } = await readRecords(path.resolve(root));
  return records.map((r) => ({
    id: r.id,
    ...(r.runId ? { runId: r.runId } : {}),
    ...(r.label ? { label: r.label } : {}),
    at: r.at,
    files: r.files.map((f) => f.path),
    ...(r.undoneAt ? { undoneAt: r.undoneAt } : {}),
    ...(r.notAppliedAt ? { notAppliedAt: r.notAppliedAt } : {}),
  }));
}
