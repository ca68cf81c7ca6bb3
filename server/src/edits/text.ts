/**
 * A file as lines that remember their own line ending, so an edit changes only the lines it touches: a CRLF file
 * stays CRLF, a mixed file keeps each untouched line's ending, a BOM and a missing final newline survive.
 */
export interface Line {
  /** Text without the line ending (never contains \n; a lone \r inside a line is kept). */
  text: string;
  /** '\n', '\r\n' or '' (only the last line may have ''). */
  eol: string;
  /** Written by the model (not copied from the file). */
  added?: boolean;
}

export interface FileText {
  bom: boolean;
  lines: Line[];
  /** The ending new lines get: the file's majority ending ('\n' for a file with no line breaks). */
  eol: '\n' | '\r\n';
}

const BOM = '\uFEFF';

export function splitFile(raw: string): FileText {
  const bom = raw.startsWith(BOM);
  const body = bom ? raw.slice(1) : raw;
  const lines: Line[] = [];
  let crlf = 0;
  let lf = 0;
  let start = 0;
  for (;;) {
    const nl = body.indexOf('\n', start);
    if (nl < 0) {
      if (start < body.length) lines.push({ text: body.slice(start), eol: '' });
      break;
    }
    if (nl > start && body.charCodeAt(nl - 1) === 13) {
      lines.push({ text: body.slice(start, nl - 1), eol: '\r\n' });
      crlf++;
    } else {
      lines.push({ text: body.slice(start, nl), eol: '\n' });
      lf++;
    }
    start = nl + 1;
  }
  return { bom, lines, eol: crlf > lf ? '\r\n' : '\n' };
}

export function joinFile(f: FileText): string {
  let out = f.bom ? BOM : '';
  for (const l of f.lines) out += l.text + l.eol;
  return out;
}

/** Lines of a text the model wrote (already \n-normalised; one final \n ends the last line); '' is no lines. */
export function modelLines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

export function leadingWs(s: string): string {
  return /^[ \t]*/.exec(s)![0];
}

export function endsWithNewline(f: FileText): boolean {
  const last = f.lines.at(-1);
  return !last || last.eol !== '';
}

/** Leading-whitespace lines that are not a JSDoc/block-comment continuation (` * text`). */
const SPACE_INDENT = /^( {2,})(?! *\*)\S/;

/** The file's indentation: tabs or spaces, when it is clear (few lines the other way); unit = smallest space step. */
export function indentStyle(lines: readonly Line[]): { style: 'tabs' } | { style: 'spaces'; unit: number } | undefined {
  let tabs = 0;
  let spaces = 0;
  let unit = Infinity;
  for (const l of lines) {
    if (l.text.startsWith('\t')) tabs++;
    else {
      const m = SPACE_INDENT.exec(l.text);
      if (m) {
        spaces++;
        unit = Math.min(unit, m[1]!.length);
      }
    }
  }
  if (tabs >= 5 && spaces <= tabs * 0.05) return { style: 'tabs' };
  if (spaces >= 5 && tabs <= spaces * 0.05 && (unit === 2 || unit === 4 || unit === 8)) return { style: 'spaces', unit };
  return undefined;
}

/**
 * New lines indented the other way than the file (spaces in a tab-indented file, or tabs in a space-indented one)
 * are converted to the file's way. The tab width comes from how the model's quoted text matched, else from the
 * smallest indentation step in what it wrote (2 or 4); without one, lines are left as written.
 */
export function matchIndentStyle(file: FileText, lines: Line[], knownWidth?: number): Line[] {
  const style = indentStyle(file.lines);
  if (!style) return lines;
  const added = lines.filter((l) => l.added);
  if (style.style === 'tabs') {
    const spaced = added.map((l) => SPACE_INDENT.exec(l.text)?.[1]!.length).filter((n): n is number => n !== undefined);
    if (!spaced.length) return lines;
    const min = Math.min(...spaced);
    const width = knownWidth ?? (min === 2 || min === 4 ? min : undefined);
    if (!width) return lines;
    return lines.map((l) => (l.added ? { ...l, text: l.text.replace(/^ +/, (sp) => '\t'.repeat(Math.floor(sp.length / width)) + ' '.repeat(sp.length % width)) } : l));
  }
  if (!added.some((l) => l.text.startsWith('\t'))) return lines;
  return lines.map((l) => (l.added ? { ...l, text: l.text.replace(/^\t+/, (t) => ' '.repeat(t.length * style.unit)) } : l));
}

/**
 * Length of the common prefix of `a` and `b` (and of the common suffix, not overlapping it), by binary search over
 * slice comparisons: native string compares instead of a JavaScript loop over every character of a large file.
 */
export function commonAffixes(a: string, b: string): { prefix: number; suffix: number } {
  const n = Math.min(a.length, b.length);
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (a.slice(lo, mid) === b.slice(lo, mid)) lo = mid;
    else hi = mid - 1;
  }
  const prefix = lo;
  lo = 0;
  hi = n - prefix;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (a.slice(a.length - mid, a.length - lo) === b.slice(b.length - mid, b.length - lo)) lo = mid;
    else hi = mid - 1;
  }
  return { prefix, suffix: lo };
}

/** `text` cut after each \n (the pieces join back to it). */
export function splitKeepingNewlines(text: string): string[] {
  const out: string[] = [];
  let at = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', at)) {
    out.push(text.slice(at, nl + 1));
    at = nl + 1;
  }
  if (at < text.length || !out.length) out.push(text.slice(at));
  return out;
}

/** How many of the ascending `sorted` are below `x` (the index of the first that is not). */
export function countBelow(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
