/**
 * Lists workspace files the way a person thinks of "my project": the index's own walker and ignore rules
 * (rag/walk.ts: .gitignore root and nested, .git/info/exclude, .nootropicignore; version-control, dependency
 * and cache folders skipped), without following symlinks (they could lead outside).
 */
import { walkWorkspace } from '../rag/walk';

/** Workspace-relative, `/`-separated paths, sorted, at most `maxFiles`. */
export async function listWorkspaceFiles(root: string, maxFiles = 10_000): Promise<string[]> {
  const walked = await walkWorkspace(root, { maxFileBytes: Number.MAX_SAFE_INTEGER, maxFiles, followSymlinks: false });
  return walked.files.map((f) => f.rel);
}
