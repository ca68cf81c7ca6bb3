/**
 * A file's text with its lines cut out on demand. Completion reads a few lines of each definition's file per
 * keystroke; keeping a large file as one string and its line starts (a typed array) instead of thousands of line
 * strings leaves the garbage collector little to copy while those files stay cached.
 */
export class TextLines {
  private starts: Int32Array | undefined;

  constructor(readonly text: string) {}

  /** Lines [from, to], 1-based and inclusive, clamped to the file; without their line breaks (\n or \r\n). */
  lines(from: number, to: number): string[] {
    const starts = this.lineStarts();
    const first = Math.max(1, from);
    const last = Math.min(starts.length, to);
    if (last < first) return [];
    let end = last < starts.length ? starts[last]! - 1 : this.text.length;
    if (this.text.charCodeAt(end - 1) === 13) end--;
    return this.text.slice(starts[first - 1], end).split(/\r?\n/);
  }

  private lineStarts(): Int32Array {
    if (this.starts) return this.starts;
    let n = 1;
    for (let at = this.text.indexOf('\n'); at >= 0; at = this.text.indexOf('\n', at + 1)) n++;
    const starts = new Int32Array(n);
    let i = 1;
    for (let at = this.text.indexOf('\n'); at >= 0; at = this.text.indexOf('\n', at + 1)) starts[i++] = at + 1;
    return (this.starts = starts);
  }
}

/** How many \n text[from, to) holds. */
export function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let at = text.indexOf('\n', from); at >= 0 && at < to; at = text.indexOf('\n', at + 1)) n++;
  return n;
}

/**
 * `s` as a string of its own. V8 makes a slice of 13 characters or more a view into its parent, which it keeps alive:
 * a cached 1.5 kB tail of a 100 kB document kept that whole version of the document (one per keystroke) until the
 * cache dropped it, and each young-generation collection copied them all. What is kept past a request is copied.
 */
export function ownCopy(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}
