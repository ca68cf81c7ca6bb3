/**
 * Post-processing of a ranked hit list so that each slot shows something new: one result per definition (a
 * hit whose lines another, better-ranked hit of the same file already shows is dropped; a definition takes the
 * slot of a window of its container), and tests and docs below the code they cover unless the query asks for
 * them. Also `oneEntryPerDefinition` for workspace/symbol: a long definition split into several chunks is one
 * symbol.
 */
import type { SnapshotRow } from './lexical-snapshot';

export interface RankedChunk {
  path: string;
  startLine: number;
  endLine: number;
  symbol: string;
  kind: string;
  score: number;
}

/** Kinds that are windows of code rather than one definition: loose blocks, plain-text lines, markdown sections. */
const WINDOW_KINDS = new Set(['block', 'lines', 'section']);
/** Definitions that contain other definitions: a member is preferred to a slice of its container. */
const CONTAINER_KINDS = new Set(['class', 'interface', 'impl', 'module', 'type', 'enum']);

const TEST_PATH = /(^|\/)(tests?|__tests__|specs?|testing|testdata)\/|_test\.(go|py)$|(^|\/)test_[^/]*\.py$|(^|\/)conftest\.py$|\.(test|spec)\.[cm]?[jt]sx?$|Tests?\.(java|kt|cs)$|_spec\.rb$/i;
const DOC_PATH = /\.(md|markdown|mdx|rst|txt|adoc)$|(^|\/)docs?\//i;
const ASKS_FOR_TESTS = /\b(tests?|testing|tested|specs?|unit ?tests?|fixtures?|assert\w*|mock\w*)\b/i;
const ASKS_FOR_DOCS = /\b(docs?|documentation|readme|guide|changelog|tutorial|manual)\b/i;
/** How far a test or doc hit falls when the query is about code: below a code hit that scored a third as well. */
export const DEMOTE = 0.3;

export function isTestPath(p: string): boolean {
  return TEST_PATH.test(p);
}

export function isDocChunk(c: { path: string; kind: string }): boolean {
  return c.kind === 'section' || DOC_PATH.test(c.path);
}

function lines(c: RankedChunk): number {
  return c.endLine - c.startLine + 1;
}

function overlap(a: RankedChunk, b: RankedChunk): number {
  return Math.max(0, Math.min(a.endLine, b.endLine) - Math.max(a.startLine, b.startLine) + 1);
}

/** `inner` is a definition strictly inside `outer`, and `outer` is a window or a container. */
function preferredInside(inner: RankedChunk, outer: RankedChunk): boolean {
  if (WINDOW_KINDS.has(inner.kind) || lines(inner) >= lines(outer)) return false;
  if (inner.startLine < outer.startLine || inner.endLine > outer.endLine) return false;
  return WINDOW_KINDS.has(outer.kind) || CONTAINER_KINDS.has(outer.kind) || outer.symbol !== inner.symbol;
}

/**
 * Re-ranks `hits` (best first) and returns at most `limit`: tests and docs demoted unless asked for, then each
 * hit checked against those kept from the same file: a definition inside a kept window or container replaces
 * it in its slot; a hit whose lines are mostly shown already (a third of its span or more), or another window
 * of the same definition, is dropped.
 */
export function cleanResults<T extends RankedChunk>(hits: T[], query: string, limit: number): T[] {
  const wantTests = ASKS_FOR_TESTS.test(query);
  const wantDocs = ASKS_FOR_DOCS.test(query);
  const adjusted = hits.map((h, i) => {
    let f = 1;
    if (!wantTests && isTestPath(h.path)) f *= DEMOTE;
    if (!wantDocs && isDocChunk(h)) f *= DEMOTE;
    return { h, score: h.score * f, i };
  });
  adjusted.sort((a, b) => b.score - a.score || a.i - b.i);
  const kept: T[] = [];
  const byFile = new Map<string, number[]>();
  for (const { h } of adjusted) {
    if (kept.length >= limit) break;
    const same = byFile.get(h.path) ?? [];
    let drop = false;
    let replace = -1;
    for (const k of same) {
      const o = kept[k]!;
      const shared = overlap(h, o);
      if (!shared) continue;
      if (preferredInside(h, o)) {
        replace = k;
        continue;
      }
      // Windows of one definition (a long function cut into parts) or of one stretch of loose code overlap by a
      // few lines: the same code, shown once.
      if (shared * 3 >= lines(h) || preferredInside(o, h) || (o.symbol === h.symbol && o.kind === h.kind)) {
        drop = true;
        break;
      }
    }
    if (drop) continue;
    if (replace >= 0) {
      // The definition takes its container's slot; any other kept hit it overlaps stays (it was checked).
      kept[replace] = h;
      continue;
    }
    same.push(kept.length);
    byFile.set(h.path, same);
    kept.push(h);
  }
  return kept;
}

/** A definition as the index keeps it: the snapshot's row shape. */
export type SymbolRow = SnapshotRow;

/** workspace/symbol: parts of one definition (a long function split into chunks) become one entry spanning them. */
export function oneEntryPerDefinition<T extends SymbolRow>(rows: T[]): T[] {
  const out: T[] = [];
  const seen = new Map<string, number>();
  for (const r of rows) {
    const key = `${r.path}\0${r.kind}\0${r.scope}\0${r.symbol}`;
    const at = seen.get(key);
    const prev = at === undefined ? undefined : out[at]!;
    // Parts of one definition are adjacent or overlapping; two definitions of one name in a file are not merged.
    if (prev && r.start_line <= prev.end_line + 1 && r.end_line >= prev.start_line - 1) {
      out[at!] = { ...prev, start_line: Math.min(prev.start_line, r.start_line), end_line: Math.max(prev.end_line, r.end_line) };
      continue;
    }
    seen.set(key, out.length);
    out.push(r);
  }
  return out;
}
