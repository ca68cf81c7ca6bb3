/**
 * The editor state a chat request carries (active document, selection, diagnostics, the workspace's problems) turned
 * into context pieces. The active document must be open in the client or lie inside the workspace (symlinks
 * resolved): a request naming any other file (`file:///etc/passwd`) is refused, so nothing outside the workspace
 * reaches a model through chat.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { URI } from 'vscode-uri';
import { NootropicErrorCodes, type ChatSendParams } from '../../../shared/protocol';
import type { ServerContext } from '../context';
import type { ContextPiece } from '../models/prompt-budget';
import { RpcError } from '../rpc/registry';
import { ConfinementError, confinedPath } from '../workspace/confinement';

const MAX_FILE_BYTES = 256 * 1024;

type Context = NonNullable<ChatSendParams['context']>;

export interface ActiveDocument {
  uri: string;
  /** Workspace-relative (`/` separators) for workspace files; the URI for open documents elsewhere. */
  path: string;
  /** Undefined when the file is binary or too large to send. */
  text: string | undefined;
  /** A `file:` URI inside the workspace (edits can target it). */
  inWorkspace: boolean;
}

function refuse(uri: string, why: string): never {
  throw new RpcError(NootropicErrorCodes.InvalidParams, `context.uri: ${uri} ${why}; chat reads only open documents and files inside the workspace`);
}

/** The document the request names, after checking it may be read. */
export async function activeDocument(ctx: Pick<ServerContext, 'documents' | 'config'>, uri: string): Promise<ActiveDocument> {
  const root = ctx.config.workspaceRoot;
  const parsed = URI.parse(uri);
  let rel: string | undefined;
  if (parsed.scheme === 'file' && root) {
    const candidate = path.relative(root, parsed.fsPath);
    try {
      if (candidate && !candidate.startsWith('..') && !path.isAbsolute(candidate)) {
        await confinedPath(root, candidate);
        rel = candidate.split(path.sep).join('/');
      }
    } catch (err) {
      if (!(err instanceof ConfinementError)) throw err;
    }
  }
  const open = ctx.documents.get(uri);
  if (open) return { uri, path: rel ?? (parsed.scheme === 'file' ? parsed.fsPath : uri), text: open.getText(), inWorkspace: rel !== undefined };
  if (parsed.scheme !== 'file') refuse(uri, 'is not an open document');
  if (rel === undefined) refuse(parsed.fsPath, root ? `is outside the workspace ${root}` : 'cannot be read: no workspace folder is open');
  let text: string | undefined;
  try {
    const buf = await readFile(parsed.fsPath);
    text = buf.length > MAX_FILE_BYTES || buf.subarray(0, 8000).includes(0) ? undefined : buf.toString('utf8');
  } catch (err) {
    throw new RpcError(NootropicErrorCodes.InvalidParams, `context.uri: cannot read ${rel}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { uri, path: rel, text, inWorkspace: true };
}

/** The selection, open file and diagnostics pieces for the active document. */
export function documentPieces(doc: ActiveDocument, c: Context, opts: { includeSelection: boolean; includeFile: boolean; includeDiagnostics: boolean }): ContextPiece[] {
  const pieces: ContextPiece[] = [];
  if (doc.text !== undefined) {
    const lines = doc.text.split('\n');
    if (c.selection && opts.includeSelection) {
      const { start, end } = c.selection;
      const sel = lines.slice(start.line, end.line + 1);
      if (sel.length) {
        // Cut the last line first: on a one-line selection both cuts apply to the same string.
        sel[sel.length - 1] = sel[sel.length - 1]!.slice(0, end.character);
        sel[0] = sel[0]!.slice(start.character);
        pieces.push({ kind: 'selection', score: 1, path: doc.path, startLine: start.line + 1, endLine: end.line + 1, text: sel.join('\n') });
      }
    }
    if (opts.includeFile) pieces.push({ kind: 'open-file', score: 1, path: doc.path, startLine: 1, endLine: lines.length, text: doc.text });
  }
  if (opts.includeDiagnostics && c.diagnostics?.length) {
    pieces.push({ kind: 'diagnostics', score: 1, path: doc.path, text: c.diagnostics.map((d) => (d.line !== undefined ? `line ${d.line + 1}: ${d.message}` : d.message)).join('\n') });
  }
  return pieces;
}

/** The workspace's problems as the editor reported them (`@problems` with no document open). */
export function problemsPiece(c: Context): ContextPiece {
  const lines = (c.problems ?? []).map((p) => `${p.path}${p.line !== undefined ? `:${p.line + 1}` : ''}: ${p.message}`);
  return { kind: 'diagnostics', score: 0.5, text: lines.length ? lines.join('\n') : '(no problems reported)' };
}
