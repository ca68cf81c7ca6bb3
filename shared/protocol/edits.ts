/**
 * The edit engine over LSP: `nootropic/edit/preview` (the resulting text and diff, nothing written) and
 * `nootropic/edit/apply` (a WorkspaceEdit the client applies, so the editor's undo stack covers it; the server
 * writes nothing and journals nothing for this path). Open documents' text is used over disk.
 */
import { z } from 'zod';
import { request } from './method';

const EditParams = z
  .object({
    /** What the model wrote: SEARCH/REPLACE blocks, a unified diff, whole files or SYMBOL blocks. */
    text: z.string().max(5_000_000),
    /** Single-file form: this document is the target and paths inside `text` are ignored. */
    targetUri: z.string().min(1).optional(),
  })
  .strict();

/** A control file an edit would write (nootropic config/plugins, the spec, .vscode, .git, CI, package scripts). */
export const ControlFileChange = z.object({ path: z.string(), why: z.string() });
export type ControlFileChange = z.infer<typeof ControlFileChange>;

export const EditFile = z.object({
  uri: z.string(),
  /** null: the file is created. */
  before: z.string().nullable(),
  /** null: the file is deleted. */
  after: z.string().nullable(),
});
export type EditFile = z.infer<typeof EditFile>;

const Position = z.object({ line: z.number().int().min(0), character: z.number().int().min(0) });
const TextEdit = z.object({ range: z.object({ start: Position, end: Position }), newText: z.string() });
const TextDocumentEdit = z.object({
  textDocument: z.object({ uri: z.string(), version: z.number().int().nullable() }),
  edits: z.array(TextEdit),
});
const CreateFile = z.object({ kind: z.literal('create'), uri: z.string(), options: z.object({ overwrite: z.boolean().optional(), ignoreIfExists: z.boolean().optional() }).optional() });
const DeleteFile = z.object({ kind: z.literal('delete'), uri: z.string(), options: z.object({ recursive: z.boolean().optional(), ignoreIfNotExists: z.boolean().optional() }).optional() });
/** The subset of LSP's WorkspaceEdit the server produces (documentChanges only). */
export const WorkspaceEditSchema = z.object({ documentChanges: z.array(z.union([TextDocumentEdit, CreateFile, DeleteFile])) });

export const EditOutcome = z.object({
  applied: z.boolean(),
  /** When refused: names the block or hunk and why. */
  reason: z.string().optional(),
  files: z.array(EditFile),
  diff: z.string(),
  /** Degraded checks (a file type without a grammar got text checks only). */
  warnings: z.array(z.string()).optional(),
  /** Changed files that are control files (nootropic config/plugins, spec, .vscode, .git, CI, package scripts): the client confirms these explicitly. */
  controlFiles: z.array(ControlFileChange).optional(),
});

/** client→server: what the edit would do; nothing is written. */
export const EditPreview = request('nootropic/edit/preview', 'client→server', EditParams, EditOutcome);

/** client→server: the edit as a WorkspaceEdit for the client to apply (`edit` absent when refused). */
export const EditApply = request(
  'nootropic/edit/apply',
  'client→server',
  EditParams.extend({ label: z.string().max(500).optional() }).strict(),
  EditOutcome.extend({ edit: WorkspaceEditSchema.optional() }),
);
export type NootropicWorkspaceEdit = z.infer<typeof WorkspaceEditSchema>;
