/**
 * Elided code: models (and "fast apply" prompts) write whole files, REPLACE sides and symbol bodies with the
 * unchanged parts replaced by a comment — `// ... existing code ...`, `# ... rest of the code unchanged ...`,
 * `<!-- ... -->`. Such a line stands for the original lines between the anchors around it. Each marker is resolved
 * to exactly one span of the original or the edit is refused with the reason; a marker never deletes code.
 *
 * How a marker is resolved (the original is the whole file, the SEARCH text or the symbol's old text):
 * - the text before it ends at its *tail anchor*: the last line(s) of that text that occur exactly once in the
 *   original (after the previous anchor); the text after it starts at its *head anchor*, found the same way;
 * - the marker stands for the original lines between the two anchors; new lines the model wrote between an anchor
 *   and the marker are insertions, except a line that is a rewrite of the original line at the span's edge
 *   (similar text, same indentation), which replaces it;
 * - a marker indented into a body stands for statements of that body: a span line indented less than the marker
 *   means the anchors were found in another block, and the edit is refused;
 * - the text before the first marker starts where the original starts, the text after the last one ends where it
 *   ends (for a whole file: the file's first and last lines).
 * Only a line that is nothing but a comment counts, so real code (`...args`, Python's `...`, Go's `xs...`) never
 * does, and a comment the original has word for word is a quote of it (a bare `// ...` excepted). With a grammar
 * for the file, the syntax tree has the last word (span-check.ts): a marker stands for whole definitions,
 * statements or items of one parent, and lines beside it that equal the span's edge lines (`/**`, `}`) are read
 * the way that makes it so; a span that cuts a node is refused. The result goes through the same syntax check as
 * any edit.
 */
import path from 'node:path';
import { leadingWs } from './text';

type CommentStyle = 'slash' | 'hash' | 'block' | 'dash' | 'html';

const STYLES_BY_EXT: Record<string, CommentStyle[]> = {
  ts: ['slash', 'block'], tsx: ['slash', 'block', 'html'], js: ['slash', 'block'], jsx: ['slash', 'block', 'html'], mjs: ['slash', 'block'], cjs: ['slash', 'block'],
  mts: ['slash', 'block'], cts: ['slash', 'block'], go: ['slash', 'block'], rs: ['slash', 'block'], java: ['slash', 'block'], kt: ['slash', 'block'],
  cs: ['slash', 'block'], c: ['slash', 'block'], h: ['slash', 'block'], cc: ['slash', 'block'], cpp: ['slash', 'block'], hpp: ['slash', 'block'],
  swift: ['slash', 'block'], scala: ['slash', 'block'], dart: ['slash', 'block'], css: ['block'], scss: ['slash', 'block'], less: ['slash', 'block'],
  php: ['slash', 'hash', 'block'], py: ['hash'], pyi: ['hash'], rb: ['hash'], sh: ['hash'], bash: ['hash'], zsh: ['hash'], yaml: ['hash'], yml: ['hash'],
  toml: ['hash'], r: ['hash'], pl: ['hash'], ex: ['hash'], exs: ['hash'], nim: ['hash'], sql: ['dash', 'block'], lua: ['dash'], hs: ['dash'],
  html: ['html'], htm: ['html'], xml: ['html'], svg: ['html'], vue: ['html', 'slash', 'block'], svelte: ['html', 'slash', 'block'], md: ['html'],
};
const ALL_STYLES: CommentStyle[] = ['slash', 'hash', 'block', 'dash', 'html'];

export function commentStylesFor(relPath: string): CommentStyle[] {
  const ext = path.extname(relPath).slice(1).toLowerCase();
  return STYLES_BY_EXT[ext] ?? ALL_STYLES;
}

const COMMENT: Record<CommentStyle, RegExp> = {
  slash: /^\/\/+(.*)$/,
  hash: /^#+(?![!\[{(])(.*)$/,
  block: /^\/\*+(.*?)\*+\/$/,
  dash: /^--+(.*)$/,
  html: /^<!--(.*?)-->$/,
};

