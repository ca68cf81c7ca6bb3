/**
 * Finds where a block of lines the model quoted (a SEARCH text or a hunk's old side) sits in a file, and builds
 * its replacement. Exact first; then, only when that finds nothing, progressively more tolerant comparisons:
 * trailing whitespace, a uniform indentation shift, blank lines at the block's edges. Line endings never
 * matter (lines are compared without them) and the file keeps its own. Each level must find exactly one place;
 * several is "ambiguous" and nothing is guessed.
 */
import { diffArrays } from 'diff';
import { leadingWs, type FileText, type Line } from './text';

export type MatchLevel = 'exact' | 'trailing-whitespace' | 'indentation' | 'blank-lines';

export interface Match {
  start: number;
  /** Exclusive. */
  end: number;
  level: MatchLevel;
  /** Indentation the file has that the quoted block lacks (prefix for new lines)… */
  add?: string;
  /** …or indentation the quoted block has that the file lacks (removed from new lines). */
  remove?: string;
}

export type LocateResult = { matches: Match[]; level: MatchLevel | undefined; trimmed?: { lead: number; trail: number } };

function rtrim(s: string): string {
  return s.replace(/[ \t\f\v\r]+$/, '');
}

function findAll(file: Line[], search: string[], same: (fileLine: string, searchLine: string) => boolean, lo: number, hi: number): number[] {
  const out: number[] = [];
  const n = search.length;
  const first = search[0]!;
  for (let s = lo; s + n <= hi; s++) {
    if (!same(file[s]!.text, first)) continue;
    let ok = true;
    for (let k = 1; k < n; k++) {
      if (!same(file[s + k]!.text, search[k]!)) {
        ok = false;
        break;
      }
    }
    if (ok) out.push(s);
  }
  return out;
}

/** Uniform indentation shift at `s`: every non-blank line differs by the same prefix (added or removed). */
function shiftAt(file: Line[], search: string[], s: number): { add?: string; remove?: string } | undefined {
  let add: string | undefined;
  let remove: string | undefined;
  let decided = false;
  for (let k = 0; k < search.length; k++) {
    const f = rtrim(file[s + k]!.text);
    const q = rtrim(search[k]!);
    if (q === '' || f === '') {
      if (q !== f) return undefined;
      continue;
    }
    const fi = leadingWs(f);
    const qi = leadingWs(q);
    if (f.slice(fi.length) !== q.slice(qi.length)) return undefined;
    if (!decided) {
      decided = true;
      if (fi.length >= qi.length && fi.endsWith(qi)) add = fi.slice(0, fi.length - qi.length);
      else if (qi.endsWith(fi)) remove = qi.slice(0, qi.length - fi.length);
      else return undefined;
      continue;
    }
    if (add !== undefined ? fi !== add + qi : qi !== remove! + fi) return undefined;
  }
  if (!decided) return undefined;
  return add ? { add } : remove ? { remove } : {};
}

function locateLines(file: Line[], search: string[], lo: number, hi: number): LocateResult {
  const n = search.length;
  const exact = findAll(file, search, (f, q) => f === q, lo, hi);
  if (exact.length) return { level: 'exact', matches: exact.map((s) => ({ start: s, end: s + n, level: 'exact' })) };
  const ws = findAll(file, search, (f, q) => rtrim(f) === rtrim(q), lo, hi);
  if (ws.length) return { level: 'trailing-whitespace', matches: ws.map((s) => ({ start: s, end: s + n, level: 'trailing-whitespace' })) };
  const indent: Match[] = [];
  const firstText = search.find((q) => q.trim() !== '')?.trim();
  if (firstText === undefined) return { level: undefined, matches: [] };
  for (let s = lo; s + n <= hi; s++) {
    // Cheap filter: the first non-blank quoted line must appear (trimmed) at its offset.
    const k = search.findIndex((q) => q.trim() !== '');
    if (file[s + k]!.text.trim() !== firstText) continue;
    const shift = shiftAt(file, search, s);
    if (shift) indent.push({ start: s, end: s + n, level: 'indentation', ...shift });
  }
  if (indent.length) return { level: 'indentation', matches: indent };
  return { level: undefined, matches: [] };
}

/** Where `search` (lines the model quoted) sits in `file` between lines lo and hi. */
export function locate(file: Line[], search: string[], lo = 0, hi = file.length): LocateResult {
  const r = locateLines(file, search, lo, hi);
  if (r.matches.length) return r;
  // Blank lines at the edges of the quoted block are often the model's spacing: try once without them.
  let lead = 0;
  while (lead < search.length && search[lead]!.trim() === '') lead++;
  let trail = 0;
  while (trail < search.length - lead && search[search.length - 1 - trail]!.trim() === '') trail++;
  if ((lead || trail) && lead + trail < search.length) {
    const inner = locateLines(file, search.slice(lead, search.length - trail), lo, hi);
    if (inner.matches.length) return { ...inner, trimmed: { lead, trail } };
  }
  return r;
}

