/**
 * The workspace index as chat's, ask's and the coder's retriever: first the definitions the query names
 * (named-definitions.ts), then ranked chunks with their line ranges (the citations).
 */
import type { IndexService } from '../rag/index-service';
import { namedDefinitions } from './named-definitions';
import type { ContextRetriever, RetrievedChunk, RetrieverStatus } from './retriever';

export class IndexRetriever implements ContextRetriever {
  constructor(private readonly index: IndexService) {}

  status(): RetrieverStatus {
    const s = this.index.current();
    return { index: 'ready', retriever: `workspace index (${s.mode})`, detail: `${s.files} files, ${s.chunks} chunks${s.message ? `; ${s.message}` : ''}` };
  }

  async retrieve(query: string, limit: number, signal: AbortSignal): Promise<RetrievedChunk[]> {
    if (signal.aborted) return [];
    const hits = (await this.index.search(query, limit)).map((h) => ({ path: h.path, startLine: h.startLine, endLine: h.endLine, text: h.text, score: h.score }));
    const index = await this.index.whenReady();
    if (!index) return hits;
    const named = await namedDefinitions(index, query, Math.max(0, ...hits.map((h) => h.score)), Math.min(4, limit));
    const covered = (h: RetrievedChunk) => named.some((n) => n.path === h.path && n.startLine <= h.endLine && h.startLine <= n.endLine);
    return [...named, ...hits.filter((h) => !covered(h))].slice(0, Math.max(limit, named.length));
  }
}