const ELLIPSIS = /\.{3,}|…/;
const KEYWORD = /\b(existing|rest|remaining|unchanged|same|previous|other|omitted|original|as before|keep|more)\b/;
const PLAIN = new RegExp(
  '^(?:' +
    [
      '(?:the )?rest of (?:the )?(?:code|file|function|method|class|body|implementation|module|component|imports?)(?: (?:is|remains|stays))?(?: the same| unchanged| as before)?',
      '(?:existing|remaining|other|unchanged|previous) (?:code|methods|functions|imports|tests|statements|fields|properties|cases|lines)(?: (?:is|are|remain|remains|stay|stays))?(?: the same| unchanged| as before)?',
      'unchanged',
      '(?:keep|keeps) (?:the )?existing code',
      '(?:code|lines) (?:omitted|unchanged)(?: for brevity)?',
    ].join('|') +
    ')[.:;!]*$',
);

/** The comment's text when `line` is nothing but one comment in one of `styles`. */
function commentBody(line: string, styles: CommentStyle[]): string | undefined {
  const t = line.trim();
  for (const s of styles) {
    const m = COMMENT[s].exec(t);
    if (m) return m[1]!;
  }
  return undefined;
}

/** Is this line an elision marker (a comment standing for unchanged code) in a file with these comment styles? */
export function isElisionMarker(line: string, styles: CommentStyle[]): boolean {
  const body = commentBody(line, styles);
  if (body === undefined) return false;
  const t = body.trim().toLowerCase().replace(/\s+/g, ' ');
  if (!t) return false;
  if (/^(?:\.{3,}|…)(?:\s*(?:\.{3,}|…))*$/.test(t)) return true;
  if (ELLIPSIS.test(t)) {
    // `... existing code ...`, `… rest of the file unchanged …`: an ellipsis plus a word saying "the old code".
    const words = t.replace(/\.{3,}|…/g, ' ').trim();
    return KEYWORD.test(words) && words.split(' ').length <= 10;
  }
  return PLAIN.test(t);
}

/** A comment that is nothing but an ellipsis (`// ...`, `# …`). */
function isBareEllipsis(line: string, styles: CommentStyle[]): boolean {
  const body = commentBody(line, styles);
  return body !== undefined && /^(?:\.{3,}|…)(?:\s*(?:\.{3,}|…))*$/.test(body.trim());
}

export function hasElisionMarkers(lines: readonly string[], relPath: string): boolean {
  const styles = commentStylesFor(relPath);
  return lines.some((l) => isElisionMarker(l, styles));
}

export class ElisionError extends Error {}

const norm = (s: string) => s.trim();

function indentWidth(s: string): number {
  let w = 0;
  for (const c of leadingWs(s)) w += c === '\t' ? 4 : 1;
  return w;
}

/** Character-bigram Dice similarity of two trimmed lines (1 = same). */
function similarity(a: string, b: string): number {
  const x = a.trim();
  const y = b.trim();
  if (x === y) return 1;
  if (x.length < 2 || y.length < 2) return 0;
  const grams = new Map<string, number>();
  for (let i = 0; i < x.length - 1; i++) grams.set(x.slice(i, i + 2), (grams.get(x.slice(i, i + 2)) ?? 0) + 1);
  let both = 0;
  for (let i = 0; i < y.length - 1; i++) {
    const g = y.slice(i, i + 2);
    const n = grams.get(g) ?? 0;
    if (n > 0) {
      both++;
      grams.set(g, n - 1);
    }
  }
  return (2 * both) / (x.length - 1 + (y.length - 1));
}

/** A model line that rewrites an original line: same indentation, clearly related text, not a bracket alone. */
function rewrites(model: string, orig: string): boolean {
  if (!/[\w$]{2}/.test(model) || !/[\w$]{2}/.test(orig)) return false;
  if (leadingWs(model) !== leadingWs(orig)) return false;
  return similarity(model, orig) >= 0.6;
}

/** Positions in orig[lo, hi) where block (trimmed lines) occurs. */
function occurrences(orig: string[], block: string[], lo: number, hi: number, limit = 2): number[] {
  const out: number[] = [];
  const first = block[0]!;
  for (let s = lo; s + block.length <= hi; s++) {
    if (orig[s] !== first) continue;
    let ok = true;
    for (let k = 1; k < block.length; k++)
      if (orig[s + k] !== block[k]) {
        ok = false;
        break;
      }
    if (ok) {
      out.push(s);
      if (out.length >= limit) break;
    }
  }
  return out;
}

/** A line that can anchor by itself: it has a word, not only brackets, comment stars or punctuation. */
function distinctive(line: string): boolean {
  return /[\w$]{3}/.test(line);
}

