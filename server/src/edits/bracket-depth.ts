/**
 * Bracket depth per line of JavaScript or TypeScript, read by a small lexer (comments, strings, template literals
 * with their `${…}`, regular expressions told from division by the token before them). The elision span check
 * (span-windows.ts) uses it to tell that two statements far apart lie in one statement list: the depth at both is
 * the same and nothing between them closes a bracket opened before the first. The lexer is not a parser: where it
 * could be wrong (a regular expression after `)`, JSX text with an apostrophe) the depths come out unbalanced, and
 * the caller then asks the full parse.
 */

/** Keywords after which `/` starts a regular expression, not a division. */
const BEFORE_REGEX = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'yield', 'await', 'instanceof']);

export interface LineDepths {
  /** Depth at the start of each line. */
  start: Int32Array;
  /** The least depth anywhere on each line (its start included). */
  min: Int32Array;
}

/** The last text read (the syntax check and the span check of one edit read the same before-text). */
let last: { s: string; depths: LineDepths } | undefined;

/** lineDepths, remembered for the last text. */
function depthsOf(s: string): LineDepths {
  if (last?.s !== s) last = { s, depths: lineDepths(s) };
  return last.depths;
}

const isIdent = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c > 127;

export function lineDepths(s: string): LineDepths {
  let lines = 1;
  for (let at = s.indexOf('\n'); at >= 0; at = s.indexOf('\n', at + 1)) lines++;
  const start = new Int32Array(lines);
  const min = new Int32Array(lines);
  let line = 0;
  let depth = 0;
  /** Brace depth at which each open template literal's `${` began: its `}` returns to the template. */
  const templates: number[] = [];
  /** The last significant character in code, and the word it ended (for keywords before a regex). */
  let prev = 0;
  let word = '';
  const n = s.length;
  const newline = () => {
    line++;
    start[line] = depth;
    min[line] = depth;
  };
  const dip = () => {
    if (depth < min[line]!) min[line] = depth;
  };
  // Skips a template literal's text from i (after the backtick or a `}` that ends a `${`); returns the index after it.
  const templateText = (i: number): number => {
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 92) i += 2;
      else if (c === 96) return i + 1;
      else if (c === 36 && s.charCodeAt(i + 1) === 123) {
        templates.push(depth);
        depth++;
        return i + 2;
      } else {
        if (c === 10) newline();
        i++;
      }
    }
    return i;
  };
  for (let i = 0; i < n; ) {
    const c = s.charCodeAt(i);
    if (c === 10) {
      newline();
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13) {
      i++;
      continue;
    }
    if (c === 47) {
      const d = s.charCodeAt(i + 1);
      if (d === 47) {
        const e = s.indexOf('\n', i);
        i = e < 0 ? n : e;
        continue;
      }
      if (d === 42) {
        const e = s.indexOf('*/', i + 2);
        const end = e < 0 ? n : e + 2;
        for (let at = s.indexOf('\n', i); at >= 0 && at < end; at = s.indexOf('\n', at + 1)) newline();
        i = end;
        continue;
      }
      const regex = prev === 0 || (!isIdent(prev) && prev !== 41 && prev !== 93 && prev !== 125) || BEFORE_REGEX.has(word);
      if (regex) {
        let j = i + 1;
        let cls = false;
        while (j < n) {
          const r = s.charCodeAt(j);
          if (r === 10) break;
          if (r === 92) j += 2;
          else {
            if (r === 91) cls = true;
            else if (r === 93) cls = false;
            else if (r === 47 && !cls) break;
            j++;
          }
        }
        i = j < n && s.charCodeAt(j) === 47 ? j + 1 : j;
        word = '';
        // Flags.
        while (i < n && isIdent(s.charCodeAt(i))) i++;
        prev = 97;
        continue;
      }
    }
    if (c === 39 || c === 34) {
      let j = i + 1;
      while (j < n) {
        const r = s.charCodeAt(j);
        if (r === c || r === 10) break;
        j += r === 92 ? 2 : 1;
      }
      i = j < n && s.charCodeAt(j) === c ? j + 1 : j;
      prev = 97;
      word = '';
      continue;
    }
    if (c === 96) {
      i = templateText(i + 1);
      prev = 97;
      word = '';
      continue;
    }
    if (isIdent(c)) {
      let j = i + 1;
      while (j < n && isIdent(s.charCodeAt(j))) j++;
      word = s.slice(i, j);
      prev = s.charCodeAt(j - 1);
      i = j;
      continue;
    }
    if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) {
      depth--;
      dip();
      if (c === 125 && templates.length && templates[templates.length - 1] === depth) {
        templates.pop();
        i = templateText(i + 1);
        prev = 97;
        word = '';
        continue;
      }
    }
    prev = c;
    word = '';
    i++;
  }
  return { start, min };
}

/** Whether two line starts of a text lie in one bracket level with nothing between closing below it; depths read on first use. */
export class BracketLevels {
  private depths: LineDepths | undefined;
  /** For each line, the first line at or after it that dips below its starting depth (the line count: none). */
  private dipAt: Int32Array | undefined;
  private readonly starts: number[] = [0];

  constructor(private readonly s: string) {
    for (let at = s.indexOf('\n'); at >= 0; at = s.indexOf('\n', at + 1)) this.starts.push(at + 1);
  }

  private lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** `from` and `to` are offsets of line starts (`to` may be the text's end). */
  level(from: number, to: number): boolean {
    const d = (this.depths ??= depthsOf(this.s));
    const dip = (this.dipAt ??= firstDips(d));
    const a = this.lineOf(from);
    const b = to >= this.s.length ? this.starts.length : this.lineOf(to);
    return dip[a]! >= b && (b >= this.starts.length || d.start[b] === d.start[a]);
  }
}

/** For each line i, the first line j ≥ i whose least depth is below line i's starting depth (by a stack, in one pass from the end). */
function firstDips(d: LineDepths): Int32Array {
  const n = d.start.length;
  const out = new Int32Array(n);
  // Lines after i, by increasing index, whose least depth is below every least depth between i and them.
  const stack: number[] = [];
  for (let i = n - 1; i >= 0; i--) {
    while (stack.length && d.min[stack[stack.length - 1]!]! >= d.start[i]!) stack.pop();
    out[i] = d.min[i]! < d.start[i]! ? i : stack.length ? stack[stack.length - 1]! : n;
    while (stack.length && d.min[stack[stack.length - 1]!]! >= d.min[i]!) stack.pop();
    stack.push(i);
  }
  return out;
}
