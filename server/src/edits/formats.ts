/**
 * Edits as models write them, whatever the provider:
 * - SEARCH/REPLACE blocks (`<<<<<<< SEARCH` / `=======` / `>>>>>>> REPLACE`), optionally preceded by a file path
 *   line and wrapped in a code fence (Aider's convention, which small local models follow best);
 * - unified diffs, fenced (```diff) or bare (`--- a/x` / `+++ b/x` or `diff --git`); hunk line numbers and counts
 *   are read but never trusted (models get them wrong), hunks are located by their context;
 * - whole-file replacement: a fenced block right after a file path line;
 * - replace-symbol: `<<<<<<< SYMBOL name` (a function, method or class, `Class.method` allowed) / new text /
 *   `>>>>>>> REPLACE`, located with tree-sitter.
 * This only recognises and structures them; locate.ts locates, plan.ts computes the new contents and index.ts
 * (with commit.ts) applies. Anything that looks like an edit but cannot be read is reported, never dropped silently.
 */

export interface SearchReplaceEdit {
  kind: 'search-replace';
  /** As written by the model ('' when the block had no path line). */
  path: string;
  /** The block's lines, each ending with \n ('' = no lines). */
  search: string;
  replace: string;
}

export interface DiffHunk {
  /** Line numbers from the `@@` header, when it had any (hints only). */
  oldStart?: number;
  /** Context and removed lines, in order. */
  oldLines: string[];
  /** Context and added lines, in order. */
  newLines: string[];
  /** `\ No newline at end of file` after the old / new side's last line. */
  noEolOld: boolean;
  noEolNew: boolean;
  /** The hunk's body lines as written (prefix character included), for display. */
  raw: string[];
}

export interface UnifiedDiffEdit {
  kind: 'unified-diff';
  path: string;
  /** The file's patch text, normalised (headers + hunks), for display and for tools that want a patch. */
  patch: string;
  hunks: number;
  parsed: DiffHunk[];
  /** `/dev/null` on the old side: the file is created. */
  creates: boolean;
  /** `/dev/null` on the new side: the file is deleted. */
  deletes: boolean;
}

export interface WholeFileEdit {
  kind: 'whole-file';
  path: string;
  content: string;
  /** The text also has SEARCH/REPLACE, diff or SYMBOL edits: this block may be an illustration, not a file. */
  mixed?: boolean;
}

export interface ReplaceSymbolEdit {
  kind: 'replace-symbol';
  path: string;
  symbol: string;
  replace: string;
}

export type ModelEdit = SearchReplaceEdit | UnifiedDiffEdit | WholeFileEdit | ReplaceSymbolEdit;

export interface ParsedEdits {
  edits: ModelEdit[];
  problems: string[];
}

export interface ParseOptions {
  /** Single-file form: paths in the text are not needed (and are ignored by the caller). */
  singleFile?: boolean;
}