interface Anchor {
  /** Index in the segment of the anchor's first line and its length. */
  at: number;
  len: number;
  /** Where it sits in the original. */
  pos: number;
}

/**
 * The anchor at one end of a segment: the lines nearest the marker that occur exactly once in orig[lo, hi).
 * `fromEnd` searches the segment's tail (text before a marker), else its head (text after one).
 */
function findAnchor(seg: string[], orig: string[], lo: number, hi: number, fromEnd: boolean): Anchor | 'ambiguous' | undefined {
  let sawAmbiguous = false;
  const idx = seg.map((_, i) => i).filter((i) => seg[i] !== '');
  const order = fromEnd ? [...idx].reverse() : idx;
  for (const t of order) {
    // New lines between the marker and the anchor: the anchor's edge toward them must say something (a `}` there
    // may close the new code, not the original's).
    if (!distinctive(seg[t]!) && (fromEnd ? seg.slice(t + 1) : seg.slice(0, t)).some(distinctive)) continue;
    for (let h = 1; ; h++) {
      const at = fromEnd ? t - h + 1 : t;
      if (at < 0 || at + h > seg.length) {
        sawAmbiguous = true;
        break;
      }
      const block = seg.slice(at, at + h);
      const occ = occurrences(orig, block, lo, hi);
      // Unique is not enough for `}` or ` *`: an anchor needs a line that says something.
      if (occ.length === 1 && block.some(distinctive)) return { at, len: h, pos: occ[0]! };
      if (occ.length === 0) break;
    }
  }
  return sawAmbiguous ? 'ambiguous' : undefined;
}

export interface ElisionContext {
  /** 'whole': the text before the first marker starts at the original's start, after the last ends at its end. */
  label: string;
  /** Line numbers in messages are 1-based positions in what the model wrote. */
  firstLine?: number;
  /**
   * The syntax tree's word on a span of the original (lines [s, e)): true when it is a run of whole definitions
   * or statements of one parent (span-check.ts), false when it cuts one; undefined without a tree.
   */
  spanOk?: (s: number, e: number) => boolean | undefined;
}

/**
 * Replaces every marker line in `model` by the original lines it stands for. `orig` is what the model's text
 * replaces as a whole (the file, the SEARCH text, the symbol's old text); returns the complete new lines.
 */
