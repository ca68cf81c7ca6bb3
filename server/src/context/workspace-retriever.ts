/**
 * Which retriever answers for a workspace. The workspace index (issue 3) plugs in here; until then the
 * named-files retriever serves, and says in its status that no index exists.
 */
import { NamedFilesRetriever } from './named-files';
import type { ContextRetriever } from './retriever';

export function workspaceRetriever(root: string | null): ContextRetriever {
  return new NamedFilesRetriever(root);
}
