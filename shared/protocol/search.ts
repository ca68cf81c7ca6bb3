/** Workspace index and retrieval: `nootropic/index/*`, `nootropic/search`. */
import { z } from 'zod';
import { notification, request } from './method';

export const SkippedBy = z.object({
  binary: z.number(),
  tooLarge: z.number(),
  unreadable: z.number(),
  outsideWorkspace: z.number(),
  symlinkLoop: z.number(),
});

export const IndexSummary = z.object({
  files: z.number(),
  chunks: z.number(),
  skipped: z.number(),
  skippedBy: SkippedBy,
  ms: z.number(),
  /** The embedding model in use, or "none" (lexical-only mode). */
  embedder: z.string(),
  mode: z.enum(['lexical', 'hybrid']),
  changedFiles: z.number(),
  recovered: z.string().optional(),
});
export type IndexSummary = z.infer<typeof IndexSummary>;

export const IndexState = z.object({
  state: z.enum(['idle', 'loading', 'indexing', 'ready', 'error', 'no-workspace']),
  files: z.number(),
  chunks: z.number(),
  skipped: z.number(),
  embedder: z.string(),
  mode: z.enum(['lexical', 'hybrid']),
  processed: z.number().optional(),
  total: z.number().optional(),
  message: z.string().optional(),
});
export type IndexState = z.infer<typeof IndexState>;

export const SearchHit = z.object({
  /** Relative to the workspace root, `/` separators. */
  path: z.string(),
  /** 1-based, inclusive. */
  startLine: z.number(),
  endLine: z.number(),
  score: z.number(),
  symbol: z.string(),
  kind: z.string(),
  text: z.string(),
});
export type SearchHit = z.infer<typeof SearchHit>;

/** client→server: bring the index up to date (incremental unless `force`); resolves when done. */
export const IndexBuild = request(
  'nootropic/index/build',
  'client→server',
  z.object({ force: z.boolean().optional() }).strict(),
  IndexSummary,
);

/** client→server: the index's current state. */
export const IndexInfo = request('nootropic/index/info', 'client→server', z.object({}).strict(), IndexState);

/** client→server: ranked code chunks for a natural-language or identifier query. */
export const Search = request(
  'nootropic/search',
  'client→server',
  z
    .object({
      query: z.string().min(1).max(4_000),
      limit: z.number().int().min(1).max(200).default(10),
    })
    .strict(),
  z.object({ hits: z.array(SearchHit), mode: z.enum(['lexical', 'hybrid']) }),
);

/** server→client: index state changes and indexing progress. */
export const IndexStatus = notification('nootropic/index/status', 'server→client', IndexState);
