/**
 * A file's text with its lines cut out on demand. Completion reads a few lines of each definition's file per
 * keystroke; keeping a large file as one piece and its line starts (a typed array) instead of thousands of line
 * strings leaves the garbage collector little to copy while those files stay cached. A file read from disk is kept
 * as its bytes (a Buffer lives outside the JavaScript heap, so the young-generation collector never copies it; a
 * string of the same file was copied once or twice after every read) and only the lines asked for are decoded.
 */
export class TextLines {
  private starts: Int32Array | undefined;

  /** An open document's text, or a file's UTF-8 bytes. */
  constructor(readonly text: string | Buffer) {}

  /** Lines [from, to], 1-based and inclusive, clamped to the file; without their line breaks (\n or \r\n). */
  lines(from: number, to: number): string[] {
    const starts = this.lineStarts();
    const first = Math.max(1, from);
    const last = Math.min(starts.length, to);
    if (last < first) return [];
    const text = this.text;
    let end = last < starts.length ? starts[last]! - 1 : text.length;
    if ((typeof text === 'string' ? text.charCodeAt(end - 1) : text[end - 1]) === 13) end--;
    const cut = typeof text === 'string' ? text.slice(starts[first - 1], end) : text.toString('utf8', starts[first - 1], end);
    return cut.split(/\r?\n/);
  }

  /** Where each line starts: character offsets in a string, byte offsets in bytes (\n is one byte in UTF-8). */
  private lineStarts(): Int32Array {
    if (this.starts) return this.starts;
    const text = this.text;
    const next = typeof text === 'string' ? (at: number) => text.indexOf('\n', at) : (at: number) => text.indexOf(10, at);
    let n = 1;
    for (let at = next(0); at >= 0; at = next(at + 1)) n++;
    const starts = new Int32Array(n);
    let i = 1;
    for (let at = next(0); at >= 0; at = next(at + 1)) starts[i++] = at + 1;
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
