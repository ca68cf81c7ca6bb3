/** The workspace index as chat's and ask's retriever: ranked chunks with their line ranges (the citations). */
import type { IndexService } from '../rag/index-service';
import type { ContextRetriever, RetrievedChunk, RetrieverStatus } from './retriever';

export class IndexRetriever implements ContextRetriever {
  constructor(private readonly index: IndexService) {}

  status(): RetrieverStatus {
    const s = this.index.current();
    return { index: 'ready', retriever: `workspace index (${s.mode})`, detail: `${s.files} files, ${s.chunks} chunks${s.message ? `; ${s.message}` : ''}` };
  }

  async retrieve(query: string, limit: number, signal: AbortSignal): Promise<RetrievedChunk[]> {
    if (signal.aborted) return [];
    const hits = await this.index.search(query, limit);
    return hits.map((h) => ({ path: h.path, startLine: h.startLine, endLine: h.endLine, text: h.text, score: h.score }));
  }
}