export function resolveElisions(model: string[], orig: string[], styles: CommentStyle[], ctx: ElisionContext): string[] {
  // A comment the original already has, word for word, is the model quoting it (`// wait for more data...`), not
  // eliding: only a bare `// ...` stays a marker wherever it is.
  const inOrig = new Set(orig.map(norm));
  const markers = model.map((l, i) => (isElisionMarker(l, styles) && (isBareEllipsis(l, styles) || !inOrig.has(norm(l))) ? i : -1)).filter((i) => i >= 0);
  if (!markers.length) return model;
  const at = (i: number) => `line ${i + (ctx.firstLine ?? 1)}`;
  const segs: string[][] = [];
  let from = 0;
  for (const m of markers) {
    segs.push(model.slice(from, m));
    from = m + 1;
  }
  segs.push(model.slice(from));
  for (let k = 1; k < segs.length - 1; k++) {
    if (segs[k]!.every((l) => l.trim() === '')) throw new ElisionError(`${ctx.label}: the elision markers at ${at(markers[k - 1]!)} and ${at(markers[k]!)} have no code between them to anchor them`);
  }
  const o = orig.map(norm);
  const segsN = segs.map((s) => s.map(norm));
  // Head anchors, in order: each segment after a marker must start from a place found exactly once.
  const heads: (Anchor | undefined)[] = [undefined];
  let lo = 0;
  for (let k = 1; k < segs.length; k++) {
    if (segsN[k]!.every((l) => l === '')) {
      // Nothing after the last marker: it runs to the end.
      heads.push(undefined);
      continue;
    }
    let a = findAnchor(segsN[k]!, o, lo, o.length, false);
    // The last segment ends where the original ends: when its head is not unique (`}` alone), its tail lines that
    // end the original anchor it; with nothing of it in the original, it is all new lines before the end.
    if (k === segs.length - 1) a = lastHead(segsN[k]!, o, lo, a);
    if (a === 'ambiguous') {
      // Text that recurs (`@memoize` kept above each elided function) is placed by the order of what follows it.
      const placed = placeInOrder(segsN, k, o, lo);
      if (placed) {
        heads.push(...placed);
        k += placed.length - 1;
        lo = placed.at(-1)!.pos + placed.at(-1)!.len;
        continue;
      }
      a = closeOfBlock(segs, segsN, k, orig, o, heads[k - 1], indentWidth(model[markers[k - 1]!]!)) ?? a;
    }
    if (a === 'ambiguous') throw new ElisionError(`${ctx.label}: the code after the elision marker at ${at(markers[k - 1]!)} matches several places of the original; quote more unchanged lines around the marker`);
    if (!a) throw new ElisionError(`${ctx.label}: the code after the elision marker at ${at(markers[k - 1]!)} is not found in the original, so what the marker stands for is unknown`);
    heads.push(a);
    lo = a.pos + a.len;
  }
  const out: string[] = [];
  let regionStart = 0; // where the current segment's region starts in orig
  for (let k = 0; k < segs.length; k++) {
    const seg = segs[k]!;
    const head = heads[k];
    if (k === segs.length - 1) {
      out.push(...seg);
      break;
    }
    // Tail anchor of this segment, between its start and the next segment's head.
    let next = heads[k + 1];
    const segStart = head ? head.pos : regionStart;
    // The next segment's head was found after this segment's head, not after its tail: when the lines of this
    // segment nearest the marker are found only beyond that head, the head was taken from new lines that repeat
    // an original line (a new function's `@param` line) and is found again after this segment's tail.
    if (next && !segsN[k]!.every((l) => l === '')) {
      // Only the lines from the segment's head on: those before it are new lines (a blank line there must not
      // make a block that starts before segStart look like a unique anchor further on).
      const free = findAnchor(segsN[k]!.slice(head?.at ?? 0), o, segStart, o.length, true);
      if (typeof free === 'object' && free.pos + free.len > next.pos) {
        const again = findAnchor(segsN[k + 1]!, o, free.pos + free.len, o.length, false);
        if (typeof again !== 'object') throw new ElisionError(`${ctx.label}: the code after the elision marker at ${at(markers[k]!)} is not found after the code before it in the original, so what the marker stands for is unknown`);
        next = heads[k + 1] = again;
      }
    }
    const hi = next ? next.pos : o.length;
    let spanStart: number;
    let pre: string[];
    const keep: string[] = [...seg];
    if (segsN[k]!.every((l) => l === '')) {
      spanStart = segStart;
      pre = seg;
      keep.length = 0;
    } else {
      // A head that already holds the segment's last lines is its tail too (text that recurs, placed by order).
      const lastText = segsN[k]!.findLastIndex((l) => l !== '');
      let tail = head && head.at + head.len > lastText ? { at: head.at, len: head.len, pos: head.pos } : findAnchor(segsN[k]!, o, segStart, hi, true);
      // The first segment starts where the original starts: its first lines anchor it when nothing else does.
      if (typeof tail !== 'object' && k === 0) tail = startAnchor(segsN[k]!, o, hi) ?? tail;
      if (typeof tail === 'object' && head && tail.at < head.at) tail = 'ambiguous';
      // Nothing of it is in the original: all new lines, written at the original's start.
      if (tail === undefined && k === 0) tail = { at: 0, len: 0, pos: 0 };
      if (tail === 'ambiguous') throw new ElisionError(`${ctx.label}: the code before the elision marker at ${at(markers[k]!)} matches several places of the original; quote more unchanged lines around the marker`);
      if (!tail) throw new ElisionError(`${ctx.label}: the code before the elision marker at ${at(markers[k]!)} is not found in the original, so what the marker stands for is unknown`);
      spanStart = tail.pos + tail.len;
      pre = seg.slice(tail.at + tail.len);
      keep.length = tail.at + tail.len;
    }
    // The segment after the marker: new lines before its head anchor.
    const nextSeg = segs[k + 1]!;
    const post = next ? nextSeg.slice(0, next.at) : [];
    let spanEnd = next ? next.pos : o.length;
    if (spanEnd < spanStart) throw new ElisionError(`${ctx.label}: the code around the elision marker at ${at(markers[k]!)} is out of order with the original`);
    // New lines next to the marker that rewrite the span's edge lines replace them (a changed line beside "...").
    let p = 0;
    const preNonBlank = pre.filter((l) => l.trim() !== '');
    while (p < preNonBlank.length && spanStart < spanEnd && rewrites(preNonBlank[p]!, orig[spanStart]!)) {
      spanStart++;
      p++;
    }
    const postNonBlank = post.filter((l) => l.trim() !== '');
    let q = postNonBlank.length - 1;
    while (q >= 0 && spanEnd > spanStart && rewrites(postNonBlank[q]!, orig[spanEnd - 1]!)) {
      spanEnd--;
      q--;
    }
    // The syntax tree decides where the span's edges are: lines the model wrote beside the marker that equal the
    // span's edge lines (`/**`, `}`, blank lines, which cannot anchor by themselves) are either those original
    // lines or new ones; the reading under which the marker stands for whole definitions or statements wins, the
    // one that keeps the most of what the model wrote first. When no reading does, the edit is refused.
    let treeSaid: boolean | undefined;
    if (ctx.spanOk && orig.slice(spanStart, spanEnd).some((l) => l.trim() !== '')) {
      // Past the lines taken above as rewrites of the span's edge lines (a changed `@returns` line, then the
      // comment's ` */`, which is the original's).
      const preFrom = p ? nthNonBlank(pre, p) + 1 : 0;
      const postTo = q < postNonBlank.length - 1 ? nthNonBlank(post, q + 2) : post.length;
      let maxJ = 0;
      while (preFrom + maxJ < pre.length && spanStart + maxJ < spanEnd && norm(pre[preFrom + maxJ]!) === o[spanStart + maxJ]) maxJ++;
      let maxK = 0;
      while (maxK < postTo && spanEnd - maxK - 1 >= spanStart && norm(post[postTo - 1 - maxK]!) === o[spanEnd - 1 - maxK]) maxK++;
      let chosen: [number, number] | undefined;
      for (let total = maxJ + maxK; total >= 0 && !chosen; total--) {
        for (let j = Math.min(total, maxJ); j >= 0 && total - j <= maxK; j--) {
          const e = spanEnd - (total - j);
          const s = spanStart + j;
          if (s > e) continue;
          const ok = orig.slice(s, e).every((l) => l.trim() === '') || ctx.spanOk(s, e);
          if (ok === undefined) break;
          if (ok) {
            chosen = [s, e];
            break;
          }
        }
      }
      // Still no whole reading: the model may have rewritten the span's edge lines and added lines among them (a
      // doc comment reworded over two lines after the marker). The span's last (first) m lines, each found in
      // order among the lines written after (before) the marker, equal or rewritten, are those lines' originals.
      for (let m = 1; !chosen && m <= MAX_EDGE_ALIGN && spanEnd - m > spanStart; m++) {
        if (!alignsInOrder(orig.slice(spanEnd - m, spanEnd), post)) continue;
        if (ctx.spanOk(spanStart, spanEnd - m)) chosen = [spanStart, spanEnd - m];
      }
      for (let m = 1; !chosen && m <= MAX_EDGE_ALIGN && spanStart + m < spanEnd; m++) {
        if (!alignsInOrder(orig.slice(spanStart, spanStart + m), pre)) continue;
        if (ctx.spanOk(spanStart + m, spanEnd)) chosen = [spanStart + m, spanEnd];
      }
      if (chosen) {
        [spanStart, spanEnd] = chosen;
        treeSaid = true;
      } else if (ctx.spanOk(spanStart, spanEnd) === false) treeSaid = false;
    }
    if (treeSaid === false)
      throw new ElisionError(
        `${ctx.label}: the elision marker at ${at(markers[k]!)} would stand for part of a definition or statement (original lines ${spanStart + 1}–${spanEnd}), not whole ones; quote the unchanged lines around it`,
      );
    const span = orig.slice(spanStart, spanEnd);
    const markerIndent = indentWidth(model[markers[k]!]!);
    // Inside a body, a new statement between an anchor and the marker may replace the statement at the span's
    // edge (a multi-line one, say) or come before it: the text does not say which, so nothing is guessed. Between
    // definitions (a marker at the left margin) new lines are new definitions.
    if (markerIndent > 0 && span.some((l) => l.trim() !== '') && (p < preNonBlank.length || q >= 0))
      throw new ElisionError(
        `${ctx.label}: the changed lines next to the elision marker at ${at(markers[k]!)} may replace original lines it stands for or be added before them; quote the unchanged line next to the marker`,
      );
    // Without a tree, indentation stands in for it (a multi-line string at the margin can fool it; the tree cannot).
    const shallow = treeSaid ? -1 : span.findIndex((l) => l.trim() !== '' && indentWidth(l) < markerIndent);
    if (shallow >= 0)
      throw new ElisionError(`${ctx.label}: the elision marker at ${at(markers[k]!)} is indented into a block, but the original lines it would stand for run out of that block (original line ${spanStart + shallow + 1}); quote more unchanged lines around it`);
    // Blank lines around the marker are the model's spacing: the span's own blank lines win.
    let preOut = pre;
    const dropPre = Math.min(trailingBlank(preOut), leadingBlank(span));
    if (dropPre) preOut = preOut.slice(0, preOut.length - dropPre);
    out.push(...keep, ...preOut, ...span);
    // Leading blank lines of the next segment that the span already ends with.
    if (next) {
      const spanTrail = trailingBlank(span);
      const lead = leadingBlank(nextSeg);
      const drop = Math.min(spanTrail, lead, next.at);
      segs[k + 1] = nextSeg.slice(drop);
      segsN[k + 1] = segsN[k + 1]!.slice(drop);
      heads[k + 1] = { ...next, at: next.at - drop };
    }
    regionStart = spanEnd;
  }
  return out;
}

