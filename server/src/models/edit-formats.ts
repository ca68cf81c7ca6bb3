/**
 * Edits as models write them, whatever the provider: fenced SEARCH/REPLACE blocks preceded by a file path
 * line (Aider's format, which small local models follow best), or unified diffs (fenced ```diff or bare
 * `--- a/`/`+++ b/` headers). This only recognises and structures them; the edit engine locates and applies.
 * Anything that looks like an edit but cannot be read is reported, never dropped silently.
 */
import { parsePatch } from 'diff';

export interface SearchReplaceEdit {
  kind: 'search-replace';
  path: string;
  search: string;
  replace: string;
}

export interface UnifiedDiffEdit {
  kind: 'unified-diff';
  path: string;
  /** The file's patch text, headers included, ready for the edit engine. */
  patch: string;
  hunks: number;
  /** `/dev/null` on the old side: the file is created. */
  creates: boolean;
  deletes: boolean;
}

export type ModelEdit = SearchReplaceEdit | UnifiedDiffEdit;

export interface ParsedEdits {
  edits: ModelEdit[];
  problems: string[];
}

const FENCE = /^(`{3,}|~{3,})/;
const SEARCH = /^<{5,9} SEARCH\s*$/;
const DIVIDER = /^={5,9}\s*$/;
const REPLACE = /^>{5,9} REPLACE\s*$/;

function looksLikePath(line: string): string | undefined {
  const t = line.trim().replace(/^#+\s*/, '').replace(/^\*\*|\*\*$/g, '').replace(/^`|`:?$/g, '').replace(/:$/, '').trim();
  if (!t || /\s/.test(t) || t.length > 260) return undefined;
  return /[./\\]/.test(t) || /^[\w-]+$/.test(t) ? t : undefined;
}

function parseSearchReplace(text: string, edits: ModelEdit[], problems: string[]): void {
  const lines = text.split('\n');
  let lastPath: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!SEARCH.test(line)) {
      if (!FENCE.test(line) && line.trim()) lastPath = looksLikePath(line) ?? (DIVIDER.test(line) || REPLACE.test(line) ? lastPath : undefined);
      continue;
    }
    // The path is the nearest non-empty line above the block, skipping the opening fence.
    let path: string | undefined;
    for (let j = i - 1; j >= 0; j--) {
      const prev = lines[j]!;
      if (!prev.trim() || FENCE.test(prev)) continue;
      path = looksLikePath(prev);
      break;
    }
    path ??= lastPath;
    const search: string[] = [];
    const replace: string[] = [];
    let k = i + 1;
    while (k < lines.length && !DIVIDER.test(lines[k]!)) search.push(lines[k++]!);
    if (k >= lines.length) {
      problems.push(`SEARCH block at line ${i + 1} has no ======= divider`);
      return;
    }
    k++;
    while (k < lines.length && !REPLACE.test(lines[k]!)) replace.push(lines[k++]!);
    if (k >= lines.length) {
      problems.push(`SEARCH block at line ${i + 1} has no >>>>>>> REPLACE end`);
      return;
    }
    if (!path) problems.push(`SEARCH/REPLACE block at line ${i + 1} has no file path line before it`);
    else edits.push({ kind: 'search-replace', path, search: search.join('\n'), replace: replace.join('\n') });
    lastPath = path;
    i = k;
  }
}

function stripPrefix(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const n = name.split('\t')[0]!.trim();
  if (n === '/dev/null') return n;
  return n.replace(/^[ab]\//, '');
}

/** Unified diff text: inside ```diff/```patch fences, or bare when the reply has ---/+++ headers. */
function diffSources(text: string): string[] {
  const fenced = [...text.matchAll(/```(?:diff|patch|udiff)\s*\n([\s\S]*?)```/g)].map((m) => m[1]!);
  if (fenced.length) return fenced;
  return /^--- \S.*\n\+\+\+ \S/m.test(text) ? [text.slice(text.search(/^--- \S/m))] : [];
}

function parseUnifiedDiffs(text: string, edits: ModelEdit[], problems: string[]): void {
  for (const source of diffSources(text)) {
    let patches;
    try {
      patches = parsePatch(source);
    } catch (err) {
      problems.push(`a unified diff could not be parsed: ${(err as Error).message}`);
      continue;
    }
    for (const p of patches) {
      const oldName = stripPrefix(p.oldFileName);
      const newName = stripPrefix(p.newFileName);
      const path = newName && newName !== '/dev/null' ? newName : oldName;
      if (!path || path === '/dev/null') {
        if (p.hunks.length) problems.push('a unified diff hunk has no ---/+++ file header');
        continue;
      }
      if (!p.hunks.length) {
        problems.push(`the diff for ${path} has no hunks`);
        continue;
      }
      const body = p.hunks
        .map((h) => `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@\n${h.lines.join('\n')}`)
        .join('\n');
      edits.push({
        kind: 'unified-diff',
        path,
        patch: `--- ${oldName === '/dev/null' ? '/dev/null' : `a/${oldName ?? path}`}\n+++ ${newName === '/dev/null' ? '/dev/null' : `b/${path}`}\n${body}\n`,
        hunks: p.hunks.length,
        creates: oldName === '/dev/null',
        deletes: newName === '/dev/null',
      });
    }
  }
}

export function parseModelEdits(text: string): ParsedEdits {
  const edits: ModelEdit[] = [];
  const problems: string[] = [];
  const normalised = text.replace(/\r\n/g, '\n');
  parseSearchReplace(normalised, edits, problems);
  parseUnifiedDiffs(normalised, edits, problems);
  return { edits, problems };
}
