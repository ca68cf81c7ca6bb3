/**
 * The edit engine: applies what a model wrote (SEARCH/REPLACE blocks, unified diffs, whole files, replace-symbol)
 * exactly, or refuses with a reason that names the block and leaves every file untouched. Used in-process by the
 * server (LSP preview/apply, the agent loop) and by the CLI (`nootropic edit apply`, `nootropic undo`).
 * See docs/edits.md.
 */
import path from 'node:path';
import { commitWrites, CommitError, type CommitHooks } from './commit';
import { unifiedDiff } from './diff-text';
import { isChangeSetId, newChangeSetId, readRecords, writeRecord, type ChangeSetRecord } from './journal';
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

export interface ApplyEditsInternals {
  /** Fault injection for tests of the all-or-nothing commit. */
  hooks?: CommitHooks;
}

export async function applyEdits(req: ApplyEditsRequest, internals: ApplyEditsInternals = {}): Promise<ApplyEditsResult> {
  const root = path.resolve(req.root);
  const plan = await planEdits({ ...req, root });
  if (!plan.ok) return { applied: false, reason: plan.reason, changes: [], diff: '' };
  const changes: FileChange[] = plan.files.map((f) => ({ path: f.rel, before: f.before, after: f.after }));
  const diff = unifiedDiff(changes);
  const warnings = plan.warnings.length ? { warnings: plan.warnings } : {};
  if (req.dryRun || !changes.length) return { applied: true, changes, diff, ...warnings };
  try {
    await commitWrites(
      root,
      plan.files.map((f) => ({ rel: f.rel, onDisk: f.onDisk, after: f.after })),
      internals.hooks,
    );
  } catch (err) {
    if (err instanceof CommitError) return { applied: false, reason: err.message, changes: [], diff: '' };
    throw err;
  }
  const record: ChangeSetRecord = {
    version: 1,
    id: newChangeSetId(),
    ...(req.runId ? { runId: req.runId } : {}),
    ...(req.label ? { label: req.label } : {}),
    at: new Date().toISOString(),
    // The journal keeps what was on disk, which is what undo must restore.
    files: plan.files.map((f) => ({ path: f.rel, before: f.onDisk, after: f.after })),
  };
  try {
    await writeRecord(root, record);
  } catch (err) {
    // An edit that cannot be undone is not applied: put the files back.
    try {
      await commitWrites(root, plan.files.map((f) => ({ rel: f.rel, onDisk: f.after, after: f.onDisk })));
    } catch (restoreErr) {
      return { applied: false, reason: `the undo journal could not be written (${(err as Error).message}) and restoring failed: ${(restoreErr as Error).message}`, changes: [], diff: '' };
    }
    return { applied: false, reason: `the undo journal could not be written (${(err as Error).message}); every file was restored`, changes: [], diff: '' };
  }
  return { applied: true, changes, diff, changeSetId: record.id, ...warnings };
}

export class UndoError extends Error {}

/**
 * No id: the last change set not yet undone. An id: that change set, or every change set of that runId (newest
 * first, as one all-or-nothing restore). Refused when a file changed since the edit.
 */
export async function undo(root: string, id?: string): Promise<{ restored: string[]; changeSetIds: string[] }> {
  root = path.resolve(root);
  const { records } = await readRecords(root);
  const live = records.filter((r) => !r.undoneAt);
  let sets: ChangeSetRecord[];
  if (id === undefined) {
    const last = live.at(-1);
    if (!last) throw new UndoError('nothing to undo: no change sets in .nootropic-cache/edits/');
    sets = [last];
  } else if (isChangeSetId(id) || records.some((r) => r.id === id)) {
    const r = records.find((x) => x.id === id);
    if (!r) throw new UndoError(`no change set ${id}`);
    if (r.undoneAt) throw new UndoError(`change set ${id} was already undone at ${r.undoneAt}`);
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
  try {
    await commitWrites(root, writes);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new UndoError(`undo refused: ${why.replace('while the edit was being prepared', 'since the edit (undoing would lose that work)')}`);
  }
  const at = new Date().toISOString();
  for (const s of sets) await writeRecord(root, { ...s, undoneAt: at });
  return { restored: writes.map((w) => w.rel), changeSetIds: sets.map((s) => s.id) };
}

export async function listChangeSets(root: string): Promise<Array<{ id: string; runId?: string; label?: string; at: string; files: string[]; undoneAt?: string }>> {
  const { records } = await readRecords(path.resolve(root));
  return records.map((r) => ({
    id: r.id,
    ...(r.runId ? { runId: r.runId } : {}),
    ...(r.label ? { label: r.label } : {}),
    at: r.at,
    files: r.files.map((f) => f.path),
    ...(r.undoneAt ? { undoneAt: r.undoneAt } : {}),
  }));
}
