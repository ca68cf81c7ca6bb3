/**
 * The undo journal: one JSON file per change set under `<root>/.nootropic-cache/edits/`, with each file's content
 * before and after. Ids sort by time. Undo marks a set undone (it stays listed) and restores through the same
 * all-or-nothing commit, refusing when a file changed since the edit (undoing would lose that work).
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

export async function writeRecord(root: string, record: ChangeSetRecord): Promise<void> {
  const dir = journalDir(root);
  await makeCacheDir(dir);
  const file = path.join(dir, `${record.id}.json`);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(tmp, JSON.stringify(record), { flag: 'wx' });
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export async function removeRecord(root: string, id: string): Promise<void> {
  await fs.rm(path.join(journalDir(root), `${id}.json`), { force: true });
}

/** Every readable change set, oldest first; unreadable entries are reported in `problems`, never deleted. */
export async function readRecords(root: string): Promise<{ records: ChangeSetRecord[]; problems: string[] }> {
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
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
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
