/**
 * The undo journal: one JSON file per change set under `<root>/.nootropic-cache/edits/` (mode 0600: it holds file
 * contents verbatim, secrets included, because undo must restore them), with each file's content before and after.
 * Ids sort by time. Undo marks a set undone (it stays listed) and restores through the same all-or-nothing commit,
 * refusing when a file changed since the edit (undoing would lose that work).
 *
 * Journal first: a change set is written as `<id>.pending.json` (written, fsynced, folder fsynced) BEFORE any
 * target is replaced, and renamed to `<id>.json` once every target holds its new content. A kill in between
 * leaves a pending record; `recoverPending` (run before every apply, undo and list) compares each of its files
 * with what the record says: all still as before → the set was never applied and is marked so; all as after →
 * it was applied and is committed; some replaced and some not → rolled forward (the rest written), so the files
 * and the journal always agree.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { makeCacheDir } from '../workspace/cache-dir';

export const FileChangeSchema = z.object({ path: z.string(), before: z.string().nullable(), after: z.string().nullable() });

export const ChangeSetRecord = z.object({
  version: z.literal(1),
  id: z.string(),
  runId: z.string().optional(),
  label: z.string().optional(),
  at: z.string(),
  files: z.array(FileChangeSchema),
  undoneAt: z.string().optional(),
  /** A pending record whose targets were never replaced (a kill before the first rename), found on recovery. */
  notAppliedAt: z.string().optional(),
  /** The process that wrote a pending record: while it lives, its record is in flight, not abandoned. */
  pid: z.number().int().optional(),
});
export type ChangeSetRecord = z.infer<typeof ChangeSetRecord>;

export function journalDir(root: string): string {
  return path.join(root, '.nootropic-cache', 'edits');
}

let lastStamp = '';
let seq = 0;

export function newChangeSetId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  seq = stamp === lastStamp ? seq + 1 : 0;
  lastStamp = stamp;
  return `${stamp}-${String(seq).padStart(3, '0')}-${randomBytes(3).toString('hex')}`;
}

const ID = /^\d{8}T\d{9}Z-\d{3}-[0-9a-f]{6}$/;

export function isChangeSetId(id: string): boolean {
  return ID.test(id);
}

const PENDING = '.pending.json';

/** Writes, fsyncs and closes `file` (0600), then fsyncs its folder once renamed in: durable before it returns. */
async function durableWrite(dir: string, file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fh = await fs.open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

export async function syncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function ensureJournalDir(root: string): Promise<string> {
  const dir = journalDir(root);
  await makeCacheDir(dir);
  await fs.chmod(dir, 0o700);
  return dir;
}

export async function writeRecord(root: string, record: ChangeSetRecord): Promise<void> {
  const dir = await ensureJournalDir(root);
  await durableWrite(dir, path.join(dir, `${record.id}.json`), JSON.stringify(record));
}

/** Journal first: the record of a change not yet applied, durable before any target is replaced. */
export async function writePending(root: string, record: ChangeSetRecord): Promise<void> {
  const dir = await ensureJournalDir(root);
  await durableWrite(dir, path.join(dir, `${record.id}${PENDING}`), JSON.stringify(record));
}

/** Every target holds its new content: the pending record becomes the change set. */
export async function commitPending(root: string, id: string): Promise<void> {
  const dir = journalDir(root);
  await fs.rename(path.join(dir, `${id}${PENDING}`), path.join(dir, `${id}.json`));
  await syncDir(dir);
}

/** The change was refused or rolled back before it took effect: its pending record goes. */
export async function dropPending(root: string, id: string): Promise<void> {
  await fs.rm(path.join(journalDir(root), `${id}${PENDING}`), { force: true });
}

/** Pending records left by a process killed between journal and commit (oldest first); unreadable ones reported. */
export async function readPending(root: string): Promise<{ records: ChangeSetRecord[]; problems: string[] }> {
  return readDir(root, (n) => n.endsWith(PENDING));
}

async function readDir(root: string, want: (name: string) => boolean): Promise<{ records: ChangeSetRecord[]; problems: string[] }> {
  const dir = journalDir(root);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], problems: [] };
    throw err;
  }
  const records: ChangeSetRecord[] = [];
  const problems: string[] = [];
  for (const name of names.filter(want).sort()) {
    try {
      const parsed = ChangeSetRecord.safeParse(JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')));
      if (parsed.success) records.push(parsed.data);
      else problems.push(`${name}: ${parsed.error.message}`);
    } catch (err) {
      problems.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { records, problems };
}

/** Every readable change set, oldest first; unreadable entries are reported in `problems`, never deleted. */
export async function readRecords(root: string): Promise<{ records: ChangeSetRecord[]; problems: string[] }> {
  return readDir(root, (n) => n.endsWith('.json') && !n.endsWith(PENDING));
}
