/**
 * Turns what the model wrote into the exact new content of each file, or a refusal that names the block and why.
 * Nothing here writes: index.ts commits the plan (or only previews it).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConfinementError, confinedPath } from '../workspace/confinement';
import { parseModelEdits, type DiffHunk, type ModelEdit } from './formats';
import { buildReplacement, locateBlock, type Match } from './locate';
import { commentStylesFor, ElisionError, hasElisionMarkers, resolveElisions } from './elision';
import { findSymbol } from './symbols';
import { spanJudge, type SpanJudge } from './span-windows';
import { checkSyntax, grammarForPath } from './syntax-check';
import { endsWithNewline, joinFile, leadingWs, matchIndentStyle, modelLines, splitFile, type FileText, type Line } from './text';

export interface PlannedFile {
  rel: string;
  abs: string;
  /** Disk content now (null: absent); the commit checks it again before renaming. */
  onDisk: string | null;
  /** What the edit was computed from (an unsaved editor buffer when an overlay gave one). */
  before: string | null;
  after: string | null;
}

export type Plan = { ok: true; files: PlannedFile[]; warnings: string[] } | { ok: false; reason: string };

export interface PlanRequest {
  root: string;
  text: string;
  targetFile?: string;
  overlay?: (absPath: string) => string | undefined;
}

class Refusal extends Error {}
/** A quoted block found nowhere (the case where applying blocks in sequence is tried). */
class NotFound extends Refusal {}

interface Labelled {
  edit: ModelEdit;
  label: string;
}

interface Replacement {
  start: number;
  end: number;
  lines: Line[];
  label: string;
  /** Explicit final-newline state when this replacement reaches the end of the file (diff markers). */
  eofNewline?: boolean;
  /** Tab width learned from matching the model's indentation to the file's. */
  tabWidth?: number;
}

const FORBIDDEN_DIRS = ['.git', '.nootropic-cache'];
const MAX_BYTES = 10 * 1024 * 1024;

function labelEdits(edits: ModelEdit[]): Labelled[] {
  let block = 0;
  return edits.map((edit) => {
    switch (edit.kind) {
      case 'search-replace':
        return { edit, label: `block ${++block}${edit.path ? ` (${edit.path})` : ''}` };
      case 'replace-symbol':
        return { edit, label: `block ${++block} (symbol ${edit.symbol})` };
      case 'unified-diff':
        return { edit, label: `diff for ${edit.path || 'the file'}` };
      case 'whole-file':
        return { edit, label: `whole file ${edit.path || ''}`.trim() };
    }
  });
}

function preview(lines: string[]): string {
  const first = lines.find((l) => l.trim() !== '')?.trim() ?? '';
  return first.length > 60 ? `${first.slice(0, 60)}…` : first;
}

function notFound(label: string, rel: string, search: string[], file: FileText): string {
  const first = search.find((l) => l.trim() !== '')?.trim();
  let hint = '';
  if (first) {
    const at = file.lines.findIndex((l) => l.text.trim() === first);
    if (at >= 0) hint = `; its first line "${preview([first])}" is at line ${at + 1} but the lines after it differ`;
  }
  return `${label}: search text not found in ${rel}${hint}`;
}

function ambiguous(label: string, rel: string, matches: Match[]): string {
  const where = matches.slice(0, 5).map((m) => m.start + 1);
  return `${label}: search text matches ${matches.length} places in ${rel} (lines ${where.join(', ')}${matches.length > 5 ? ', …' : ''}); include more surrounding lines so it matches one`;
}

/**
 * Elision markers in what the model wrote resolved against `orig`, which is line `offset` on of the file that `ft`
 * judges; a failure is a refusal.
 */
function expandElisions(model: string[], orig: string[], rel: string, label: string, ft?: SpanJudge, offset = 0): string[] {
  if (!hasElisionMarkers(model, rel)) return model;
  try {
    return resolveElisions(model, orig, commentStylesFor(rel), { label, ...(ft ? { spanOk: ft.at(offset) } : {}) });
  } catch (err) {
    if (err instanceof ElisionError) throw new Refusal(err.message);
    throw err;
  }
}

