/**
 * The retriever used while no workspace index exists: it reads the workspace files a question names
 * ("what does src/math.ts do?", "where is parseConfig in config.ts?"), splits them into line windows and
 * ranks the windows by the question's words. Real files, real line numbers: every citation it yields points
 * at text that was put in front of the model.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { walkWorkspace, type WalkedFile } from '../rag/walk';
import type { ContextRetriever, RetrievedChunk, RetrieverStatus } from './retriever';

const MAX_FILE_BYTES = 1024 * 1024;
const WINDOW_LINES = 60;
const MAX_WALK = 5_000;

/** Tokens that look like file names: a path with a separator, or a name with an extension. */
export function namedFiles(question: string): string[] {
  const out = new Set<string>();
  for (const m of question.matchAll(/[\w@.\-/\\]+\.[A-Za-z0-9]{1,10}\b|[\w@.\-]+(?:\/[\w@.\-]+)+/g)) {
    const t = m[0].replace(/^[./\\]+(?=\w)/, (p) => (p.startsWith('./') ? '' : p)).replace(/[.,:;]+$/, '');
    if (t.length > 1 && !/^\d+(\.\d+)*$/.test(t)) out.add(t.replace(/\\/g, '/'));
  }
  return [...out];
}

function terms(question: string): string[] {
  return [...new Set(question.toLowerCase().match(/[a-z_][a-z0-9_]{2,}/g) ?? [])];
}

/**
 * Files in the workspace whose base name is wanted: the index's walker and ignore rules (rag/walk.ts: .gitignore,
 * .nootropicignore, .git/info/exclude; node_modules, .git and the cache never entered), without following
 * symlinks, at most MAX_WALK files.
 */
async function walk(root: string, wantBase: Set<string>, signal: AbortSignal): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  let files: WalkedFile[];
  try {
    files = (await walkWorkspace(root, { maxFileBytes: MAX_FILE_BYTES, maxFiles: MAX_WALK, followSymlinks: false, signal })).files;
  } catch {
    return found; // cancelled, or the root is gone
  }
  for (const f of files) {
    const base = path.basename(f.rel);
    if (!wantBase.has(base)) continue;
    const list = found.get(base) ?? [];
    list.push(f.abs);
    found.set(base, list);
  }
  return found;
}

export class NamedFilesRetriever implements ContextRetriever {
  constructor(private readonly root: string | null) {}

  status(): RetrieverStatus {
    return {
      index: 'unavailable',
      retriever: 'named-files',
      detail: 'no workspace index in this build: context comes from the open document, the selection and workspace files named in the question',
    };
  }

  /** Inside the workspace only (after resolving symlinks): a question cannot make us read /etc/passwd. */
  private async inside(abs: string): Promise<string | undefined> {
    if (!this.root) return undefined;
    try {
      const [realRoot, real] = await Promise.all([realpath(this.root), realpath(abs)]);
      const rel = path.relative(realRoot, real);
      if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
      const s = await stat(real);
      return s.isFile() && s.size <= MAX_FILE_BYTES ? real : undefined;
    } catch {
      return undefined;
    }
  }

  async retrieve(query: string, limit: number, signal: AbortSignal): Promise<RetrievedChunk[]> {
    if (!this.root || limit <= 0) return [];
    const names = namedFiles(query);
    if (!names.length) return [];
    const files = new Set<string>();
    const bare = new Set<string>();
    for (const n of names) {
      const direct = await this.inside(path.resolve(this.root, n));
      if (direct) files.add(direct);
      else if (!n.includes('/')) bare.add(n);
    }
    if (bare.size) {
      for (const list of (await walk(this.root, bare, signal)).values()) {
        for (const f of list.slice(0, 3)) {
          const ok = await this.inside(f);
          if (ok) files.add(ok);
        }
      }
    }
    const realRoot = await realpath(this.root);
    const words = terms(query);
    const chunks: RetrievedChunk[] = [];
    for (const file of files) {
      const buf = await readFile(file);
      if (buf.subarray(0, 8000).includes(0)) continue;
      const lines = buf.toString('utf8').split('\n');
      const rel = path.relative(realRoot, file).split(path.sep).join('/');
      for (let start = 0; start < lines.length; start += WINDOW_LINES) {
        const slice = lines.slice(start, start + WINDOW_LINES);
        const text = slice.join('\n');
        if (!text.trim()) continue;
        const lower = text.toLowerCase();
        const hits = words.reduce((n, w) => n + (lower.includes(w) ? 1 : 0), 0);
        // Named files are relevant as a whole; earlier windows (imports, declarations) slightly more so.
        const score = 1 + hits / Math.max(1, words.length) - start / (lines.length * 10 + 1);
        chunks.push({ path: rel, startLine: start + 1, endLine: start + slice.length, text, score });
      }
    }
    return chunks.sort((a, b) => b.score - a.score).slice(0, limit);
  }
}