/** The head anchor of the last segment, given what findAnchor said (see resolveElisions). */
function lastHead(seg: string[], o: string[], lo: number, found: Anchor | 'ambiguous' | undefined): Anchor | 'ambiguous' | undefined {
  if (typeof found === 'object') return found;
  return endAnchor(seg, o, lo) ?? found ?? { at: seg.length, len: 0, pos: o.length };
}

/**
 * A marker inside a block followed by the line that closes it (`  // ...` then `};`, which matches many places):
 * the marker stands for the block's statements up to its end, so the close is the first original line after the
 * text before the marker that is indented less than the marker. Its place is taken only when the segment's text
 * is there, line for line; the span's checks (the tree's, the indentation's) still run on the result.
 */
function closeOfBlock(segs: string[][], segsN: string[][], k: number, orig: string[], o: string[], prevHead: Anchor | undefined, markerIndent: number): Anchor | undefined {
  const c = core(segsN[k]!);
  if (!c || markerIndent === 0 || indentWidth(segs[k]![c.at]!) >= markerIndent) return undefined;
  // Where the text before the marker ends in the original: its last lines, found once after its head.
  const prevStart = prevHead ? prevHead.pos : 0;
  const tail = findAnchor(segsN[k - 1]!.slice(prevHead?.at ?? 0), o, prevStart, o.length, true);
  if (typeof tail !== 'object') return undefined;
  let i = tail.pos + tail.len;
  while (i < o.length && (o[i] === '' || indentWidth(orig[i]!) >= markerIndent)) i++;
  if (i + c.lines.length > o.length || c.lines.some((l, j) => o[i + j] !== l)) return undefined;
  return { at: c.at, len: c.lines.length, pos: i };
}

