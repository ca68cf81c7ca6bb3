/**
 * What the agents need from the edit engine (server/src/edits): apply a model's edit text inside the root, tagged
 * with the run, and undo a run. The loop takes this as a dependency; the server and CLI hand in the real engine.
 * The types are the engine's own, so the two cannot drift.
 */
import type { applyEdits, listChangeSets, undo } from '../edits';

export type { ApplyEditsResult, FileChange } from '../edits';

export interface EditEngine {
  applyEdits: (req: Parameters<typeof applyEdits>[0]) => ReturnType<typeof applyEdits>;
  undo: typeof undo;
  listChangeSets: typeof listChangeSets;
}