function searchReplace(file: FileText, rel: string, label: string, searchText: string, replaceText: string, ft?: SpanJudge): Replacement {
  const search = modelLines(searchText);
  if (!search.length || search.every((l) => l.trim() === '')) throw new Refusal(`${label}: the SEARCH text is empty; quote the lines to replace`);
  const r = locateBlock(file.lines, search, modelLines(replaceText));
  if (!r.matches.length) throw new NotFound(notFound(label, rel, search, file));
  if (r.matches.length > 1) throw new Refusal(ambiguous(label, rel, r.matches));
  const m = r.matches[0]!;
  // `// ... existing code ...` in the REPLACE side stands for lines of the SEARCH text.
  const replace = expandElisions(r.replace, r.search, rel, label, ft, m.start);
  return { start: m.start, end: m.end, lines: buildReplacement(file, m, r.search, replace), label, ...(r.tabWidth ? { tabWidth: r.tabWidth } : {}) };
}

/**
 * Hunks of a diff, located by their context. Line numbers are not trusted, but a diff's hunks are in file order,
 * so a hunk whose context occurs several times is narrowed by its neighbours; the header's line number settles it
 * only when it points exactly at one of the places. Anything still ambiguous is refused.
 */
function diffHunks(file: FileText, rel: string, label: string, hunks: DiffHunk[]): Replacement[] {
  const cands: { m: Match[]; search: string[]; replace: string[]; tabWidth?: number | undefined }[] = hunks.map((h, k) => {
    if (!h.oldLines.length) {
      if (file.lines.length === 0) return { m: [{ start: 0, end: 0, level: 'exact' as const }], search: [], replace: h.newLines };
      throw new Refusal(`${label}, hunk ${k + 1}: it has no context or removed lines to locate it by`);
    }
    const r = locateBlock(file.lines, h.oldLines, h.newLines);
    if (!r.matches.length) throw new Refusal(notFound(`${label}, hunk ${k + 1}`, rel, h.oldLines, file).replace('search text', 'its context'));
    return { m: r.matches, search: r.search, replace: r.replace, tabWidth: r.tabWidth };
  });
  for (let changed = true; changed; ) {
    changed = false;
    for (let k = 0; k < cands.length; k++) {
      const lo = k > 0 ? Math.min(...cands[k - 1]!.m.map((m) => m.end)) : 0;
      const hi = k + 1 < cands.length ? Math.max(...cands[k + 1]!.m.map((m) => m.start)) : Infinity;
      const kept = cands[k]!.m.filter((m) => m.start >= lo && m.end <= hi);
      if (kept.length && kept.length < cands[k]!.m.length) {
        cands[k]!.m = kept;
        changed = true;
      }
    }
  }
  return cands.map((c, k) => {
    const h = hunks[k]!;
    let m = c.m;
    if (m.length > 1 && h.oldStart !== undefined) {
      const at = m.filter((x) => x.start + 1 === h.oldStart);
      if (at.length === 1) m = at;
    }
    if (m.length > 1) throw new Refusal(ambiguous(`${label}, hunk ${k + 1}`, rel, m).replace('search text', 'its context'));
    const eofNewline = h.noEolNew ? false : h.noEolOld ? true : undefined;
    return {
      start: m[0]!.start,
      end: m[0]!.end,
      lines: buildReplacement(file, m[0]!, c.search, c.replace),
      label: `${label}, hunk ${k + 1}`,
      ...(eofNewline !== undefined ? { eofNewline } : {}),
      ...(c.tabWidth ? { tabWidth: c.tabWidth } : {}),
    };
  });
}

