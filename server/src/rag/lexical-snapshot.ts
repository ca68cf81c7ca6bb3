/**
 * The lexical index on disk: `.nootropic-cache/index/lexical.snap`, written atomically (temp file + rename)
 * after each update, so that opening an index reads one file instead of re-reading and re-tokenizing every
 * LanceDB row. Layout: magic, a JSON header (format, tokenizer fingerprint, the LanceDB table version it
 * matches, files and chunk locations, column by column), then 4-byte aligned binary sections (posting offsets,
 * posting doc ids, posting weights, document priors). Posting lists are views into the file's buffer.
 *
 * A snapshot is only trusted when its format, fingerprint, embedder and LanceDB version all match; anything
 * else (a missing, torn or stale file) makes the caller rebuild from the rows and say why.
 */
import { createHash } from 'node:crypto';
import { closeSync, promises as fs, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FIELDS, KIND_PRIOR, LexicalIndex, type LexicalState } from './lexical-index';
import { tokenize } from './tokenize';

const MAGIC = Buffer.from('NOOTLEX1');
export const SNAPSHOT_FORMAT = 1;
export const SNAPSHOT_FILE = 'lexical.snap';

/** Where a chunk is and what it defines (the same as IndexedChunk in workspace-index.ts). */
export interface SnapshotRow {
  path: string;
  start_line: number;
  end_line: number;
  symbol: string;
  kind: string;
  scope: string;
}

export interface SnapshotFile {
  path: string;
  hash: string;
  size: number;
  mtime: number;
  /** The file was skipped as binary (it has no chunks; remembered so it is not re-read every run). */
  binary?: boolean;
}

export interface Snapshot {
  lanceVersion: number;
  embedder: string;
  builtAt: number;
  files: SnapshotFile[];
  /** Row i is document i of `lexical`. */
  rows: SnapshotRow[];
  /** Chunk ids per document (hybrid mode only: maps vector hits back to documents). */
  ids?: string[];
  lexical: Omit<LexicalState, 'remap'>;
}

const Header = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  fingerprint: z.string(),
  lanceVersion: z.number(),
  embedder: z.string(),
  builtAt: z.number(),
  docs: z.number().int().nonnegative(),
  postings: z.number().int().nonnegative(),
  terms: z.array(z.string()),
  files: z.array(z.tuple([z.string(), z.string(), z.number(), z.number(), z.number()])),
  rows: z.object({
    paths: z.array(z.string()),
    path: z.array(z.number().int()),
    start: z.array(z.number().int()),
    end: z.array(z.number().int()),
    symbol: z.array(z.string()),
    kind: z.array(z.string()),
    scope: z.array(z.string()),
  }),
  ids: z.array(z.string()).optional(),
});
type Header = z.infer<typeof Header>;

/** What the persisted index says about itself, read without loading it (for doctor). */
export const SnapshotInfo = z.object({ files: z.number(), chunks: z.number(), embedder: z.string(), builtAt: z.number(), lanceVersion: z.number() });
export type SnapshotInfo = z.infer<typeof SnapshotInfo>;

let cachedFingerprint: string | undefined;

/**
 * Changes to tokenization, field weights or kind priors change the postings: a snapshot written by another
 * build of the tokenizer is not used. The fingerprint is the exported state of a probe document.
 */
