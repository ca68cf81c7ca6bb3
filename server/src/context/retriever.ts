/**
 * What chat and `nootropic ask` need from retrieval, and nothing more: chunks of workspace files with their
 * line ranges (the citations) and a score. The workspace index implements it when present; `status()` says
 * honestly which retriever answered, so an answer never pretends to have searched an index it does not have.
 */
export interface RetrievedChunk {
  /** Workspace-relative, `/`-separated. */
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  text: string;
  score: number;
}

export interface RetrieverStatus {
  index: 'ready' | 'unavailable';
  retriever: string;
  detail: string;
}

export interface ContextRetriever {
  status(): RetrieverStatus;
  retrieve(query: string, limit: number, signal: AbortSignal): Promise<RetrievedChunk[]>;
}
