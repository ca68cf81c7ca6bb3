/**
 * The lexical index on disk: `.nootropic-cache/index/lexical.snap`, written atomically (temp file, fsync,
 * rename) after each update, and read lazily: opening reads a small header, and a query reads only the pages
 * it touches (its terms' dictionary entries and posting lists, then the rows of its top hits). Nothing is
 * re-tokenized and no LanceDB row is read, so opening and the first answer do not grow with the corpus.
 *
 * Layout (format 2): magic `NOOTLEX2`, u32 header length, a JSON header (format, tokenizer fingerprint, the
 * LanceDB table version it matches, counts, each section's byte range and a checksum of them all), the
 * sections (4-byte aligned), and the trailer `NOOTEND2`:
 *   termIndex   u32[terms+1]  byte offset of each term in termBlob; terms are sorted by their UTF-8 bytes
 *   termBlob    the terms' UTF-8 bytes, back to back
 *   postOffsets u32[terms+1]  term t's postings are [postOffsets[t], postOffsets[t+1])
 *   postIds     i32[postings] document ids, ascending within a term
 *   postWeights f32[postings] BM25F pseudo term frequencies (lexical-index.ts)
 *   prior       f32[docs]     per-document kind prior
 *   rowIndex    u32[docs+1]   byte offset of each document's row in rowBlob
 *   rowBlob     one JSON array per document and line: [path, start_line, end_line, symbol, kind, scope]
 *   files       JSON [[path, hash, size, mtime, binary]]: what the unchanged check compares (size, mtime, hash)
 *   ids         JSON [chunk id per document] (hybrid mode only: maps vector hits back to documents)
 *
 * A snapshot is used only when its format, fingerprint, embedder and LanceDB version match and its size and
 * trailer are whole; a missing, truncated or stale file makes the caller rebuild from the rows and say why.
 * Damage found while reading (a page that breaks the layout's invariants) throws `SnapshotDamaged`; the
 * checksum over all sections is checked where everything is read anyway (loading the index for a write).
 */
import { createHash } from 'node:crypto';
import { closeSync, promises as fs, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FIELDS, KIND_PRIOR, LexicalIndex, type LexicalState, type PostingSource } from './lexical-index';
import { tokenize } from './tokenize';

const MAGIC = Buffer.from('NOOTLEX2');
const TRAILER = Buffer.from('NOOTEND2');
export const SNAPSHOT_FORMAT = 2;
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

const SECTIONS = ['termIndex', 'termBlob', 'postOffsets', 'postIds', 'postWeights', 'prior', 'rowIndex', 'rowBlob', 'files', 'ids'] as const;
type SectionName = (typeof SECTIONS)[number];
const Range = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]);

const Header = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  fingerprint: z.string(),
  lanceVersion: z.number(),
  embedder: z.string(),
  builtAt: z.number(),
  docs: z.number().int().nonnegative(),
  terms: z.number().int().nonnegative(),
  postings: z.number().int().nonnegative(),
  /** Files with at least one chunk (what summaries and doctor count). */
  fileCount: z.number().int().nonnegative(),
  size: z.number().int().nonnegative(),
  checksum: z.string(),
  sections: z.object(Object.fromEntries(SECTIONS.map((s) => [s, Range])) as Record<SectionName, typeof Range>),
});
type Header = z.infer<typeof Header>;

/** What the persisted index says about itself, read without loading it (for doctor). */
export const SnapshotInfo = z.object({ files: z.number(), chunks: z.number(), embedder: z.string(), builtAt: z.number(), lanceVersion: z.number() });
export type SnapshotInfo = z.infer<typeof SnapshotInfo>;

/** The snapshot broke its own layout while being read: the caller rebuilds it from the chunk table. */
export class SnapshotDamaged extends Error {
  constructor(detail: string) {
    super(`the saved lexical index is damaged (${detail})`);
  }
}

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

