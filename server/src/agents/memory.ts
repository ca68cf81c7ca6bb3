/**
 * MemoryAgent: episodes (task, context, edits, outcome) kept in LanceDB under `.nootropic-cache/memory/lancedb`
 * and retrieved by similarity of the task text as few-shot examples for the coder. Vectors are feature-hashed
 * word counts (256 dimensions, no model needed, the same on every machine), so memory works in the lexical-only
 * mode too. Successful episodes are preferred as examples; failures are kept for the record.
 */
import path from 'node:path';
import type * as lancedb from '@lancedb/lancedb';
import { loadLanceDb } from '../rag/lancedb';
import type { Logger } from '../log';
import { redactText } from '../security/redact';
import type { Example } from './coder';
import type { EpisodeMemory } from './loop';
import { makeCacheDirSync } from '../workspace/cache-dir';

const TABLE = 'episodes';
const DIMS = 256;

export function hashVector(text: string): number[] {
  const v = new Array<number>(DIMS).fill(0);
  for (const w of text.toLowerCase().match(/[a-z_][a-z0-9_]{1,}/g) ?? []) {
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
    v[(h >>> 0) % DIMS]! += 1;
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

interface Row {
  id: string;
  task: string;
  context: string;
  edits: string;
  outcome: string;
  succeeded: boolean;
  at: string;
  vector: number[];
}

export class EpisodeStore implements EpisodeMemory {
  private table: Promise<lancedb.Table | undefined> | undefined;
  private readonly dir: string;

  constructor(
    root: string,
    private readonly log?: Logger,
  ) {
    this.dir = path.join(root, '.nootropic-cache', 'memory', 'lancedb');
  }

  private async open(create?: Row): Promise<lancedb.Table | undefined> {
    makeCacheDirSync(this.dir);
    const db = await (await loadLanceDb()).connect(this.dir);
    if ((await db.tableNames()).includes(TABLE)) return db.openTable(TABLE);
    if (!create) return undefined;
    return db.createTable(TABLE, [create as unknown as Record<string, unknown>]);
  }

  async record(e: { task: string; context: string; edits: string; outcome: string; succeeded: boolean }): Promise<void> {
    const row: Row = {
      id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
      task: redactText(e.task),
      context: redactText(e.context),
      edits: redactText(e.edits.slice(0, 20_000)),
      outcome: redactText(e.outcome),
      succeeded: e.succeeded,
      at: new Date().toISOString(),
      vector: hashVector(e.task),
    };
    const existing = await (this.table ??= this.open()).catch(() => undefined);
    if (existing) await existing.add([row as unknown as Record<string, unknown>]);
    else this.table = this.open(row);
    await this.table;
    this.log?.debug('episode recorded', { task: row.task.slice(0, 80), succeeded: row.succeeded });
  }

  async similar(task: string, limit: number): Promise<Example[]> {
    const table = await (this.table ??= this.open()).catch(() => undefined);
    if (!table) {
      this.table = undefined; // created by the first record
      return [];
    }
    const rows = (await table.vectorSearch(hashVector(task)).distanceType('cosine').limit(limit * 3).toArray()) as Array<Row & { _distance: number }>;
    return rows
      // Cosine distance below 0.85: at least one salient word in common (task texts are short).
      .filter((r) => r._distance < 0.85)
      .sort((a, b) => Number(b.succeeded) - Number(a.succeeded) || a._distance - b._distance)
      .slice(0, limit)
      .map((r) => ({ task: r.task, edits: r.edits, outcome: r.outcome }));
  }
}
