/**
 * Which retriever answers for a workspace: the workspace index whenever indexing is configured (a request that
 * comes while it loads or builds waits for it: index-retriever.ts), otherwise the named-files retriever, whose
 * status says that no index exists (an answer never pretends it searched one).
 */
import type { IndexService } from '../rag/index-service';
import { IndexRetriever, type WaitProgress } from './index-retriever';
import { NamedFilesRetriever } from './named-files';
import type { ContextRetriever } from './retriever';

export function workspaceRetriever(root: string | null, index: IndexService, onWait?: WaitProgress): ContextRetriever {
  if (root && index.configured) return new IndexRetriever(index, root, onWait);
  const named = new NamedFilesRetriever(root);
  const why = root
    ? 'indexing is disabled (nootropic.index.enabled is false): enable it to search the workspace'
    : 'no workspace folder is open: open a folder (or pass --root) to index and search it';
  return { status: () => ({ ...named.status(), detail: `${why}; context comes from the open document, the selection and workspace files named in the question` }), retrieve: (q, l, s) => named.retrieve(q, l, s) };
}
