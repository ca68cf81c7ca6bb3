/**
 * Which retriever answers for a workspace: the workspace index once it holds something, otherwise the
 * named-files retriever, whose status says that no index exists (an answer never pretends it searched one).
 */
import type { IndexService } from '../rag/index-service';
import { IndexRetriever } from './index-retriever';
import { NamedFilesRetriever } from './named-files';
import type { ContextRetriever } from './retriever';

export function workspaceRetriever(root: string | null, index: IndexService): ContextRetriever {
  const state = index.current();
  if (root && (state.state === 'ready' || state.chunks > 0)) return new IndexRetriever(index);
  return new NamedFilesRetriever(root);
}
