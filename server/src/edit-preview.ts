/**
 * The edit engine against what the user sees: open documents' text wins over disk, nothing is written. The
 * `nootropic/edit/*` handlers and chat's edit commands (/edit, /fix, /test) both preview through here, so a
 * proposal in chat and the edit the client applies are computed the same way.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { URI } from 'vscode-uri';
import { NootropicErrorCodes, type EditFile } from '../../shared/protocol';
import type { ServerContext } from './context';
import { applyEdits, type FileChange } from './edits';
import { RpcError } from './rpc/registry';
import { controlChanges } from './security/control-files';

type Ctx = Pick<ServerContext, 'config' | 'documents'>;

function requireRoot(ctx: Ctx): string {
  const root = ctx.config.workspaceRoot;
  if (!root) throw new RpcError(NootropicErrorCodes.NoWorkspace, 'no workspace folder is open: open a folder to apply edits');
  return root;
}

function openDocs(ctx: Ctx) {
  const byPath = new Map<string, { uri: string; text: string; version: number }>();
  for (const d of ctx.documents.all()) {
    if (d.uri.startsWith('file:')) byPath.set(path.resolve(URI.parse(d.uri).fsPath), { uri: d.uri, text: d.getText(), version: d.version });
  }
  return byPath;
}

/** What `text` would change against what the user sees (open documents over disk); nothing is written. Chat's edit commands use it too. */
export async function previewEdit(ctx: Ctx, params: { text: string; targetUri?: string | undefined }) {
  const root = requireRoot(ctx);
  const docs = openDocs(ctx);
  let targetFile: string | undefined;
  if (params.targetUri) {
    if (!params.targetUri.startsWith('file:')) throw new RpcError(NootropicErrorCodes.InvalidParams, `targetUri must be a file: URI, got ${params.targetUri}`);
    targetFile = URI.parse(params.targetUri).fsPath;
  }
  const result = await applyEdits({ root, text: params.text, dryRun: true, overlay: (abs) => docs.get(path.resolve(abs))?.text, ...(targetFile ? { targetFile } : {}) });
  const uriOf = (c: FileChange) => {
    const abs = path.join(root, c.path);
    return docs.get(abs)?.uri ?? pathToFileURL(abs).href;
  };
  const files: EditFile[] = result.changes.map((c) => ({ uri: uriOf(c), before: c.before, after: c.after }));
  // Control files are the user's: the answer names them so the client asks before writing one (docs/security.md).
  const control = await controlChanges(root, result.changes);
  return { result, files, docs, root, control };
}