/**
 * The lines that replace `m`: lines the model kept unchanged (same in its search and replace text) are copied from
 * the file as they are (indentation, trailing whitespace, line ending); new lines are re-indented by the match's
 * shift and get the file's line ending.
 */
export function buildReplacement(file: FileText, m: Match, search: string[], replace: string[]): Line[] {
  const out: Line[] = [];
  // Beyond an exact match the model's whitespace is evidently unreliable: lines are paired ignoring trailing
  // whitespace, and the new lines it wrote lose theirs.
  const tolerant = m.level !== 'exact';
  const reindent = (r: string): string => {
    if (tolerant) r = rtrim(r);
    if (r.trim() === '') return r;
    if (m.add) return m.add + r;
    if (m.remove) return r.startsWith(m.remove) ? r.slice(m.remove.length) : r.replace(/^[ \t]*/, (ws) => (ws.length >= m.remove!.length ? ws.slice(m.remove!.length) : ''));
    return r;
  };
  const key = tolerant ? (l: string) => rtrim(l) : (l: string) => l;
  const parts = diffArrays(search.map(key), replace.map(key));
  let si = 0;
  let ri = 0;
  for (const part of parts) {
    const count = part.value.length;
    if (part.removed) si += count;
    else if (part.added) {
      for (let k = 0; k < count; k++) out.push({ text: reindent(replace[ri + k]!), eol: file.eol });
      ri += count;
    } else {
      for (let k = 0; k < count; k++) out.push({ ...file.lines[m.start + si + k]! });
      si += count;
      ri += count;
    }
  }
  return out;
}

/** Trims the blank edge lines `locate` ignored from both sides of a block. */
export function trimBlankEdges(search: string[], replace: string[], lead: number, trail: number): { search: string[]; replace: string[] } {
  const s = search.slice(lead, search.length - trail);
  let r = replace;
  let l = 0;
  while (l < lead && l < r.length && r[l]!.trim() === '') l++;
  r = r.slice(l);
  let t = 0;
  while (t < trail && t < r.length && r[r.length - 1 - t]!.trim() === '') t++;
  return { search: s, replace: r.slice(0, r.length - t) };
}

const toTabs = (w: number) => (l: string) => l.replace(/^ +/, (sp) => '\t'.repeat(Math.floor(sp.length / w)) + ' '.repeat(sp.length % w));
const toSpaces = (w: number) => (l: string) => l.replace(/^\t+/, (tabs) => ' '.repeat(tabs.length * w));

export interface Located {
  matches: Match[];
  /** The quoted and replacement lines as they must be used for the match (edges trimmed, indentation converted). */
  search: string[];
  replace: string[];
}

/**
 * `locate` plus two repairs of what the model quoted: blank edge lines dropped, and indentation written with
 * spaces where the file has tabs (or the reverse), tried at tab widths 2, 4 and 8. A conversion is used only when
 * every width that finds anything finds the same single place.
 */
export function locateBlock(file: Line[], search: string[], replace: string[], lo = 0, hi = file.length): Located {
  const direct = locate(file, search, lo, hi);
  const finish = (r: LocateResult, s: string[], rep: string[]): Located => ({ matches: r.matches, ...(r.trimmed ? trimBlankEdges(s, rep, r.trimmed.lead, r.trimmed.trail) : { search: s, replace: rep }) });
  if (direct.matches.length) return finish(direct, search, replace);
  const hasSpaces = search.some((l) => /^ {2,}\S/.test(l));
  const hasTabs = search.some((l) => /^\t/.test(l));
  const conversions = [...(hasSpaces ? [2, 4, 8].map(toTabs) : []), ...(hasTabs ? [2, 4, 8].map(toSpaces) : [])];
  const found: Located[] = [];
  for (const convert of conversions) {
    const s = search.map(convert);
    const r = locate(file, s, lo, hi);
    if (r.matches.length) found.push(finish(r, s, replace.map(convert)));
  }
  if (!found.length) return { matches: [], search, replace };
  const starts = new Set(found.flatMap((f) => f.matches.map((m) => m.start)));
  if (starts.size === 1) return found[0]!;
  const byStart = new Map(found.flatMap((f) => f.matches.map((m) => [m.start, m] as const)));
  return { matches: [...byStart.values()].sort((a, b) => a.start - b.start), search, replace };
}