export function tokenizerFingerprint(): string {
  if (cachedFingerprint) return cachedFingerprint;
  const probe = new LexicalIndex();
  probe.add({
    symbol: 'parseHTTPResponse2',
    scope: 'Client.request_config',
    path: 'src/net/http_client.ts',
    kind: 'method',
    text: '/** Parses the body of a response. */\nfunction parseHTTPResponse2(res, opts) {\n  # comment\n  return JSON.parse(res.body, cfgStrings); // ids\n}\nimport x from "y";',
  });
  const s = probe.exportState();
  cachedFingerprint = createHash('sha1')
    .update(JSON.stringify({ FIELDS, KIND_PRIOR, terms: s.terms, w: Array.from(s.weights), p: Array.from(s.prior), t: tokenize('the URL of a dirEntries_list value') }))
    .digest('hex');
  return cachedFingerprint;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Serialises and writes atomically; a crash leaves the previous snapshot (or none), never half of one. */
export async function writeSnapshot(dir: string, snap: Snapshot): Promise<void> {
  const pathIds = new Map<string, number>();
  const rowPath = snap.rows.map((r) => {
    let id = pathIds.get(r.path);
    if (id === undefined) pathIds.set(r.path, (id = pathIds.size));
    return id;
  });
  const header: Header = {
    format: SNAPSHOT_FORMAT,
    fingerprint: tokenizerFingerprint(),
    lanceVersion: snap.lanceVersion,
    embedder: snap.embedder,
    builtAt: snap.builtAt,
    docs: snap.lexical.docs,
    postings: snap.lexical.ids.length,
    terms: snap.lexical.terms,
    files: snap.files.map((f) => [f.path, f.hash, f.size, f.mtime, f.binary ? 1 : 0]),
    rows: {
      paths: [...pathIds.keys()],
      path: rowPath,
      start: snap.rows.map((r) => r.start_line),
      end: snap.rows.map((r) => r.end_line),
      symbol: snap.rows.map((r) => r.symbol),
      kind: snap.rows.map((r) => r.kind),
      scope: snap.rows.map((r) => r.scope),
    },
    ...(snap.ids ? { ids: snap.ids } : {}),
  };
  const json = Buffer.from(JSON.stringify(header));
  const headLen = Buffer.alloc(4);
  headLen.writeUInt32LE(json.length);
  const pad = Buffer.alloc(align4(MAGIC.length + 4 + json.length) - (MAGIC.length + 4 + json.length));
  const l = snap.lexical;
  const parts = [MAGIC, headLen, json, pad, bytes(l.offsets), bytes(l.ids), bytes(l.weights), bytes(l.prior)];
  const file = path.join(dir, SNAPSHOT_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await fs.open(tmp, 'w');
  try {
    for (const p of parts) await fh.write(p);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, file);
}

function bytes(a: Uint32Array | Int32Array | Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function parseHeader(buf: Buffer): { header: Header; dataStart: number } {
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a nootropic lexical snapshot');
  const len = buf.readUInt32LE(MAGIC.length);
  const end = MAGIC.length + 4 + len;
  if (end > buf.length) throw new Error('snapshot header is truncated');
  const header = Header.parse(JSON.parse(buf.subarray(MAGIC.length + 4, end).toString('utf8')));
  return { header, dataStart: align4(end) };
}

export type SnapshotRead = { snapshot: Snapshot } | { stale: string };

/**
 * Reads a snapshot that matches `expect`; otherwise says why it cannot be used (missing, torn, another
 * tokenizer, another embedder, newer than the chunk table). A snapshot older than the table is returned
 * (`snapshot.lanceVersion` says so): every write replaces whole files, so the files changed since are exactly
 * the ones whose size, mtime or hash differ, and the caller's update re-reads them.
 */
export function readSnapshot(dir: string, expect: { lanceVersion: number; embedder: string }): SnapshotRead {
  let buf: Buffer;
  try {
    buf = readFileSync(path.join(dir, SNAPSHOT_FILE));
  } catch {
    return { stale: 'no saved lexical index' };
  }
  let header: Header;
  let dataStart: number;
  try {
    ({ header, dataStart } = parseHeader(buf));
  } catch (err) {
    return { stale: `the saved lexical index is unreadable (${(err as Error).message.split('\n')[0]})` };
  }
  if (header.fingerprint !== tokenizerFingerprint()) return { stale: 'the saved lexical index was built by another tokenizer' };
  if (header.embedder !== expect.embedder) return { stale: `the saved lexical index was built for embedder ${header.embedder}` };
  if (header.lanceVersion > expect.lanceVersion)
    return { stale: `the saved lexical index matches chunk table version ${header.lanceVersion}, newer than the table (${expect.lanceVersion})` };
  const nTerms = header.terms.length;
  const need = dataStart + 4 * (nTerms + 1) + 8 * header.postings + 4 * header.docs;
  if (buf.length !== need) return { stale: `the saved lexical index is truncated (${buf.length} of ${need} bytes)` };
  // A private, aligned copy of the data (readFileSync's buffer may share a pool; views need 4-byte alignment).
  const data = new ArrayBuffer(buf.length - dataStart);
  new Uint8Array(data).set(buf.subarray(dataStart));
  let at = 0;
  const take = <T>(make: (b: ArrayBuffer, o: number, n: number) => T, n: number): T => {
    const v = make(data, at, n);
    at += 4 * n;
    return v;
  };
  const offsets = take((b, o, n) => new Uint32Array(b, o, n), nTerms + 1);
  const ids = take((b, o, n) => new Int32Array(b, o, n), header.postings);
  const weights = take((b, o, n) => new Float32Array(b, o, n), header.postings);
  const prior = take((b, o, n) => new Float32Array(b, o, n), header.docs);
  if (offsets[nTerms] !== header.postings) return { stale: 'the saved lexical index is inconsistent (posting offsets)' };
  for (let i = 0; i < ids.length; i++) if (ids[i]! < 0 || ids[i]! >= header.docs) return { stale: 'the saved lexical index is inconsistent (posting ids)' };
  const r = header.rows;
  if (r.path.length !== header.docs) return { stale: 'the saved lexical index is inconsistent (rows)' };
  const rows: SnapshotRow[] = r.path.map((p, i) => ({ path: r.paths[p]!, start_line: r.start[i]!, end_line: r.end[i]!, symbol: r.symbol[i]!, kind: r.kind[i]!, scope: r.scope[i]! }));
  return {
    snapshot: {
      lanceVersion: header.lanceVersion,
      embedder: header.embedder,
      builtAt: header.builtAt,
      files: header.files.map(([p, hash, size, mtime, binary]) => ({ path: p, hash, size, mtime, ...(binary ? { binary: true } : {}) })),
      rows,
      ...(header.ids ? { ids: header.ids } : {}),
      lexical: { terms: header.terms, offsets, ids, weights, prior, docs: header.docs },
    },
  };
}

/** Files, chunks, embedder and age of the persisted index, from the snapshot's header only. */
export function snapshotInfo(dir: string): SnapshotInfo | undefined {
  try {
    const fd = openSync(path.join(dir, SNAPSHOT_FILE), 'r');
    let head: Buffer;
    try {
      const pre = Buffer.alloc(MAGIC.length + 4);
      readSync(fd, pre, 0, pre.length, 0);
      head = Buffer.alloc(pre.length + pre.readUInt32LE(MAGIC.length));
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    const { header } = parseHeader(head);
    return { files: header.rows.paths.length, chunks: header.docs, embedder: header.embedder, builtAt: header.builtAt, lanceVersion: header.lanceVersion };
  } catch {
    return undefined;
  }
}
