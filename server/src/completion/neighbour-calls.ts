/**
 * What the files beside a document call: for each name, how many of the other files in its folder (same extension)
 * call it. A folder's files are written to one pattern (every pflag `GetX` calls `f.getFlagType(…)`, every rxjs
 * operator `createOperatorSubscriber(…)`, every Go test `NewFlagSet(…)`), so a name its neighbours call is a good
 * guess at a cursor where nothing of the call is typed yet, even when the current file never calls it.
 *
 * Folders are read in the background (when a document opens, or at the first completion in a folder), with the
 * event loop free between files, and kept for five minutes; a completion uses what is known and never waits for it.
 */
import { lstat, open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileUses } from './prompt-context';
import { ownCopy } from './text-lines';

/** At most this many neighbours are read per folder, and this many bytes of each (a file's head shows its pattern). */
const MAX_FILES = 60;
const FILE_BYTES = 32_000;
/** A folder's counts are read again when asked for after this long. */
const FRESH_MS = 300_000;
/** Folders kept. */
const MAX_FOLDERS = 32;
/** Names a folder's files call most, kept for the prompt (those at least two other files call). */
const TOP = 12;

export interface NeighbourCounts {
  /** The neighbours read (the document itself not counted). */
  files: number;
  /** How many neighbours call `name(` (not on a value; the document itself not counted). */
  calling(name: string): number;
  /** How many neighbours call `receiver.name(` (`receiver` the word before the dot, as `f` in `f.getFlagType(`). */
  callingOn(receiver: string, name: string): number;
  /** The names (not on a value) most neighbours call, most first: at least two each. */
  top: string[];
}

/** What one file calls: names, and `receiver.name` on a value. */
interface Calls {
  bare: Set<string>;
  member: Set<string>;
}

interface Folder {
  at: number;
  /** Each file's calls (workspace-relative path). */
  files: Map<string, Calls>;
  /** Per name, how many files call it; per `receiver.name`, how many call that. */
  bare: Map<string, number>;
  member: Map<string, number>;
  /** Names by how many files call them, most first (two or more), a few more than TOP so one file's own can be left out. */
  ranked: string[];
}

export class NeighbourCalls {
  private readonly folders = new Map<string, Folder>();
  private readonly reading = new Map<string, Promise<void>>();

  constructor(
    private readonly root: () => string | null,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** What `rel`'s neighbours call, without `rel`'s own calls; undefined until its folder is read (reading starts). */
  of(rel: string): NeighbourCounts | undefined {
    const key = folderKey(rel);
    const folder = this.folders.get(key);
    if (!folder || this.now() - folder.at > FRESH_MS) void this.read(rel);
    if (!folder) return undefined;
    const own = folder.files.get(rel);
    const files = folder.files.size - (own ? 1 : 0);
    const calling = (name: string) => (folder.bare.get(name) ?? 0) - (own?.bare.has(name) ? 1 : 0);
    const callingOn = (receiver: string, name: string) => {
      const key = `${receiver}.${name}`;
      return (folder.member.get(key) ?? 0) - (own?.member.has(key) ? 1 : 0);
    };
    const top: string[] = [];
    for (const name of folder.ranked) {
      if (top.length >= TOP) break;
      if (calling(name) >= 2) top.push(name);
    }
    return { files, calling, callingOn, top };
  }

  /** Reads `rel`'s folder unless it was read within the last five minutes; one read per folder at a time. */
  read(rel: string): Promise<void> {
    const key = folderKey(rel);
    const folder = this.folders.get(key);
    if (folder && this.now() - folder.at <= FRESH_MS) return Promise.resolve();
    let pending = this.reading.get(key);
    if (!pending) {
      pending = this.readFolder(key, rel)
        .catch(() => undefined)
        .finally(() => this.reading.delete(key));
      this.reading.set(key, pending);
    }
    return pending;
  }

  private async readFolder(key: string, rel: string): Promise<void> {
    const root = this.root();
    if (!root) return;
    const [dir, ext] = splitKey(key);
    const abs = path.join(root, dir);
    // A document outside the workspace (its path is its bare name) has no neighbours here.
    if (!(await lstat(path.join(root, rel)).catch(() => undefined))?.isFile()) return this.keep(key, new Map(), new Map(), new Map());
    const names = (await readdir(abs)).filter((n) => path.extname(n) === ext).sort().slice(0, MAX_FILES);
    const files = new Map<string, Calls>();
    const bare = new Map<string, number>();
    const member = new Map<string, number>();
    // Names are slices of the files' heads: each is copied once, so the folder's counts do not keep every head read.
    const owned = new Map<string, string>();
    const own = (n: string) => owned.get(n) ?? (owned.set(n, ownCopy(n)), owned.get(n)!);
    for (const name of names) {
      const file = path.join(abs, name);
      let text: string;
      try {
        // Links are not followed: a workspace's link points anywhere.
        if (!(await lstat(file)).isFile()) continue;
        text = await head(file);
      } catch {
        continue;
      }
      const onValue = new Map<string, number>();
      const calls = { bare: new Set([...fileUses(text, 0, text.length, onValue).keys()].map(own)), member: new Set([...onValue.keys()].map(own)) };
      files.set(dir ? `${dir}/${name}` : name, calls);
      for (const n of calls.bare) bare.set(n, (bare.get(n) ?? 0) + 1);
      for (const n of calls.member) member.set(n, (member.get(n) ?? 0) + 1);
    }
    this.keep(key, files, bare, member);
  }

  private keep(key: string, files: Map<string, Calls>, bare: Map<string, number>, member: Map<string, number>): void {
    const ranked = [...bare].filter(([, n]) => n >= 2).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP * 2).map(([n]) => n);
    this.folders.delete(key);
    this.folders.set(key, { at: this.now(), files, bare, member, ranked });
    if (this.folders.size > MAX_FOLDERS) this.folders.delete(this.folders.keys().next().value!);
  }
}

/** The first FILE_BYTES of a file, as text. */
async function head(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(FILE_BYTES);
    const { bytesRead } = await handle.read(buf, 0, FILE_BYTES, 0);
    return buf.toString('utf8', 0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** `dir\0.ext`: a folder's files of one kind (a Go folder's `.go` files, not its `.md`). */
function folderKey(rel: string): string {
  const slash = rel.lastIndexOf('/');
  return `${slash < 0 ? '' : rel.slice(0, slash)}\0${path.extname(rel)}`;
}

function splitKey(key: string): [string, string] {
  const at = key.indexOf('\0');
  return [key.slice(0, at), key.slice(at + 1)];
}
