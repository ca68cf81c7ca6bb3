/**
 * The on-disk half of the index: chunk rows in LanceDB under `<root>/.nootropic-cache/index/lancedb`, keyed by
 * path + content hash, plus `meta.json` (schema version, embedder id and dimension). A schema or embedder
 * change rebuilds instead of crashing; a table that cannot be opened or read is moved aside and rebuilt, and
 * the caller is told so it can report it. The lexical postings that make opening fast are in lexical-snapshot.ts. Every LanceDB write is atomic (a new version), so a server killed
 * mid-write leaves the previous version intact.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type * as lancedb from '@lancedb/lancedb';
import { loadLanceDb } from './lancedb';
import { z } from 'zod';
import { makeCacheDirSync } from '../workspace/cache-dir';

export const SCHEMA_VERSION = 2;
const TABLE = 'chunks';

export interface ChunkRow {
  id: string;
  path: string;
  hash: string;
  size: number;
  mtime: number;
  start_line: number;
  end_line: number;
  symbol: string;
  kind: string;
  scope: string;
  text: string;
  /** Present when an embedder is configured (hybrid mode). */
  vector?: number[];
}

const Meta = z.object({ schemaVersion: z.number(), embedder: z.string() });

/** Lance's newer manifest naming stores version n as `<u64::MAX − n>.manifest`, 20 digits, so the newest sorts first. */
const U64_MAX = 18446744073709551615n;

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export class ChunkStore {
  private db: lancedb.Connection | undefined;
  private table: lancedb.Table | undefined;
  private readonly dir: string;
  private readonly metaFile: string;
  private writesSinceOptimize = 0;

  constructor(
    root: string,
    private readonly embedder: string,
  ) {
    const cache = path.join(root, '.nootropic-cache');
    this.dir = path.join(cache, 'index', 'lancedb');
    this.metaFile = path.join(cache, 'index', 'meta.json');
    makeCacheDirSync(path.dirname(this.dir));
  }

  /**
   * Opens the store without reading its rows (the lexical snapshot usually makes that unnecessary; `scan`
   * reads them when it does not). `recovered` says why the store was reset, if it was.
   */
  async open(): Promise<{ recovered?: string }> {
    process.env.LANCEDB_LOG ??= 'error';
    // A LanceDB that cannot load (no native module for this platform) says so; the table on disk is not corrupt.
    await loadLanceDb();
    let recovered: string | undefined;
    const meta = this.readMeta();
    if (meta && (meta.schemaVersion !== SCHEMA_VERSION || meta.embedder !== this.embedder)) {
      recovered = `index built with ${meta.embedder} (schema ${meta.schemaVersion}); rebuilding for ${this.embedder} (schema ${SCHEMA_VERSION})`;
      rmSync(this.dir, { recursive: true, force: true });
    }
    try {
      await this.openTable();
      this.writeMeta();
      this.opened = true;
      return recovered ? { recovered } : {};
    } catch (err) {
      const moved = await this.moveAside(err);
      this.opened = true;
      return { recovered: moved };
    }
  }

  /** Whether `open` ran (and `close` did not since): a store served from the snapshot alone is not open. */
  get isOpen(): boolean {
    return this.opened;
  }

  private opened = false;

  /**
   * The table's latest version read from its manifest files' names, without loading LanceDB (tens of
   * milliseconds of native module and arrow at every cold start): Lance writes `_versions/<n>.manifest` per
   * version, or `<u64::MAX − n>.manifest` in its newer naming. Undefined when there is no table, or meta.json
   * says it was built for another schema or embedder (then `open` decides). test/server/index-cold-start.test.ts
   * checks it against LanceDB's own answer, so a LanceDB upgrade that names versions otherwise fails there.
   */
  versionOnDisk(): number | undefined {
    const meta = this.readMeta();
    if (!meta || meta.schemaVersion !== SCHEMA_VERSION || meta.embedder !== this.embedder) return undefined;
    let names: string[];
    try {
      names = readdirSync(path.join(this.dir, `${TABLE}.lance`, '_versions'));
    } catch {
      return undefined;
    }
    let newest = 0n;
    for (const name of names) {
      const m = /^(\d+)\.manifest$/.exec(name);
      if (!m) continue;
      const n = BigInt(m[1]!);
      const version = m[1]!.length === 20 ? U64_MAX - n : n;
      if (version > newest) newest = version;
    }
    return newest > 0n && newest <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(newest) : undefined;
  }

  /** A table that cannot be opened or read is moved aside and the store starts empty; returns what to report. */
  async moveAside(err: unknown): Promise<string> {
    const aside = `${this.dir}.corrupt-${Date.now()}`;
    this.close();
    if (existsSync(this.dir)) renameSync(this.dir, aside);
    this.db = undefined;
    this.table = undefined;
    await this.openTable();
    this.writeMeta();
    return `the index could not be read (${String((err as Error)?.message ?? err).split('\n')[0]}); moved it to ${path.basename(aside)} and rebuilt`;
  }

  private async openTable(): Promise<void> {
    this.db ??= await (await loadLanceDb()).connect(path.resolve(this.dir));
    if (this.table) return;
    const names = await this.db.tableNames();
    if (names.includes(TABLE)) this.table = await this.db.openTable(TABLE);
  }

  /** The table's version (0: no table yet), after catching up with writes by other processes. */
  async version(): Promise<number> {
    await this.openTable();
    if (!this.table) return 0;
    await this.table.checkoutLatest();
    return await this.table.version();
  }

  /** Rows in the table (metadata only: cheap). */
  async count(): Promise<number> {
    await this.openTable();
    return this.table ? await this.table.countRows() : 0;
  }

  /** Deletes every row (a forced rebuild), including rows of files this process does not know about. */
  async clearAll(): Promise<void> {
    await this.openTable();
    if (this.table) await this.table.delete('true');
  }

  /** Every row, batch by batch. A caller that throws stops the scan (and the open fails: corrupt data). */
  async scan(onRow: (row: ChunkRow) => void): Promise<void> {
    if (!this.table) return;
    // Vectors are not read: they stay on disk, where LanceDB searches them.
    for await (const batch of this.table.query().select(['id', 'path', 'hash', 'size', 'mtime', 'start_line', 'end_line', 'symbol', 'kind', 'scope', 'text'])) {
      for (const r of batch.toArray() as unknown as ChunkRow[]) {
        onRow({
          id: String(r.id),
          path: String(r.path),
          hash: String(r.hash),
          size: Number(r.size),
          mtime: Number(r.mtime),
          start_line: Number(r.start_line),
          end_line: Number(r.end_line),
          symbol: String(r.symbol),
          kind: String(r.kind),
          scope: String(r.scope),
          text: String(r.text),
        });
      }
    }
  }

  /** Replaces all rows of `paths` with `rows` (which may be empty: the files were deleted). */
  async replace(paths: string[], rows: ChunkRow[]): Promise<void> {
    if (!this.db) throw new Error('chunk store is not open');
    await this.openTable();
    if (this.table && paths.length) {
      for (let i = 0; i < paths.length; i += 500) {
        await this.table.delete(`path IN (${paths.slice(i, i + 500).map(sqlString).join(', ')})`);
      }
    }
    if (rows.length) {
      if (!this.table) this.table = await this.db.createTable(TABLE, rows as unknown as Record<string, unknown>[]);
      else await this.table.add(rows as unknown as Record<string, unknown>[]);
    }
    this.writesSinceOptimize++;
    // Every write is a version: compact after bursts so the table does not fragment.
    if (this.table && this.writesSinceOptimize >= 20) {
      this.writesSinceOptimize = 0;
      await this.table.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) }).catch(() => undefined);
    }
  }

  /** Chunk ids nearest to `vector` (cosine on normalised vectors), best first. */
  async nearest(vector: Float32Array, limit: number): Promise<string[]> {
    await this.openTable();
    if (!this.table) return [];
    const rows = (await this.table.vectorSearch(Array.from(vector)).distanceType('cosine').limit(limit).select(['id']).toArray()) as { id: string }[];
    return rows.map((r) => String(r.id));
  }

  async optimize(): Promise<void> {
    this.writesSinceOptimize = 0;
    await this.table?.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) }).catch(() => undefined);
  }

  close(): void {
    this.table?.close();
    this.db?.close();
    this.table = undefined;
    this.db = undefined;
    this.opened = false;
  }

  /** The index folder (lexical snapshot, writer lock and meta.json live here, next to the LanceDB table). */
  get indexDir(): string {
    return path.dirname(this.dir);
  }

  private readMeta(): z.infer<typeof Meta> | undefined {
    try {
      return Meta.parse(JSON.parse(readFileSync(this.metaFile, 'utf8')));
    } catch {
      return undefined;
    }
  }

  private writeMeta(): void {
    const tmp = `${this.metaFile}.tmp`;
    writeFileSync(tmp, JSON.stringify({ schemaVersion: SCHEMA_VERSION, embedder: this.embedder }));
    renameSync(tmp, this.metaFile);
  }
}
