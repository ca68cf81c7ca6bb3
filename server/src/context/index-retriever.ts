/**
 * The workspace index as the retriever of ask, chat, run, plan and the coder: first the definitions the query
 * names (named-definitions.ts), then ranked chunks with their line ranges (the citations). A request made while the
 * index loads or builds waits for it (bounded by `nootropic.index.waitMs`, with progress); if the index is still
 * empty after the wait, or broken, the files the question names are read instead and `status()` says exactly that
 * and how to fix it.
 */
import type { IndexService } from '../rag/index-service';
import { namedDefinitions } from './named-definitions';
import { NamedFilesRetriever } from './named-files';
import type { ContextRetriever, RetrievedChunk, RetrieverStatus } from './retriever';

/** Called when a request starts waiting for the index; returns a function that ends the progress it showed. */
export type WaitProgress = () => () => void;

const FIX = 'run `nootropic index` (VS Code: "nootropic: Rebuild Index") to build it';

export class IndexRetriever implements ContextRetriever {
  private fellBack: { waitedMs: number } | undefined;

  constructor(
    private readonly index: IndexService,
    private readonly root: string,
    private readonly onWait?: WaitProgress,
  ) {}

  status(): RetrieverStatus {
    const s = this.index.current();
    if (s.state === 'error' && s.chunks === 0) {
      return { index: 'unavailable', retriever: 'files named in the question', detail: `the workspace index is broken (${s.message ?? 'failed'}); rebuild it with \`nootropic index --force\`` };
    }
    if (!this.fellBack && s.chunks === 0 && (s.state === 'loading' || s.state === 'indexing')) {
      const progress = s.total ? ` (${s.processed ?? 0} of ${s.total} files)` : '';
      return { index: 'unavailable', retriever: 'workspace index', detail: `the workspace index is ${s.state === 'indexing' ? 'being built' : 'loading'}${progress}; requests wait for it up to ${this.index.waitMs} ms (nootropic.index.waitMs)` };
    }
    if (this.fellBack || s.chunks === 0) {
      const progress = s.total ? ` (${s.processed ?? 0} of ${s.total} files)` : '';
      const why =
        s.state === 'ready'
          ? `the workspace index is empty (no indexable files); ${FIX} after adding code`
          : `the workspace index was still ${s.state === 'indexing' ? 'being built' : 'loading'}${progress} after waiting ${this.fellBack?.waitedMs ?? 0} ms (nootropic.index.waitMs); ${FIX}, or raise the wait`;
      return { index: 'unavailable', retriever: 'files named in the question', detail: why };
    }
    return { index: 'ready', retriever: `workspace index (${s.mode})`, detail: `${s.files} files, ${s.chunks} chunks${s.message ? `; ${s.message}` : ''}` };
  }

  async retrieve(query: string, limit: number, signal: AbortSignal): Promise<RetrievedChunk[]> {
    if (signal.aborted) return [];
    const started = Date.now();
    let endProgress: (() => void) | undefined;
    const index = await this.index.waitUntilSearchable(this.index.waitMs, signal, () => (endProgress = this.onWait?.())).finally(() => endProgress?.());
    if (!index || index.counts().chunks === 0) {
      this.fellBack = { waitedMs: Date.now() - started };
      return new NamedFilesRetriever(this.root).retrieve(query, limit, signal);
    }
    this.fellBack = undefined;
    const hits = (await index.search(query, limit, AbortSignal.any([signal, AbortSignal.timeout(30_000)]))).map((h) => ({ path: h.path, startLine: h.startLine, endLine: h.endLine, text: h.text, score: h.score }));
    const named = await namedDefinitions(index, query, Math.max(0, ...hits.map((h) => h.score)), Math.min(4, limit));
    const covered = (h: RetrievedChunk) => named.some((n) => n.path === h.path && n.startLine <= h.endLine && h.startLine <= n.endLine);
    return [...named, ...hits.filter((h) => !covered(h))].slice(0, Math.max(limit, named.length));
  }
}
