/**
 * The on-disk half of the index: chunk rows in LanceDB under `<root>/.nootropic-cache/index/lancedb`, keyed by
 * path + content hash, plus `meta.json` (schema version, embedder id and dimension). A schema or embedder
 * change rebuilds instead of crashing; a table that cannot be opened or read is moved aside and rebuilt, and
 * the caller is told so it can report it. Every LanceDB write is atomic (a new version), so a server killed
 * mid-write leaves the previous version intact.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type * as lancedb from '@lancedb/lancedb';
import { loadLanceDb } from './lancedb';
import { z } from 'zod';
import { makeCacheDirSync } from '../workspace/cache-dir';

export const SCHEMA_VERSION = 1;
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
   * Opens the store and streams every persisted row to `onRow` in batches (never all rows at once, to bound
   * memory). `recovered` says why the store was rebuilt, if it was.
   */
  async open(onRow: (row: ChunkRow) => void): Promise<{ recovered?: string }> {
    process.env.LANCEDB_LOG ??= 'error';
    let recovered: string | undefined;
    const meta = this.readMeta();
    if (meta && (meta.schemaVersion !== SCHEMA_VERSION || meta.embedder !== this.embedder)) {
      recovered = `index built with ${meta.embedder} (schema ${meta.schemaVersion}); rebuilding for ${this.embedder} (schema ${SCHEMA_VERSION})`;
      rmSync(this.dir, { recursive: true, force: true });
    }
    try {
      await this.openAndRead(onRow);
      this.writeMeta();
      return recovered ? { recovered } : {};
    } catch (err) {
      const aside = `${this.dir}.corrupt-${Date.now()}`;
      if (existsSync(this.dir)) renameSync(this.dir, aside);
      this.db = undefined;
      this.table = undefined;
      await this.openAndRead(() => undefined);
      this.writeMeta();
      return { recovered: `the index could not be read (${(err as Error).message.split('\n')[0]}); moved it to ${path.basename(aside)} and rebuilt` };
    }
  }

  private async openAndRead(onRow: (row: ChunkRow) => void): Promise<void> {
    this.db = await (await loadLanceDb()).connect(path.resolve(this.dir));
    const names = await this.db.tableNames();
    if (!names.includes(TABLE)) return;
    this.table = await this.db.openTable(TABLE);
    await this.scan(onRow);
  }

  /** Every row, batch by batch. A caller that throws stops the scan (and the open fails: corrupt data). */
  async scan(onRow: (row: ChunkRow) => void): Promise<void> {
    if (!this.table) return;
    for await (const batch of this.table.query()) {
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
        // Vectors stay on disk: LanceDB searches them there.
      }
    }
  }

  /** Replaces all rows of `paths` with `rows` (which may be empty: the files were deleted). */
  async replace(paths: string[], rows: ChunkRow[]): Promise<void> {
    if (!this.db) throw new Error('chunk store is not open');
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