const FENCE_OPEN = /^[ \t]{0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/;
const SEARCH = /^[ \t]*<{5,9} ?SEARCH\s*$/;
const SYMBOL = /^[ \t]*<{5,9} ?SYMBOL\s+(\S+)\s*$/;
const DIVIDER = /^[ \t]*={5,9}\s*$/;
const REPLACE = /^[ \t]*>{5,9} ?(REPLACE|SYMBOL|END)\s*$/;
const DIFF_LANGS = new Set(['diff', 'patch', 'udiff']);

/** Lines as text, each ending with \n: a block with one blank line ('\n') differs from an empty one (''). */
function asText(lines: string[]): string {
  return lines.map((l) => `${l}\n`).join('');
}

function looksLikePath(line: string): string | undefined {
  const t = line
    .trim()
    .replace(/^#+\s*/, '')
    .replace(/^(?:file|path|filename)\s*:\s*/i, '')
    .replace(/^\*\*|\*\*:?$/g, '')
    .replace(/^`|`:?$/g, '')
    .replace(/:$/, '')
    .trim();
  if (!t || /\s/.test(t) || t.length > 260) return undefined;
  return /[./\\]/.test(t) || /^[\w-]+$/.test(t) ? t : undefined;
}

/** A path line strong enough to make the fenced block under it a whole file: it names a file, not a word. */
function looksLikeFilePath(line: string): string | undefined {
  const p = looksLikePath(line);
  return p && /[./\\]/.test(p) && !/^[.]+$/.test(p) && !/^https?:/.test(p) ? p : undefined;
}

function isFenceClose(line: string, open: string): boolean {
  const t = line.trim();
  return t.length >= open.length && t[0] === open[0] && new RegExp(`^\\${open[0]}{${open.length},}$`).test(t);
}

function stripDiffName(name: string): string {
  const n = name.split('\t')[0]!.trim().replace(/^"(.*)"$/, '$1');
  if (n === '/dev/null') return n;
  return n.replace(/^[ab]\//, '');
}

interface DiffFile {
  oldName?: string;
  newName?: string;
  /** A ---/+++ pair was read for this file (a `diff --git` line alone does not count). */
  headers: boolean;
  hunks: DiffHunk[];
}

const HUNK_HEADER = /^@@(?:\s+-(\d+)(?:,(\d+))?\s+\+(\d+)(?:,(\d+))?)?\s*@@?/;

/**
 * Parses unified diff lines starting at `start`; stops (bare mode) at the first line that cannot belong to a diff.
 * Returns the files found and the index after the last line consumed.
 */
function parseDiffLines(lines: string[], start: number, end: number, bare: boolean, problems: string[]): { files: DiffFile[]; next: number } {
  const files: DiffFile[] = [];
  let cur: DiffFile | undefined;
  let hunk: DiffHunk | undefined;
  const closeHunk = () => {
    if (!hunk) return;
    // Blank lines at the end of a hunk are usually the model's spacing, not context.
    while (hunk.oldLines.length && hunk.newLines.length && hunk.oldLines.at(-1) === '' && hunk.newLines.at(-1) === '' && trailingBlank > 0) {
      hunk.oldLines.pop();
      hunk.newLines.pop();
      hunk.raw.pop();
      trailingBlank--;
    }
    if (hunk.oldLines.length || hunk.newLines.length) cur!.hunks.push(hunk);
    hunk = undefined;
  };
  let trailingBlank = 0;
  let lastSide: 'old' | 'new' | 'both' = 'both';
  let i = start;
  for (; i < end; i++) {
    const line = lines[i]!;
    if (line.startsWith('diff --git ')) {
      closeHunk();
      cur = { hunks: [], headers: false };
      const m = /^diff --git (\S+) (\S+)/.exec(line);
      if (m) {
        cur.oldName = stripDiffName(m[1]!);
        cur.newName = stripDiffName(m[2]!);
      }
      files.push(cur);
      continue;
    }
    if (line.startsWith('--- ') && i + 1 < end && lines[i + 1]!.startsWith('+++ ')) {
      closeHunk();
      if (!cur || cur.headers || cur.hunks.length) {
        cur = { hunks: [], headers: true };
        files.push(cur);
      }
      cur.headers = true;
      cur.oldName = stripDiffName(line.slice(4));
      cur.newName = stripDiffName(lines[i + 1]!.slice(4));
      i++;
      continue;
    }
    const header = HUNK_HEADER.exec(line);
    if (header) {
      closeHunk();
      if (!cur) {
        problems.push(`a unified diff hunk at line ${i + 1} has no ---/+++ file header`);
        cur = { hunks: [], headers: false };
        files.push(cur);
      }
      hunk = { oldLines: [], newLines: [], noEolOld: false, noEolNew: false, raw: [], ...(header[1] ? { oldStart: Number(header[1]) } : {}) };
      trailingBlank = 0;
      continue;
    }
    if (!hunk) {
      if (cur && /^(index |new file mode|deleted file mode|old mode|new mode|similarity index|rename from|rename to|copy from|copy to|Binary files)/.test(line)) continue;
      if (bare && cur) break;
      continue;
    }
    const c = line[0];
    if (c === ' ' || (line === '' && !bare) || (line === '' && bare && i + 1 < end && /^[ +\-@\\]/.test(lines[i + 1]!))) {
      const t = line.slice(1);
      hunk.oldLines.push(t);
      hunk.newLines.push(t);
      hunk.raw.push(` ${t}`);
      trailingBlank = line === '' ? trailingBlank + 1 : 0;
      lastSide = 'both';
    } else if (c === '-') {
      hunk.oldLines.push(line.slice(1));
      hunk.raw.push(line);
      trailingBlank = 0;
      lastSide = 'old';
    } else if (c === '+') {
      hunk.newLines.push(line.slice(1));
      hunk.raw.push(line);
      trailingBlank = 0;
      lastSide = 'new';
    } else if (c === '\\') {
      hunk.raw.push(line);
      if (lastSide !== 'new') hunk.noEolOld = true;
      if (lastSide !== 'old') hunk.noEolNew = true;
    } else {
      if (bare) break;
      problems.push(`unified diff line ${i + 1} is not context, + or -: ${JSON.stringify(line.slice(0, 40))}`);
    }
  }
  closeHunk();
  return { files, next: i };
}

function diffEdits(files: DiffFile[], edits: ModelEdit[], problems: string[]): void {
  for (const f of files) {
    const oldName = f.oldName;
    const newName = f.newName;
    const path = newName && newName !== '/dev/null' ? newName : oldName;
    if (!path || path === '/dev/null') {
      if (f.hunks.length) problems.push('a unified diff has hunks but no ---/+++ file header');
      continue;
    }
    if (!f.hunks.length) {
      if (newName === '/dev/null') {
        edits.push({ kind: 'unified-diff', path, patch: `--- a/${path}\n+++ /dev/null\n`, hunks: 0, parsed: [], creates: false, deletes: true });
      } else problems.push(`the diff for ${path} has no hunks`);
      continue;
    }
    const body = f.hunks
      .map((h) => `@@ -${h.oldStart ?? 1},${h.oldLines.length} +${h.oldStart ?? 1},${h.newLines.length} @@\n${h.raw.join('\n')}`)
      .join('\n');
    edits.push({
      kind: 'unified-diff',
      path,
      patch: `--- ${oldName === '/dev/null' ? '/dev/null' : `a/${oldName ?? path}`}\n+++ ${newName === '/dev/null' ? '/dev/null' : `b/${path}`}\n${body}\n`,
      hunks: f.hunks.length,
      parsed: f.hunks,
      creates: oldName === '/dev/null',
      deletes: newName === '/dev/null',
    });
  }
}

/** The nearest non-empty line above `i`, skipping one opening fence; its path if it looks like one. */
function pathAbove(lines: string[], i: number, strict: boolean): string | undefined {
  for (let j = i - 1; j >= 0; j--) {
    const prev = lines[j]!;
    if (!prev.trim() || FENCE_OPEN.test(prev)) continue;
    return strict ? looksLikeFilePath(prev) : looksLikePath(prev);
  }
  return undefined;
}

export function parseModelEdits(text: string, opts: ParseOptions = {}): ParsedEdits {
  const edits: ModelEdit[] = [];
  const problems: string[] = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let lastPath: string | undefined;
  const wholeFileCandidates: { at: number; edit: WholeFileEdit; named: boolean }[] = [];
  // Closing fences of fenced blocks whose SEARCH/REPLACE content is read line by line.
  const closesToSkip = new Set<number>();

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const symbol = SYMBOL.exec(line);
    if (SEARCH.test(line) || symbol) {
      const path = pathAbove(lines, i, false) ?? lastPath;
      const search: string[] = [];
      const replace: string[] = [];
      let k = i + 1;
      if (!symbol) {
        while (k < lines.length && !DIVIDER.test(lines[k]!) && !REPLACE.test(lines[k]!)) search.push(lines[k++]!);
        if (k >= lines.length || REPLACE.test(lines[k]!)) {
          problems.push(`SEARCH block at line ${i + 1} has no ======= divider`);
          i = k;
          continue;
        }
        k++;
      }
      while (k < lines.length && !REPLACE.test(lines[k]!) && !SEARCH.test(lines[k]!)) replace.push(lines[k++]!);
      if (k >= lines.length || !REPLACE.test(lines[k]!)) {
        problems.push(`${symbol ? 'SYMBOL' : 'SEARCH'} block at line ${i + 1} has no >>>>>>> REPLACE end`);
        i = k - 1;
        continue;
      }
      if (!path && !opts.singleFile) problems.push(`${symbol ? 'SYMBOL' : 'SEARCH/REPLACE'} block at line ${i + 1} has no file path line before it`);
      else if (symbol) edits.push({ kind: 'replace-symbol', path: path ?? '', symbol: symbol[1]!, replace: asText(replace) });
      else edits.push({ kind: 'search-replace', path: path ?? '', search: asText(search), replace: asText(replace) });
      if (path) lastPath = path;
      i = k;
      continue;
    }
    if (closesToSkip.has(i)) continue;
    const fence = FENCE_OPEN.exec(line);
    if (fence) {
      const open = fence[1]!;
      const lang = fence[2]!.toLowerCase();
      let close = i + 1;
      while (close < lines.length && !isFenceClose(lines[close]!, open)) close++;
      const body = lines.slice(i + 1, close);
      const hasMarkers = body.some((l) => SEARCH.test(l) || SYMBOL.test(l));
      if (hasMarkers) {
        closesToSkip.add(close); // the blocks inside are read line by line
        continue;
      }
      const looksDiff = DIFF_LANGS.has(lang) || body.some((l, n) => (l.startsWith('--- ') && body[n + 1]?.startsWith('+++ ')) || l.startsWith('diff --git '));
      if (looksDiff) {
        const headerless = !body.some((l, n) => (l.startsWith('--- ') && body[n + 1]?.startsWith('+++ ')) || l.startsWith('diff --git '));
        if (headerless && body.some((l) => HUNK_HEADER.test(l))) {
          // Hunks without headers: the path line above names the file.
          const p = pathAbove(lines, i, false) ?? (opts.singleFile ? '' : undefined);
          if (p === undefined) problems.push(`the diff at line ${i + 1} has no ---/+++ header and no file path line before it`);
          else {
            const withHeader = [`--- a/${p || 'target'}`, `+++ b/${p || 'target'}`, ...body];
            diffEdits(parseDiffLines(withHeader, 0, withHeader.length, false, []).files, edits, problems);
            if (!p) (edits.at(-1) as UnifiedDiffEdit).path = '';
          }
        } else diffEdits(parseDiffLines(body, 0, body.length, false, problems).files, edits, problems);
      } else if (close < lines.length) {
        const p = pathAbove(lines, i, true);
        const content = body.join('\n') + (body.length ? '\n' : '');
        wholeFileCandidates.push({ at: i, edit: { kind: 'whole-file', path: p ?? '', content }, named: Boolean(p) });
      }
      i = close;
      continue;
    }
    if (line.startsWith('diff --git ') || (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ '))) {
      const { files, next } = parseDiffLines(lines, i, lines.length, true, problems);
      diffEdits(files, edits, problems);
      i = next - 1;
      continue;
    }
    if (line.trim()) lastPath = looksLikePath(line) ?? (DIVIDER.test(line) || REPLACE.test(line) ? lastPath : undefined);
  }

  // Whole files: a fenced block under a file path line. In the single-file form one unnamed block counts too,
  // but only when nothing else in the text is an edit (prose with snippets is not a whole file).
  const named = wholeFileCandidates.filter((c) => c.named);
  const others = edits.length > 0;
  if (named.length) edits.push(...named.map((c): WholeFileEdit => (others ? { ...c.edit, mixed: true } : c.edit)));
  else if (opts.singleFile && !edits.length && wholeFileCandidates.length === 1) edits.push(wholeFileCandidates[0]!.edit);
  else if (opts.singleFile && !edits.length && wholeFileCandidates.length > 1)
    problems.push(`${wholeFileCandidates.length} code blocks and no SEARCH/REPLACE or diff: cannot tell which one is the whole file`);
  return { edits, problems };
}
