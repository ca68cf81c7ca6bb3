/** Git-style unified diff of a change set (a/ b/ prefixes, /dev/null for created and deleted files). */
import { createTwoFilesPatch } from 'diff';

const CONTEXT = 3;

/** Lines with their endings kept, so the slices below join back to the exact text. */
function linesOf(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * One file's diff. Only the changed middle (plus context) is diffed, which keeps a one-line change in a large
 * file cheap; hunk headers are shifted back to the file's real line numbers.
 */
function fileDiff(p: string, before: string | null, after: string | null): string {
  const a = linesOf(before ?? '');
  const b = linesOf(after ?? '');
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const from = Math.max(0, pre - CONTEXT);
  const aEnd = Math.min(a.length, a.length - suf + CONTEXT);
  const bEnd = Math.min(b.length, b.length - suf + CONTEXT);
  const body = createTwoFilesPatch(
    before === null ? '/dev/null' : `a/${p}`,
    after === null ? '/dev/null' : `b/${p}`,
    a.slice(from, aEnd).join(''),
    b.slice(from, bEnd).join(''),
    '',
    '',
    { context: CONTEXT },
  )
    .replace(/^=+\n/, '')
    .replace(/^(---|\+\+\+) (\S+)\t?$/gm, '$1 $2')
    .replace(/^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@/gm, (_m, os: string, oc: string | undefined, ns: string, nc: string | undefined) => {
      const shift = (n: string, c: string | undefined) => (c === ',0' && Number(n) === 0 && from === 0 ? n : String(Number(n) + from));
      return `@@ -${shift(os, oc)}${oc ?? ''} +${shift(ns, nc)}${nc ?? ''} @@`;
    });
  return `diff --git a/${p} b/${p}\n${body}`;
}

export function unifiedDiff(changes: { path: string; before: string | null; after: string | null }[]): string {
  return changes.map((c) => fileDiff(c.path, c.before, c.after)).join('');
}
