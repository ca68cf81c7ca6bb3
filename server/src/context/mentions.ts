/**
 * @-mentions in chat (`@file:path`, `@symbol:name`) resolved into context pieces the model is shown and the
 * client lists back (ChatSendResult.context.used). Files must lie inside the workspace (symlinks resolved);
 * open documents win over disk. A mention that resolves to nothing is reported, never silently ignored.
 */
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ContextPiece } from '../models/prompt-budget';
import type { IndexHandle } from '../rag/index-host';

export interface MentionInput {
  kind: 'file' | 'symbol';
  arg: string;
}

export interface MentionSources {
  root: string | null;
  /** Text of an open document by URI, if open. */
  openText(uri: string): string | undefined;
  index(): Promise<IndexHandle | undefined>;
}

const MAX_BYTES = 256 * 1024;

async function insideRoot(root: string, rel: string): Promise<string | undefined> {
  const abs = path.resolve(root, rel);
  try {
    const [real, realRoot] = await Promise.all([realpath(abs), realpath(root)]);
    const r = path.relative(realRoot, real);
    return r.startsWith('..') || path.isAbsolute(r) ? undefined : real;
  } catch {
    return undefined;
  }
}

async function fileText(src: MentionSources, abs: string): Promise<string | undefined> {
  const open = src.openText(pathToFileURL(abs).href);
  if (open !== undefined) return open;
  try {
    const buf = await readFile(abs);
    return buf.length > MAX_BYTES || buf.subarray(0, 8000).includes(0) ? undefined : buf.toString('utf8');
  } catch {
    return undefined;
  }
}

export async function resolveMentions(src: MentionSources, mentions: MentionInput[]): Promise<{ pieces: ContextPiece[]; problems: string[] }> {
  const pieces: ContextPiece[] = [];
  const problems: string[] = [];
  if (!src.root) return { pieces, problems: mentions.length ? ['@-mentions need a workspace folder'] : [] };
  for (const m of mentions) {
    if (m.kind === 'file') {
      const abs = await insideRoot(src.root, m.arg);
      const text = abs ? await fileText(src, abs) : undefined;
      if (!abs || text === undefined) {
        problems.push(`@file:${m.arg}: ${abs ? 'not a readable text file under 256 KB' : 'no such file in the workspace'}`);
        continue;
      }
      const rel = path.relative(await realpath(src.root), abs).split(path.sep).join('/');
      pieces.push({ kind: 'open-file', score: 2, path: rel, startLine: 1, endLine: text.split('\n').length, text });
    } else {
      const index = await src.index();
      const rows = (index ? await index.symbols(m.arg, 50) : []).filter((r) => r.symbol === m.arg || r.symbol.toLowerCase() === m.arg.toLowerCase()).slice(0, 3);
      if (!rows.length) {
        problems.push(`@symbol:${m.arg}: ${index ? 'no symbol of that name in the index' : 'the index is not ready'}`);
        continue;
      }
      for (const r of rows) {
        const abs = await insideRoot(src.root, r.path);
        const text = abs ? await fileText(src, abs) : undefined;
        if (text === undefined) continue;
        const body = text.split('\n').slice(r.start_line - 1, r.end_line).join('\n');
        pieces.push({ kind: 'selection', score: 0.9, path: r.path, startLine: r.start_line, endLine: r.end_line, text: body });
      }
    }
  }
  return { pieces, problems };
}
