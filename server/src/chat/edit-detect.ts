/**
 * Whether a model's answer holds an edit, and which files it names, read by the edit engine's own parser (so
 * SYMBOL blocks, unified diffs and whole files count exactly when the engine would apply them).
 */
import { parseModelEdits } from '../edits/formats';

export interface DetectedEdit {
  found: boolean;
  /** Workspace-relative paths the blocks name (empty in the single-file form). */
  paths: string[];
  problems: string[];
}

export function detectEdit(answer: string): DetectedEdit {
  const parsed = parseModelEdits(answer);
  const paths = [...new Set(parsed.edits.map((e) => e.path).filter((p) => p))];
  if (parsed.edits.length) return { found: true, paths, problems: parsed.problems };
  // Blocks without a path line are still an edit in the single-file form (the command's target is the file).
  const single = parseModelEdits(answer, { singleFile: true });
  return { found: single.edits.length > 0, paths: [], problems: single.edits.length ? [] : parsed.problems };
}
