/**
 * The edit engine over LSP. `nootropic/edit/preview` answers with each file's resulting text and the diff;
 * `nootropic/edit/apply` answers with a WorkspaceEdit for the client to apply. Neither writes: the client owns the
 * documents, and applying through the editor puts the change on its undo stack (that is the undo for this path;
 * the engine's journal and `nootropic undo` cover what the engine itself writes — CLI and agent runs). Open
 * documents' text wins over disk, so an edit is computed against what the user sees.
 */
import path from 'node:path';
import type { TextEdit } from 'vscode-languageserver';
import { EditApply, EditPreview, type EditFile, type NootropicWorkspaceEdit } from '../../../shared/protocol';
import type { ServerContext } from '../context';
import { previewEdit } from '../edit-preview';
import type { ControlChange } from '../security/control-files';

type Ctx = Pick<ServerContext, 'rpc' | 'config' | 'documents' | 'log'>;

function positionAt(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, character: offset - lineStart };
}

/**
 * One TextEdit covering the changed lines only (common leading and trailing lines are left alone, so cursors and
 * folds elsewhere in the document stay put). Positions are UTF-16 offsets, as LSP and JS strings count them.
 */
export function minimalEdit(before: string, after: string): TextEdit {
  // Clients never show a BOM as a character.
  if (before.startsWith('\uFEFF') && after.startsWith('\uFEFF')) {
    before = before.slice(1);
    after = after.slice(1);
  }
  let pre = 0;
  const max = Math.min(before.length, after.length);
  while (pre < max && before.charCodeAt(pre) === after.charCodeAt(pre)) pre++;
  pre = pre === 0 ? 0 : before.lastIndexOf('\n', pre - 1) + 1; // back to a line start
  let suf = 0;
  while (suf < max - pre && before.charCodeAt(before.length - 1 - suf) === after.charCodeAt(after.length - 1 - suf)) suf++;
  // Forward to just after a line break, so whole lines are replaced.
  while (suf > 0 && before.charCodeAt(before.length - suf - 1) !== 10) suf--;
  const end = before.length - suf;
  return { range: { start: positionAt(before, pre), end: positionAt(before, end) }, newText: after.slice(pre, after.length - suf) };
}

export function register(ctx: Ctx): void {
  const run = (params: { text: string; targetUri?: string | undefined }) => previewEdit(ctx, params);
  const outcome = (result: Awaited<ReturnType<typeof previewEdit>>['result'], files: EditFile[], control: ControlChange[]) => ({
    applied: result.applied,
    ...(result.reason ? { reason: result.reason } : {}),
    files,
    diff: result.diff,
    ...(result.warnings ? { warnings: result.warnings } : {}),
    ...(control.length ? { controlFiles: control } : {}),
  });

  ctx.rpc.request(EditPreview, async (params) => {
    const { result, files, control } = await run(params);
    return outcome(result, files, control);
  });

  ctx.rpc.request(EditApply, async (params) => {
    const { result, files, docs, root, control } = await run(params);
    const base = outcome(result, files, control);
    if (!result.applied) return base;
    const documentChanges: NootropicWorkspaceEdit['documentChanges'] = [];
    result.changes.forEach((c, i) => {
      const uri = files[i]!.uri;
      const open = docs.get(path.join(root, c.path));
      if (c.before === null) {
        documentChanges.push({ kind: 'create', uri, options: { overwrite: false, ignoreIfExists: false } });
        documentChanges.push({ textDocument: { uri, version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: c.after ?? '' }] });
      } else if (c.after === null) {
        documentChanges.push({ kind: 'delete', uri, options: { ignoreIfNotExists: false } });
      } else {
        documentChanges.push({ textDocument: { uri, version: open?.version ?? null }, edits: [minimalEdit(c.before, c.after)] });
      }
    });
    ctx.log.info('edit/apply answered with a WorkspaceEdit', { files: result.changes.map((c) => c.path), label: params.label });
    return { ...base, edit: { documentChanges } };
  });
}