async function symbolReplacement(file: FileText, rel: string, label: string, symbol: string, replaceText: string, ft?: SpanJudge): Promise<Replacement> {
  const grammar = grammarForPath(rel);
  if (!grammar) throw new Refusal(`${label}: ${rel} has no grammar to find symbols in; use a SEARCH/REPLACE block`);
  const text = file.lines.map((l) => l.text).join('\n');
  const found = await findSymbol(grammar, text, symbol, replaceText);
  if ('error' in found) throw new Refusal(`${label}: ${found.error} in ${rel}`);
  const rep = modelLines(replaceText);
  while (rep.length && rep.at(-1)!.trim() === '') rep.pop();
  while (rep.length && rep[0]!.trim() === '') rep.shift();
  const base = leadingWs(rep.find((l) => l.trim() !== '') ?? '');
  // A line indented less than the first one (inside a multi-line string, say) is kept as written.
  const reindented = rep.map((r) => (r.trim() === '' ? '' : r.startsWith(base) ? found.indent + r.slice(base.length) : r));
  // Markers in the new body stand for lines of the definition's old text.
  const expanded = expandElisions(reindented, file.lines.slice(found.startLine, found.endLine).map((l) => l.text), rel, label, ft, found.startLine);
  const lines = expanded.map((text) => ({ text, eol: file.eol, added: true }));
  return { start: found.startLine, end: found.endLine, lines, label };
}

function assemble(file: FileText, reps: Replacement[]): string {
  const sorted = [...reps].sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (b.start < a.end || (b.start === a.end && a.start === a.end && b.start === b.end)) {
      throw new Refusal(`${a.label} and ${b.label} change the same lines (${b.start + 1}–${Math.max(a.end, b.end)}) of the file`);
    }
  }
  const out: Line[] = [];
  let at = 0;
  let eof: boolean | undefined;
  const tabWidth = sorted.find((r) => r.tabWidth)?.tabWidth;
  const styled = matchIndentStyle(file, sorted.flatMap((r) => r.lines), tabWidth);
  let next = 0;
  for (const r of sorted) {
    for (; at < r.start; at++) out.push(file.lines[at]!);
    out.push(...styled.slice(next, next + r.lines.length));
    next += r.lines.length;
    at = r.end;
    if (r.end === file.lines.length && r.eofNewline !== undefined) eof = r.eofNewline;
  }
  for (; at < file.lines.length; at++) out.push(file.lines[at]!);
  const hadNewline = endsWithNewline(file);
  const fixed = out.map((l, i) => (i < out.length - 1 && l.eol === '' ? { ...l, eol: file.eol } : l));
  const last = fixed.at(-1);
  if (last) {
    const want = eof ?? hadNewline;
    fixed[fixed.length - 1] = { ...last, eol: want ? last.eol || file.eol : '' };
  }
  return joinFile({ ...file, lines: fixed });
}

function newFileText(lines: string[], finalNewline: boolean): string {
  if (!lines.length) return '';
  return lines.join('\n') + (finalNewline ? '\n' : '');
}

async function applyToFile(rel: string, before: string | null, edits: Labelled[]): Promise<string | null> {
  const whole = edits.filter((e) => e.edit.kind === 'whole-file');
  if (whole.length && edits.length > 1) throw new Refusal(`${whole[0]!.label}: a whole-file replacement cannot be combined with other edits to ${rel}`);
  const deletes = edits.find((e) => e.edit.kind === 'unified-diff' && e.edit.deletes);
  if (deletes) {
    if (before === null) throw new Refusal(`${deletes.label}: it deletes ${rel}, which does not exist`);
    if (edits.length > 1) throw new Refusal(`${deletes.label}: deleting ${rel} cannot be combined with other edits to it`);
    return null;
  }
  if (before === null) {
    if (edits.length !== 1) throw new Refusal(`${edits[0]!.label}: ${rel} does not exist; create it with one whole-file block, one diff or one SEARCH/REPLACE block with an empty SEARCH`);
    const { edit, label } = edits[0]!;
    if (edit.kind === 'whole-file') {
      if (hasElisionMarkers(modelLines(edit.content), rel)) throw new Refusal(`${label}: ${rel} does not exist, so its elision markers ("... existing code ...") stand for nothing`);
      return edit.content;
    }
    if (edit.kind === 'search-replace' && edit.search.trim() === '') return newFileText(modelLines(edit.replace), true);
    if (edit.kind === 'unified-diff' && edit.parsed.every((h) => h.oldLines.length === 0))
      return newFileText(edit.parsed.flatMap((h) => h.newLines), !edit.parsed.at(-1)?.noEolNew);
    throw new Refusal(`${label}: ${rel} does not exist`);
  }
  if (edits.length === 1 && edits[0]!.edit.kind === 'unified-diff' && edits[0]!.edit.creates && before !== '') {
    throw new Refusal(`${edits[0]!.label}: it creates ${rel}, which already exists`);
  }
  const file = splitFile(before);
  // Edits with elision markers: the original's syntax tree says what a marker may stand for (whole definitions or
  // statements): windows of it in a large file, or the whole tree, which goes to the tree cache too, so the syntax
  // check re-parses only what the edit changed (span-windows.ts).
  const ft = await markerJudge(rel, before, edits);
  try {
    return await applyParsed(rel, before, file, edits, whole, ft);
  } finally {
    ft?.dispose();
  }
}