/** A segment's lines from its first non-blank one to its last non-blank one: where it is placed whole. */
function core(seg: string[]): { at: number; lines: string[] } | undefined {
  const at = seg.findIndex((l) => l !== '');
  if (at < 0) return undefined;
  let end = seg.length;
  while (seg[end - 1] === '') end--;
  return { at, lines: seg.slice(at, end) };
}

const MAX_RUN = 8;
const MAX_PLACES = 32;

/**
 * Segments k, k+1, … whose text occurs several times in the original (each wholly the original's lines), up to the
 * first segment found exactly once after `lo`: placed when exactly one placement keeps them in the model's order,
 * apart, and before that segment (before the end when none is). Each gets its whole text as its head anchor.
 * Undefined when a segment has new lines, no such placement exists, or more than one does.
 */
function placeInOrder(segsN: string[][], k: number, o: string[], lo: number): Anchor[] | undefined {
  const run: { at: number; lines: string[] }[] = [];
  let hi = o.length;
  for (let j = k; j < segsN.length && run.length <= MAX_RUN; j++) {
    if (j > k) {
      if (segsN[j]!.every((l) => l === '')) break; // nothing after the last marker: up to the end
      let a = findAnchor(segsN[j]!, o, lo, o.length, false);
      if (j === segsN.length - 1) a = lastHead(segsN[j]!, o, lo, a);
      if (typeof a === 'object') {
        hi = a.pos;
        break;
      }
      if (a === undefined) return undefined;
    }
    const c = core(segsN[j]!);
    if (!c || !c.lines.some(distinctive)) return undefined;
    run.push(c);
  }
  if (run.length > MAX_RUN) return undefined;
  const places = run.map((c) => occurrences(o, c.lines, lo, hi, MAX_PLACES + 1));
  if (places.some((p) => p.length === 0 || p.length > MAX_PLACES)) return undefined;
  // ways[j][i]: placements of segments j.. with segment j at places[j][i] (capped at 2: only "exactly one" matters).
  const ways = places.map((p) => p.map(() => 0));
  for (let j = run.length - 1; j >= 0; j--) {
    places[j]!.forEach((pos, i) => {
      const end = pos + run[j]!.lines.length;
      ways[j]![i] = j === run.length - 1 ? 1 : Math.min(2, places[j + 1]!.reduce((n, next, i2) => (next >= end ? n + ways[j + 1]![i2]! : n), 0));
    });
  }
  if (ways[0]!.reduce((n, w) => n + w, 0) !== 1) return undefined;
  const out: Anchor[] = [];
  let from = lo;
  for (let j = 0; j < run.length; j++) {
    const i = places[j]!.findIndex((pos, i2) => pos >= from && ways[j]![i2]! > 0);
    const pos = places[j]![i]!;
    out.push({ at: run[j]!.at, len: run[j]!.lines.length, pos });
    from = pos + run[j]!.lines.length;
  }
  return out;
}

