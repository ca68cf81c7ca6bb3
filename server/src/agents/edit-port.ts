/**
 * What the agents need from the edit engine (issue 4, server/src/edits — CONTRACTS.md "Edit engine"): apply a
 * model's edit text inside the root, tagged with the run, and undo a run. The loop takes this as a dependency;
 * the server and CLI hand in the real engine.
 */
export interface FileChange {
  path: string;
  before: string | null;
  after: string | null;
}

export interface ApplyEditsResult {
  applied: boolean;
  reason?: string;
  changes: FileChange[];
  diff: string;
  changeSetId?: string;
}

export interface EditEngine {
  applyEdits(req: { root: string; text: string; runId?: string; label?: string; dryRun?: boolean; overlay?: (absPath: string) => string | undefined }): Promise<ApplyEditsResult>;
  undo(root: string, id?: string): Promise<{ restored: string[]; changeSetIds: string[] }>;
  listChangeSets(root: string): Promise<Array<{ id: string; runId?: string; label?: string; at: string; files: string[] }>>;
}