function bytes(a: Uint32Array | Int32Array | Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function rowLine(r: SnapshotRow): string {
  return JSON.stringify([r.path, r.start_line, r.end_line, r.symbol, r.kind, r.scope]);
}

function filesJson(files: SnapshotFile[]): Buffer {
  return Buffer.from(JSON.stringify(files.map((f) => [f.path, f.hash, f.size, f.mtime, f.binary ? 1 : 0])));
}

/** Builds every section of a snapshot from memory: terms sorted (binary search on disk), postings laid out in that order. */
function sectionsOf(snap: Snapshot): Record<SectionName, Buffer> {
  const l = snap.lexical;
  const termBytes = l.terms.map((t) => Buffer.from(t, 'utf8'));
  const order = termBytes.map((_, i) => i).sort((a, b) => Buffer.compare(termBytes[a]!, termBytes[b]!));
  const termIndex = new Uint32Array(order.length + 1);
  const postOffsets = new Uint32Array(order.length + 1);
  const postIds = new Int32Array(l.ids.length);
  const postWeights = new Float32Array(l.weights.length);
  let blob = 0;
  let at = 0;
  order.forEach((t, i) => {
    termIndex[i] = blob;
    blob += termBytes[t]!.length;
    postOffsets[i] = at;
    const from = l.offsets[t]!;
    const to = l.offsets[t + 1]!;
    postIds.set(l.ids.subarray(from, to), at);
    postWeights.set(l.weights.subarray(from, to), at);
    at += to - from;
  });
  termIndex[order.length] = blob;
  postOffsets[order.length] = at;
  const lines = snap.rows.map((r) => Buffer.from(`${rowLine(r)}\n`, 'utf8'));
  const rowIndex = new Uint32Array(lines.length + 1);
  let rowAt = 0;
  lines.forEach((b, i) => {
    rowIndex[i] = rowAt;
    rowAt += b.length;
  });
  rowIndex[lines.length] = rowAt;
  return {
    termIndex: bytes(termIndex),
    termBlob: Buffer.concat(order.map((t) => termBytes[t]!)),
    postOffsets: bytes(postOffsets),
    postIds: bytes(postIds),
    postWeights: bytes(postWeights),
    prior: bytes(l.prior),
    rowIndex: bytes(rowIndex),
    rowBlob: Buffer.concat(lines),
    files: filesJson(snap.files),
    ids: Buffer.from(snap.ids ? JSON.stringify(snap.ids) : ''),
  };
}

type HeaderFields = Omit<Header, 'format' | 'fingerprint' | 'size' | 'checksum' | 'sections'>;

/** Lays out the sections after a header that records their ranges and checksum; writes atomically. */
async function writeSections(dir: string, fields: HeaderFields, sections: Record<SectionName, Buffer>): Promise<void> {
  const hash = createHash('sha1');
  for (const s of SECTIONS) hash.update(sections[s]);
  const checksum = hash.digest('hex');
  const ranges = {} as Record<SectionName, [number, number]>;
  const build = (dataStart: number) => {
    let at = dataStart;
    for (const s of SECTIONS) {
      ranges[s] = [at, sections[s].length];
      at = align4(at + sections[s].length);
    }
    return at + TRAILER.length;
  };
  // The header's length depends on the offsets it records and they on its length: settle in a few rounds.
  let json = Buffer.alloc(0);
  let dataStart = -1;
  for (let round = 0; ; round++) {
    const start = align4(MAGIC.length + 4 + json.length);
    if (start === dataStart) break; // `json` records this layout
    if (round > 8) throw new Error('snapshot header layout did not settle');
    dataStart = start;
    const size = build(start);
    json = Buffer.from(JSON.stringify({ format: SNAPSHOT_FORMAT, fingerprint: tokenizerFingerprint(), ...fields, size, checksum, sections: ranges } satisfies Header));
  }
  const headLen = Buffer.alloc(4);
  headLen.writeUInt32LE(json.length);
  const parts: Buffer[] = [MAGIC, headLen, json, Buffer.alloc(dataStart - (MAGIC.length + 4 + json.length))];
  let at = dataStart;
  for (const s of SECTIONS) {
    parts.push(sections[s]);
    at += sections[s].length;
    parts.push(Buffer.alloc(align4(at) - at));
    at = align4(at);
  }
  parts.push(TRAILER);
  const file = path.join(dir, SNAPSHOT_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await fs.open(tmp, 'w');
  try {
    for (const p of parts) if (p.length) await fh.write(p);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, file);
}

/** Serialises and writes atomically; a crash leaves the previous snapshot (or none), never half of one. */
export async function writeSnapshot(dir: string, snap: Snapshot): Promise<void> {
  const fileCount = new Set(snap.rows.map((r) => r.path)).size;
  await writeSections(
    dir,
    { lanceVersion: snap.lanceVersion, embedder: snap.embedder, builtAt: snap.builtAt, docs: snap.lexical.docs, terms: snap.lexical.terms.length, postings: snap.lexical.ids.length, fileCount },
    sectionsOf(snap),
  );
}

/**
 * A new snapshot with the same documents as `from` and new file metadata (files whose mtime changed but whose
 * content did not): the other sections are copied as they are, nothing is decoded.
 */
export async function rewriteSnapshotFiles(dir: string, from: SnapshotReader, change: { files: SnapshotFile[]; lanceVersion: number; builtAt: number }): Promise<void> {
  const h = from.header;
  const sections = {} as Record<SectionName, Buffer>;
  for (const s of SECTIONS) sections[s] = s === 'files' ? filesJson(change.files) : from.section(s);
  await writeSections(dir, { lanceVersion: change.lanceVersion, embedder: h.embedder, builtAt: change.builtAt, docs: h.docs, terms: h.terms, postings: h.postings, fileCount: h.fileCount }, sections);
}

const PAGE = 64 * 1024;
/** Pages kept per open snapshot (LRU): 4 MB, whatever the corpus. */
const MAX_PAGES = 64;

/** Positional reads through a small page cache: only what is asked for is read. */
class PagedFile {
  private readonly pages = new Map<number, Buffer>();
  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  read(pos: number, len: number): Buffer {
    if (!(pos >= 0 && len >= 0 && pos + len <= this.size)) throw new SnapshotDamaged(`a read at ${pos}+${len} is past the end (${this.size} bytes)`);
    if (len >= PAGE) return this.direct(pos, len);
    const first = Math.floor(pos / PAGE);
    const last = Math.floor((pos + len - 1) / PAGE);
    if (len === 0 || first === last) {
      const off = pos - first * PAGE;
      return this.page(first).subarray(off, off + len);
    }
    const out = Buffer.allocUnsafe(len);
    let done = 0;
    for (let p = first; p <= last; p++) {
      const page = this.page(p);
      const from = p === first ? pos - first * PAGE : 0;
      const n = Math.min(page.length - from, len - done);
      page.copy(out, done, from, from + n);
      done += n;
    }
    return out;
  }

  u32(pos: number): number {
    return this.read(pos, 4).readUInt32LE(0);
  }

  f32(pos: number): number {
    return this.read(pos, 4).readFloatLE(0);
  }

  /** A private copy, 4-byte aligned (typed-array views need it). */
  aligned(pos: number, len: number): ArrayBuffer {
    const b = this.read(pos, len);
    const out = new ArrayBuffer(len);
    new Uint8Array(out).set(b);
    return out;
  }

  close(): void {
    this.pages.clear();
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  private page(n: number): Buffer {
    let p = this.pages.get(n);
    if (p) {
      this.pages.delete(n);
      this.pages.set(n, p);
      return p;
    }
    p = this.direct(n * PAGE, Math.min(PAGE, this.size - n * PAGE));
    this.pages.set(n, p);
    if (this.pages.size > MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
    return p;
  }

  private direct(pos: number, len: number): Buffer {
    const b = Buffer.allocUnsafe(len);
    let done = 0;
    while (done < len) {
      const n = readSync(this.fd, b, done, len - done, pos + done);
      if (n <= 0) throw new SnapshotDamaged(`the file ended at ${pos + done} of ${this.size} bytes`);
      done += n;
    }
    return b;
  }
}

function readHeader(fd: number): { header: Header; fileSize: number } {
  const fileSize = fstatSync(fd).size;
  const pre = Buffer.alloc(MAGIC.length + 4);
  if (fileSize < pre.length || readSync(fd, pre, 0, pre.length, 0) !== pre.length || !pre.subarray(0, MAGIC.length).equals(MAGIC))
    throw new Error('not a nootropic lexical snapshot of this format');
  const len = pre.readUInt32LE(MAGIC.length);
  if (pre.length + len > fileSize) throw new Error('the header is truncated');
  const json = Buffer.alloc(len);
  if (readSync(fd, json, 0, len, pre.length) !== len) throw new Error('the header is truncated');
  return { header: Header.parse(JSON.parse(json.toString('utf8'))), fileSize };
}

export type SnapshotOpen = { reader: SnapshotReader } | { stale: string };

/**
 * The on-disk snapshot, open for lazy reads. The file descriptor stays open, so a reader keeps answering from
 * the version it opened even after a writer renames a newer one into place.
 */
export class SnapshotReader {
  private readonly file: PagedFile;
  private rowCache: SnapshotRow[] | undefined;
  private idCache: string[] | undefined;
  private readonly scratchKey = { term: '', bytes: Buffer.alloc(0) };

  private constructor(
    fd: number,
    readonly header: Header,
  ) {
    this.file = new PagedFile(fd, header.size);
  }

  /**
   * Opens a snapshot that matches `expect` (O(1): the header, the trailer and three sentinels are read);
   * otherwise says why it cannot be used (missing, truncated, another format or tokenizer, another embedder,
   * newer than the chunk table). A snapshot older than the table is used (`header.lanceVersion` says so):
   * every write replaces whole files, so the files changed since are exactly the ones whose size, mtime or hash
   * differ, and the caller's update re-reads them.
   */
  static open(dir: string, expect: { lanceVersion: number; embedder: string }): SnapshotOpen {
    let fd: number;
    try {
      fd = openSync(path.join(dir, SNAPSHOT_FILE), 'r');
    } catch {
      return { stale: 'no saved lexical index' };
    }
    const fail = (stale: string): SnapshotOpen => {
      closeSync(fd);
      return { stale };
    };
    let header: Header;
    let fileSize: number;
    try {
      ({ header, fileSize } = readHeader(fd));
    } catch (err) {
      return fail(`the saved lexical index is unreadable (${(err as Error).message.split('\n')[0]})`);
    }
    if (header.fingerprint !== tokenizerFingerprint()) return fail('the saved lexical index was built by another tokenizer');
    if (header.embedder !== expect.embedder) return fail(`the saved lexical index was built for embedder ${header.embedder}`);
    if (header.lanceVersion > expect.lanceVersion)
      return fail(`the saved lexical index matches chunk table version ${header.lanceVersion}, newer than the table (${expect.lanceVersion})`);
    if (fileSize !== header.size) return fail(`the saved lexical index is truncated (${fileSize} of ${header.size} bytes)`);
    const reader = new SnapshotReader(fd, header);
    try {
      reader.checkLayout();
    } catch (err) {
      reader.close();
      return { stale: (err as Error).message };
    }
    return { reader };
  }

  get docs(): number {
    return this.header.docs;
  }

  get fileCount(): number {
    return this.header.fileCount;
  }

  close(): void {
    this.file.close();
  }

  /** The term's id (its rank in the sorted dictionary), by binary search over the pages it lands on. */
  termId(term: string): number | undefined {
    const key = this.scratchKey.term === term ? this.scratchKey.bytes : Buffer.from(term, 'utf8');
    this.scratchKey.term = term;
    this.scratchKey.bytes = key;
    const [index] = this.header.sections.termIndex;
    const [blob, blobLen] = this.header.sections.termBlob;
    let lo = 0;
    let hi = this.header.terms - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const a = this.file.u32(index + 4 * mid);
      const b = this.file.u32(index + 4 * mid + 4);
      if (b < a || b > blobLen) throw new SnapshotDamaged(`term ${mid}'s bytes are out of range`);
      const c = Buffer.compare(key, this.file.read(blob + a, b - a));
      if (c === 0) return mid;
      if (c < 0) hi = mid - 1;
      else lo = mid + 1;
    }
    return undefined;
  }

  df(tid: number): number {
    const [at] = this.header.sections.postOffsets;
    return this.file.u32(at + 4 * tid + 4) - this.file.u32(at + 4 * tid);
  }

  postings(tid: number): { ids: Int32Array; weights: Float32Array } {
    const [at] = this.header.sections.postOffsets;
    const from = this.file.u32(at + 4 * tid);
    const to = this.file.u32(at + 4 * tid + 4);
    if (to < from || to > this.header.postings) throw new SnapshotDamaged(`term ${tid}'s postings are out of range`);
    const ids = new Int32Array(this.file.aligned(this.header.sections.postIds[0] + 4 * from, 4 * (to - from)));
    const weights = new Float32Array(this.file.aligned(this.header.sections.postWeights[0] + 4 * from, 4 * (to - from)));
    for (let i = 0; i < ids.length; i++) if (ids[i]! < 0 || ids[i]! >= this.header.docs || (i > 0 && ids[i]! <= ids[i - 1]!)) throw new SnapshotDamaged(`term ${tid}'s posting ids`);
    return { ids, weights };
  }

  prior(doc: number): number {
    return this.file.f32(this.header.sections.prior[0] + 4 * doc);
  }

  row(doc: number): SnapshotRow {
    if (this.rowCache) return this.rowCache[doc]!;
    const [index] = this.header.sections.rowIndex;
    const [blob, blobLen] = this.header.sections.rowBlob;
    const a = this.file.u32(index + 4 * doc);
    const b = this.file.u32(index + 4 * doc + 4);
    if (b <= a || b > blobLen) throw new SnapshotDamaged(`row ${doc} is out of range`);
    return parseRow(this.file.read(blob + a, b - a - 1).toString('utf8'), doc);
  }

  /** Every row (workspace/symbol, and loading the index for writing): read once, then kept. */
  rows(): SnapshotRow[] {
    if (!this.rowCache) {
      const text = this.section('rowBlob').toString('utf8');
      const lines = text.split('\n');
      lines.pop();
      if (lines.length !== this.header.docs) throw new SnapshotDamaged(`${lines.length} rows for ${this.header.docs} documents`);
      this.rowCache = lines.map(parseRow);
    }
    return this.rowCache;
  }

  files(): SnapshotFile[] {
    const raw = parseJson(this.section('files'), 'files') as unknown;
    const parsed = z.array(z.tuple([z.string(), z.string(), z.number(), z.number(), z.number()])).safeParse(raw);
    if (!parsed.success) throw new SnapshotDamaged('the file list');
    return parsed.data.map(([p, hash, size, mtime, binary]) => ({ path: p, hash, size, mtime, ...(binary ? { binary: true } : {}) }));
  }

  /** Chunk ids per document (hybrid mode), or undefined for a lexical-only index. */
  ids(): string[] | undefined {
    if (!this.idCache && this.header.sections.ids[1] > 0) {
      const raw = parseJson(this.section('ids'), 'chunk ids');
      if (!Array.isArray(raw) || raw.length !== this.header.docs) throw new SnapshotDamaged('the chunk ids');
      this.idCache = raw.map(String);
    }
    return this.idCache;
  }

  /** A section's raw bytes. */
  section(name: SectionName): Buffer {
    const [at, len] = this.header.sections[name];
    return Buffer.from(this.file.aligned(at, len));
  }

  /** The whole snapshot in memory (checksum verified), for an index about to be written to. */
  load(): Snapshot {
    const h = this.header;
    if (this.checksumMismatch()) throw new SnapshotDamaged('its checksum does not match');
    const typed = <T>(name: SectionName, make: (b: ArrayBuffer) => T) => make(this.file.aligned(...h.sections[name]));
    const termIndex = typed('termIndex', (b) => new Uint32Array(b));
    const blob = this.section('termBlob');
    const terms: string[] = new Array<string>(h.terms);
    for (let t = 0; t < h.terms; t++) terms[t] = blob.toString('utf8', termIndex[t], termIndex[t + 1]);
    const offsets = typed('postOffsets', (b) => new Uint32Array(b));
    const ids = typed('postIds', (b) => new Int32Array(b));
    for (let i = 0; i < ids.length; i++) if (ids[i]! < 0 || ids[i]! >= h.docs) throw new SnapshotDamaged('posting ids');
    for (let t = 0; t < h.terms; t++) if (offsets[t + 1]! < offsets[t]!) throw new SnapshotDamaged('posting offsets');
    const ids_ = this.ids();
    return {
      lanceVersion: h.lanceVersion,
      embedder: h.embedder,
      builtAt: h.builtAt,
      files: this.files(),
      rows: this.rows(),
      ...(ids_ ? { ids: ids_ } : {}),
      lexical: { terms, offsets, ids, weights: typed('postWeights', (b) => new Float32Array(b)), prior: typed('prior', (b) => new Float32Array(b)), docs: h.docs },
    };
  }

  /** Recomputes the checksum over every section (read whole, so only where everything is read anyway). */
  private checksumMismatch(): boolean {
    const hash = createHash('sha1');
    for (const s of SECTIONS) {
      const [at, len] = this.header.sections[s];
      for (let off = 0; off < len; off += 1 << 22) hash.update(this.file.read(at + off, Math.min(1 << 22, len - off)));
    }
    return hash.digest('hex') !== this.header.checksum;
  }

  /** This snapshot as a posting source for `rankPostings` (lexical-index.ts). */
  source(): PostingSource {
    return {
      termId: (t) => this.termId(t),
      df: (tid) => this.df(tid),
      segments: (tid) => {
        const p = this.postings(tid);
        return [[p.ids, p.weights]];
      },
      alive: () => true,
      prior: (doc) => this.prior(doc),
      docSpan: () => this.header.docs,
      aliveCount: () => this.header.docs,
    };
  }

  /** O(1) checks that the sections fit the file and agree with the header's counts. */
  private checkLayout(): void {
    const h = this.header;
    const s = h.sections;
    const expectLen: Partial<Record<SectionName, number>> = {
      termIndex: 4 * (h.terms + 1),
      postOffsets: 4 * (h.terms + 1),
      postIds: 4 * h.postings,
      postWeights: 4 * h.postings,
      prior: 4 * h.docs,
      rowIndex: 4 * (h.docs + 1),
    };
    for (const name of SECTIONS) {
      const [at, len] = s[name];
      if (at % 4 || at + len > h.size - TRAILER.length) throw new SnapshotDamaged(`section ${name} lies outside the file`);
      if (expectLen[name] !== undefined && expectLen[name] !== len) throw new SnapshotDamaged(`section ${name} has ${len} bytes`);
    }
    if (!this.file.read(h.size - TRAILER.length, TRAILER.length).equals(TRAILER)) throw new SnapshotDamaged('the trailer is missing: the write did not finish');
    if (this.file.u32(s.postOffsets[0] + 4 * h.terms) !== h.postings) throw new SnapshotDamaged('posting offsets');
    if (this.file.u32(s.termIndex[0] + 4 * h.terms) !== s.termBlob[1]) throw new SnapshotDamaged('term index');
    if (this.file.u32(s.rowIndex[0] + 4 * h.docs) !== s.rowBlob[1]) throw new SnapshotDamaged('row index');
  }
}

function parseJson(b: Buffer, what: string): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    throw new SnapshotDamaged(what);
  }
}

function parseRow(line: string, doc: number): SnapshotRow {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    throw new SnapshotDamaged(`row ${doc}`);
  }
  if (!Array.isArray(r) || r.length !== 6 || typeof r[0] !== 'string' || typeof r[1] !== 'number' || typeof r[2] !== 'number') throw new SnapshotDamaged(`row ${doc}`);
  return { path: r[0], start_line: r[1], end_line: r[2], symbol: String(r[3]), kind: String(r[4]), scope: String(r[5]) };
}

/** Files, chunks, embedder and age of the persisted index, from the snapshot's header only. */
export function snapshotInfo(dir: string): SnapshotInfo | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path.join(dir, SNAPSHOT_FILE), 'r');
    const { header } = readHeader(fd);
    return { files: header.fileCount, chunks: header.docs, embedder: header.embedder, builtAt: header.builtAt, lanceVersion: header.lanceVersion };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