/** What the elision markers in a file's edits may stand for (span-windows.ts); undefined without markers or a grammar. */
async function markerJudge(rel: string, before: string, edits: Labelled[]): Promise<SpanJudge | undefined> {
  const grammar = grammarForPath(rel);
  if (!grammar) return undefined;
  const written = (e: ModelEdit) => (e.kind === 'whole-file' ? e.content : e.kind === 'search-replace' || e.kind === 'replace-symbol' ? e.replace : '');
  if (!edits.some((e) => hasElisionMarkers(modelLines(written(e.edit)), rel))) return undefined;
  try {
    return await spanJudge(grammar, before);
  } catch {
    return undefined; // no grammar: markers are resolved by text and indentation alone
  }
}

async function applyParsed(rel: string, before: string, file: FileText, edits: Labelled[], whole: Labelled[], ft: SpanJudge | undefined): Promise<string | null> {
  if (whole.length) {
    const e = whole[0]!.edit as Extract<ModelEdit, { kind: 'whole-file' }>;
    // `// ... existing code ...` lines stand for the original lines between the anchors around them.
    const lines = expandElisions(modelLines(e.content), file.lines.map((l) => l.text), rel, whole[0]!.label, ft);
    const hadNewline = before === '' || endsWithNewline(file);
    return joinFile({ ...file, lines: lines.map((text, i) => ({ text, eol: i < lines.length - 1 || hadNewline ? file.eol : '' })) });
  }
  if (file.lines.length === 0 && edits.length === 1 && edits[0]!.edit.kind === 'search-replace' && edits[0]!.edit.search.trim() === '') {
    return (file.bom ? '\uFEFF' : '') + newFileText(modelLines(edits[0]!.edit.replace), true);
  }
  const one = async (f: FileText, { edit, label }: Labelled): Promise<Replacement[]> => {
    // The tree describes the original text only (blocks applied in sequence see an edited one).
    const t = f === file ? ft : undefined;
    if (edit.kind === 'search-replace') return [searchReplace(f, rel, label, edit.search, edit.replace, t)];
    if (edit.kind === 'unified-diff') return diffHunks(f, rel, label, edit.parsed);
    if (edit.kind === 'replace-symbol') return [await symbolReplacement(f, rel, label, edit.symbol, edit.replace, t)];
    return [];
  };
  try {
    // Every block is located in the original text, so their order does not matter.
    const reps: Replacement[] = [];
    for (const e of edits) reps.push(...(await one(file, e)));
    return assemble(file, reps);
  } catch (err) {
    // A block found nowhere may quote text an earlier block writes (Aider's blocks apply in sequence): try that
    // order, each block still required to match exactly one place; otherwise the first refusal stands.
    if (!(err instanceof NotFound) || edits.length < 2 || edits.some((e) => e.edit.kind === 'unified-diff')) throw err;
    let current = before;
    try {
      for (const e of edits) {
        const f = splitFile(current);
        current = assemble(f, await one(f, e));
      }
    } catch {
      throw err;
    }
    return current;
  }
}

export function toRel(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}

