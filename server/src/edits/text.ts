/**
 * A file as lines that remember their own line ending, so an edit changes only the lines it touches: a CRLF file
 * stays CRLF, a mixed file keeps each untouched line's ending, a BOM and a missing final newline survive.
 */
export interface Line {
  /** Text without the line ending (never contains \n; a lone \r inside a line is kept). */
  text: string;
  /** '\n', '\r\n' or '' (only the last line may have ''). */
  eol: string;
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
