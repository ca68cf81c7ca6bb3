/**
 * The part of a document that completion parses: from the definition that holds the cursor (a line starting
 * `def`, `class`, `func`, `fn`, `function`, `impl`… at most WINDOW_BEFORE lines up) to where the next definition at
 * the same or an outer indentation starts (at most WINDOW_AFTER lines down). Completion's syntax questions — is the
 * cursor in a string or a comment, does the completion add a syntax error in its block — are about that block, and
 * parsing it costs the same on a 200-line file and a 5,000-line one; a whole 130 kB file costs up to a hundred ms
 * per keystroke, more when the half-typed line leaves a bracket open for the rest of the file. A definition line
 * is a safe start: no string or comment spans it. Without one nearby, the whole document is parsed.
 */

const WINDOW_BEFORE = 300;
const WINDOW_AFTER = 150;
/** Documents shorter than this are parsed whole. */
const SMALL = 16_000;

const DEFINITION =
  /^([ \t]*)(?:(?:export|default|pub(?:\([\w:]+\))?|async|static|public|private|protected|abstract|final|unsafe|extern|override|inline)\s+)*(?:def|class|func|fn|function|impl|interface|struct|enum|trait|type|mod|module|namespace)\b/;

export interface ParseWindow {
  /** Offset of the window's first character in the document. */
  start: number;
  end: number;
}

export function parseWindow(text: string, offset: number): ParseWindow {
  if (text.length <= SMALL) return { start: 0, end: text.length };
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  // Up: the nearest definition line before the cursor's line.
  let start = -1;
  let indent = '';
  let at = lineStart;
  for (let n = 0; n < WINDOW_BEFORE && at > 0; n++) {
    const prev = text.lastIndexOf('\n', at - 2) + 1;
    const m = DEFINITION.exec(text.slice(prev, Math.min(text.indexOf('\n', prev) >>> 0, prev + 400)));
    at = prev;
    if (m) {
      start = prev;
      indent = m[1]!;
      break;
    }
  }
  if (start < 0) return { start: 0, end: text.length };
  // Down: past the cursor's line, up to the next definition at the same or an outer indentation.
  let end = text.indexOf('\n', offset);
  if (end < 0) return { start, end: text.length };
  for (let n = 0; n < WINDOW_AFTER; n++) {
    const next = end + 1;
    if (next >= text.length) return { start, end: text.length };
    const nl = text.indexOf('\n', next);
    const line = text.slice(next, nl < 0 ? text.length : nl);
    const m = DEFINITION.exec(line);
    if (m && m[1]!.length <= indent.length) break;
    end = nl < 0 ? text.length : nl;
    if (nl < 0) break;
  }
  return { start, end };
}
