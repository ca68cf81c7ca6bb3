/** Git-style unified diff of a change set (a/ b/ prefixes, /dev/null for created and deleted files). */
import { createTwoFilesPatch, diffArrays } from 'diff';
import { commonAffixes } from './text';

const CONTEXT = 3;
/** A changed middle longer than this (lines) is split into its clusters of changes first. */
const SPLIT_ABOVE = 200;

/** Lines with their endings kept, so the slices below join back to the exact text. */
function linesOf(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

interface Cluster {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

/**
 * The changed lines of a[lo, aHi) ↔ b[lo, bHi), grouped so that changes more than 2 × CONTEXT unchanged lines
 * apart are separate clusters (each becomes its own hunk, as in one diff of the whole file).
 */
function clusters(a: string[], b: string[], lo: number, aHi: number, bHi: number): Cluster[] {
  if (aHi - lo <= SPLIT_ABOVE && bHi - lo <= SPLIT_ABOVE) return [{ aStart: lo, aEnd: aHi, bStart: lo, bEnd: bHi }];
  const out: Cluster[] = [];
  let i = lo;
  let j = lo;
  let cur: Cluster | undefined;
  for (const part of diffArrays(a.slice(lo, aHi), b.slice(lo, bHi))) {
    const n = part.value.length;
    if (!part.added && !part.removed) {
      if (cur && n > 2 * CONTEXT) {
        out.push(cur);
        cur = undefined;
      }
      i += n;
      j += n;
      continue;
    }
    cur ??= { aStart: i, aEnd: i, bStart: j, bEnd: j };
    if (part.removed) i += n;
    else j += n;
    cur.aEnd = i;
    cur.bEnd = j;
  }
  if (cur) out.push(cur);
  return out;
}

/**
 * The part of the two texts that holds every difference plus CONTEXT lines on each side, found by comparing
 * characters (no split of the whole file): it starts at a line start, at the same offset in both, which is line
 * `line` (0-based); it ends at a line end (or the text's end), the same distance from the end in both.
 */
function middle(a: string, b: string): { start: number; aEnd: number; bEnd: number; line: number } {
  const { prefix: p, suffix: s } = commonAffixes(a, b);
  // Back to the start of the line the first difference is on, then CONTEXT + 1 lines more (slack for the diff's
  // own alignment); forward likewise from the last difference.
  let start = p;
  for (let k = 0; k <= CONTEXT + 1 && start > 0; k++) start = a.lastIndexOf('\n', start - 2) + 1;
  let tail = s;
  for (let k = 0; k <= CONTEXT + 1 && tail > 0; k++) {
    const at = a.indexOf('\n', a.length - tail);
    tail = at < 0 ? 0 : a.length - at - 1;
  }
  let line = 0;
  for (let at = a.indexOf('\n'); at >= 0 && at < start; at = a.indexOf('\n', at + 1)) line++;
  return { start, aEnd: a.length - tail, bEnd: b.length - tail, line };
}

/**
 * One file's diff. Only the changed lines (plus context) are diffed — each cluster of changes on its own slice —
 * which keeps an edit of a few places in a 20,000-line file cheap; hunk headers are shifted back to the file's
 * real line numbers.
 */
function fileDiff(p: string, before: string | null, after: string | null): string {
  const m = middle(before ?? '', after ?? '');
  const a = linesOf((before ?? '').slice(m.start, m.aEnd));
  const b = linesOf((after ?? '').slice(m.start, m.bEnd));
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const parts = clusters(a, b, pre, a.length - suf, b.length - suf).map((c, k) => {
    // The slices start at the same line on both sides (the same unchanged lines precede them).
    const from = Math.max(0, c.aStart - CONTEXT);
    const bFrom = Math.max(0, c.bStart - CONTEXT);
    const aEnd = Math.min(a.length, c.aEnd + CONTEXT);
    const bEnd = Math.min(b.length, c.bEnd + CONTEXT);
    const patch = createTwoFilesPatch(
      before === null ? '/dev/null' : `a/${p}`,
      after === null ? '/dev/null' : `b/${p}`,
      a.slice(from, aEnd).join(''),
      b.slice(bFrom, bEnd).join(''),
      '',
      '',
      { context: CONTEXT },
    )
      .replace(/^=+\n/, '')
      .replace(/^(---|\+\+\+) (\S+)\t?$/gm, '$1 $2')
      .replace(/^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@/gm, (_m, os: string, oc: string | undefined, ns: string, nc: string | undefined) => {
        const shift = (n: string, c: string | undefined, by: number) => (c === ',0' && Number(n) === 0 && by === 0 ? n : String(Number(n) + by));
        return `@@ -${shift(os, oc, m.line + from)}${oc ?? ''} +${shift(ns, nc, m.line + bFrom)}${nc ?? ''} @@`;
      });
    // The file header once, from the first cluster.
    return k === 0 ? patch : patch.slice(patch.indexOf('\n@@') + 1);
  });
  return `diff --git a/${p} b/${p}\n${parts.join('')}`;
}

export function unifiedDiff(changes: { path: string; before: string | null; after: string | null }[]): string {
  return changes.map((c) => fileDiff(c.path, c.before, c.after)).join('');
}
