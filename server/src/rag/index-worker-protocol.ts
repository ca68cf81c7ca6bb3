/**
 * Messages between the server (rag/remote-index.ts) and the index worker thread (rag/index-worker.ts). Both
 * sides parse what they receive: a malformed message is an error with its reason, never a guess.
 */
import { z } from 'zod';

export const WorkerInit = z.object({
  root: z.string(),
  maxFileBytes: z.number(),
  lockWaitMs: z.number(),
  /** The server's embedder, by name: the worker asks the server to embed (one model, one client, one key). */
  embedder: z.object({ id: z.string(), dim: z.number() }).optional(),
  /** Known secret values (the API key) masked before anything is stored, as in the server. */
  secrets: z.array(z.string()),
  /** Run below the server thread's priority (an editor is waiting on that thread; the CLI waits on the index). */
  background: z.boolean(),
});
export type WorkerInit = z.infer<typeof WorkerInit>;
/** workerData of a thread started before the workspace was known (rag/worker-prewarm.ts): it waits for InitMessage. */
export const AwaitInit = z.object({ awaitInit: z.literal(true) });
/** The first message to such a thread. */
export const InitMessage = z.object({ type: z.literal('init'), init: WorkerInit });
export type InitMessage = z.infer<typeof InitMessage>;

export const METHODS = ['load', 'update', 'filesChanged', 'watch', 'search', 'symbols', 'definitions', 'close'] as const;
export type Method = (typeof METHODS)[number];

export const ToWorker = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call'), id: z.number(), method: z.enum(METHODS), args: z.array(z.unknown()) }),
  z.object({ type: z.literal('cancel'), id: z.number() }),
  z.object({ type: z.literal('secrets'), values: z.array(z.string()) }),
  z.object({ type: z.literal('embedded'), id: z.number(), vectors: z.array(z.custom<Float32Array>((v) => v instanceof Float32Array, 'expected a Float32Array')).optional(), error: z.string().optional() }),
]);
export type ToWorker = z.infer<typeof ToWorker>;

/** Definitions for inline completion, asked in one round trip per keystroke: exact names, and one module's members. */
export const DefinitionQuery = z.object({
  names: z.array(z.string()).max(100),
  stem: z.string().optional(),
  /** Types whose members are asked (the receiver's type at `x.`, `Type::`). */
  types: z.array(z.string()).max(8).optional(),
});
export type DefinitionQuery = z.infer<typeof DefinitionQuery>;
const DefinitionSite = z.object({ path: z.string(), startLine: z.number(), endLine: z.number() });
export const DefinitionAnswer = z.object({
  /** Name → where it is defined (one entry per definition). */
  named: z.record(z.string(), z.array(DefinitionSite)),
  /** The definitions in files named `stem` (any extension), when a stem was asked. */
  members: z.array(DefinitionSite.extend({ name: z.string() })),
  /** Type → its members (for a Go type: its package's methods, whatever their receiver). */
  typeMembers: z.record(z.string(), z.array(DefinitionSite.extend({ name: z.string() }))).optional(),
});
export type DefinitionAnswer = z.infer<typeof DefinitionAnswer>;

const SkipCounts = z.object({ binary: z.number(), tooLarge: z.number(), unreadable: z.number(), outsideWorkspace: z.number(), symlinkLoop: z.number() });

export const Counts = z.object({
  files: z.number(),
  chunks: z.number(),
  skipped: SkipCounts,
  mode: z.enum(['lexical', 'hybrid']),
  loadedFrom: z.object({ source: z.enum(['snapshot', 'rows', 'empty']), ms: z.number(), reason: z.string().optional() }).optional(),
  recovered: z.string().optional(),
  rowsChanged: z.number(),
});

export const FromWorker = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), id: z.number(), value: z.unknown(), counts: Counts }),
  z.object({ type: z.literal('failed'), id: z.number(), message: z.string(), counts: Counts }),
  z.object({ type: z.literal('progress'), id: z.number(), processed: z.number(), total: z.number(), counts: Counts }),
  z.object({ type: z.literal('lockWait'), holder: z.object({ pid: z.number(), startedAt: z.number(), what: z.string() }) }),
  z.object({ type: z.literal('filesIndexed'), changed: z.number(), counts: Counts }),
  z.object({ type: z.literal('watchError'), message: z.string() }),
  z.object({ type: z.literal('embed'), id: z.number(), texts: z.array(z.string()) }),
  /** A log line the worker wrote (already redacted JSON, as the server's own logger writes them). */
  z.object({ type: z.literal('log'), line: z.string() }),
]);
export type FromWorker = z.infer<typeof FromWorker>;