async function resolveTarget(root: string, written: string, label: string): Promise<{ abs: string; rel: string }> {
  const cleaned = written.replace(/^\.\//, '');
  let abs: string;
  try {
    abs = await confinedPath(root, cleaned);
  } catch (err) {
    if (err instanceof ConfinementError) throw new Refusal(`${label}: ${err.message}`);
    throw err;
  }
  // A symlink that stays inside the workspace is followed: the file it points to is edited, the link is kept.
  try {
    const real = await fs.realpath(abs);
    if (real !== abs) abs = path.join(root, path.relative(await fs.realpath(root), real));
  } catch {
    // does not exist yet: created where named
  }
  const rel = toRel(root, abs);
  if (FORBIDDEN_DIRS.some((d) => rel === d || rel.startsWith(`${d}/`))) throw new Refusal(`${label}: refused path ${written}: nootropic does not edit ${rel.split('/')[0]}/`);
  return { abs, rel };
}

async function readDisk(abs: string, rel: string): Promise<string | null> {
  let buf: Buffer;
  try {
    const st = await fs.stat(abs);
    if (st.isDirectory()) throw new Refusal(`${rel} is a folder, not a file`);
    if (st.size > MAX_BYTES) throw new Refusal(`${rel} is larger than ${MAX_BYTES} bytes`);
    buf = await fs.readFile(abs);
  } catch (err) {
    if (err instanceof Refusal) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Refusal(`${rel} cannot be read: ${(err as Error).message}`);
  }
  if (buf.subarray(0, 8000).includes(0)) throw new Refusal(`${rel} is a binary file`);
  const text = buf.toString('utf8');
  if (text.includes('\uFFFD') && !buf.includes(Buffer.from('\uFFFD'))) throw new Refusal(`${rel} is not UTF-8 text`);
  return text;
}

export async function planEdits(req: PlanRequest): Promise<Plan> {
  try {
    const root = path.resolve(req.root);
    const parsed = parseModelEdits(req.text, { singleFile: req.targetFile !== undefined });
    if (parsed.problems.length) return { ok: false, reason: parsed.problems.join('; ') };
    if (!parsed.edits.length)
      return { ok: false, reason: 'no edits found: expected SEARCH/REPLACE blocks, a unified diff, a fenced whole file under its path, or a SYMBOL block' };
    const labelled = labelEdits(parsed.edits);
    const target = req.targetFile !== undefined ? await resolveTarget(root, path.isAbsolute(req.targetFile) ? path.relative(root, req.targetFile) || req.targetFile : req.targetFile, 'target file') : undefined;
    const groups = new Map<string, { abs: string; edits: Labelled[] }>();
    const warnings: string[] = [];
    for (const l of labelled) {
      if (!target && !l.edit.path) throw new Refusal(`${l.label}: no file path`);
      const t = target ?? (await resolveTarget(root, l.edit.path, l.label));
      // Next to other edits, a fenced block under a file name replaces that file only when it is new: an existing
      // file is not overwritten by what may be an illustration.
      if (l.edit.kind === 'whole-file' && l.edit.mixed && (req.overlay?.(t.abs) !== undefined || (await readDisk(t.abs, t.rel)) !== null)) {
        warnings.push(`ignored the fenced block under ${l.edit.path || t.rel}: ${t.rel} exists and the text also has other edits (send a whole file alone to replace it)`);
        continue;
      }
      const g = groups.get(t.rel) ?? { abs: t.abs, edits: [] };
      g.edits.push(l);
      groups.set(t.rel, g);
    }
    if (!groups.size) return { ok: false, reason: `no edits to apply: ${warnings.join('; ')}` };
    const files: PlannedFile[] = [];
    for (const [rel, g] of groups) {
      const onDisk = await readDisk(g.abs, rel);
      const before = req.overlay?.(g.abs) ?? onDisk;
      const after = await applyToFile(rel, before, g.edits);
      if (after === before) continue;
      if (after !== null) {
        const verdict = await checkSyntax(rel, before, after);
        if (!verdict.checked) warnings.push(`${rel}: ${verdict.why}`);
        else if (verdict.introduced.length) {
          const p = verdict.introduced[0]!;
          const labels = g.edits.map((e) => e.label).join(', ');
          throw new Refusal(
            `${labels}: the edit introduces a syntax error in ${rel} at line ${p.start.line + 1}, column ${p.start.character + 1}: ${p.message}` +
              (verdict.introduced.length > 1 ? ` (and ${verdict.introduced.length - 1} more)` : ''),
          );
        }
      }
      files.push({ rel, abs: g.abs, onDisk, before, after });
    }
    return { ok: true, files, warnings };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, reason: err.message };
    throw err;
  }
}