/** The segment's last lines equal the original's last lines (at or after lo): anchored at the end. */
function endAnchor(seg: string[], orig: string[], lo: number): Anchor | undefined {
  let st = seg.length;
  while (st > 0 && seg[st - 1] === '') st--;
  let ot = orig.length;
  while (ot > lo && orig[ot - 1] === '') ot--;
  let m = 0;
  while (m < st && ot - m - 1 >= lo && seg[st - 1 - m] === orig[ot - 1 - m]) m++;
  if (!m) return undefined;
  return { at: st - m, len: m, pos: ot - m };
}

/** The segment's first lines equal the original's first lines (before hi): anchored at the start. */
function startAnchor(seg: string[], orig: string[], hi: number): Anchor | undefined {
  let m = 0;
  while (m < seg.length && m < hi && seg[m] === orig[m]) m++;
  if (!m) return undefined;
  return { at: 0, len: m, pos: 0 };
}

/** Edge lines of a span matched against what the model wrote beside its marker (a reworded doc comment). */
const MAX_EDGE_ALIGN = 8;

/**
 * Every line of `origLines` is found, in order, among `written` — the same text, or a rewrite of it (rewrites()),
 * or a blank line for a blank one — with written lines in between allowed (added ones). The first non-blank
 * original line must have a distinctive or equal partner: a lone bracket is not evidence.
 */
function alignsInOrder(origLines: string[], written: string[]): boolean {
  let w = 0;
  for (const ol of origLines) {
    const blank = ol.trim() === '';
    while (w < written.length && !(blank ? written[w]!.trim() === '' : norm(written[w]!) === norm(ol) || rewrites(written[w]!, ol) || extendsLine(written[w]!, ol))) w++;
    if (w >= written.length) return false;
    w++;
  }
  return origLines.some((l) => distinctive(l));
}

/** A written line that continues an original one (` * Parses pairs.` → ` * Parses pairs. Keys are …`), same indentation. */
function extendsLine(written: string, orig: string): boolean {
  const base = norm(orig).replace(/[.;,:]$/, '');
  return base.length >= 10 && distinctive(base) && leadingWs(written) === leadingWs(orig) && norm(written).startsWith(base);
}

/** Index in `lines` of its n-th (1-based) non-blank line. */
function nthNonBlank(lines: string[], n: number): number {
  let seen = 0;
  for (let i = 0; i < lines.length; i++) if (lines[i]!.trim() !== '' && ++seen === n) return i;
  return lines.length;
}

function leadingBlank(lines: string[]): number {
  let n = 0;
  while (n < lines.length && lines[n]!.trim() === '') n++;
  return n;
}

function trailingBlank(lines: string[]): number {
  let n = 0;
  while (n < lines.length && lines[lines.length - 1 - n]!.trim() === '') n++;
  return n;
}
