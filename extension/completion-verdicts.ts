/**
 * The person's verdict on each inline completion VS Code got from the server, for the feedback export. VS Code's
 * stable API says when an item is accepted (it runs the item's command on Tab) but not when one is shown or
 * dismissed, so a rejection is inferred from what the extension does see, the editor's next inline request:
 *
 * - **accept**: the item's command ran (Tab, or a word/line partial accept that VS Code finishes with it).
 * - **reject**: the completion was returned for display and the next inline request comes from somewhere it no
 *   longer applies: another document, the cursor moved away, text typed that differs from the ghost text, the text
 *   before the cursor changed (backspace); or the editor switched to another document (`leave`). Escape alone
 *   sends nothing to the extension: it is recorded at the next request or switch, as a rejection.
 * - **no verdict**: the person typed exactly what the ghost text showed (the completion then continues from the
 *   cache with a new item, which gets its own verdict), or the window closed first.
 *
 * No `vscode` import: the rules are plain data, unit-tested in test/unit/completion/verdicts.test.ts.
 */

export type Verdict = 'accept' | 'reject';

/** An inline request's cursor: the document, the offset, and the document's text (read lazily). */
export interface InlineCursor {
  uri: string;
  offset: number;
  /** The document's text between two offsets (start ≤ end). */
  textBetween(start: number, end: number): string;
}

interface Outstanding {
  id: string;
  uri: string;
  offset: number;
  insertText: string;
  /** The text just before the cursor when it was returned (to see a backspace-and-retype). */
  before: string;
}

/** Characters before the cursor compared to tell "typed along" from "edited before the cursor". */
const BEFORE = 64;

export class CompletionVerdicts {
  private outstanding: Outstanding | undefined;
  private sink: ((id: string, verdict: Verdict) => void) | undefined;

  /** Where verdicts go (the server's `nootropic/completion/feedback`); verdicts before this are dropped. */
  setSink(sink: (id: string, verdict: Verdict) => void): void {
    this.sink = sink;
  }

  /** The id of the completion awaiting a verdict (tests, logs). */
  get pending(): string | undefined {
    return this.outstanding?.id;
  }

  /**
   * An inline request arrives: the outstanding completion is rejected unless the cursor is where it was, or
   * further along by exactly a prefix of the ghost text.
   */
  request(cursor: InlineCursor): void {
    const o = this.outstanding;
    if (!o) return;
    if (this.stillApplies(o, cursor)) return;
    this.outstanding = undefined;
    this.sink?.(o.id, 'reject');
  }

  /** The server answered `cursor`'s request with a completion `id` (undefined: none) that VS Code will show. */
  returned(cursor: InlineCursor, id: string | undefined, insertText: string): void {
    if (!id || !insertText) return;
    // A new completion supersedes one typed along (no verdict: the person wrote what it said so far).
    this.outstanding = { id, uri: cursor.uri, offset: cursor.offset, insertText, before: cursor.textBetween(Math.max(0, cursor.offset - BEFORE), cursor.offset) };
  }

  /** VS Code ran the item's command: the person took it. */
  accepted(id: string): void {
    if (this.outstanding?.id === id) this.outstanding = undefined;
    this.sink?.(id, 'accept');
  }

  /** The editor moved to another document (or none): the ghost text is gone unless it was this document's. */
  leave(uri: string | undefined): void {
    const o = this.outstanding;
    if (!o || o.uri === uri) return;
    this.outstanding = undefined;
    this.sink?.(o.id, 'reject');
  }

  private stillApplies(o: Outstanding, cursor: InlineCursor): boolean {
    if (cursor.uri !== o.uri || cursor.offset < o.offset) return false;
    const start = o.offset - o.before.length;
    if (cursor.textBetween(start, o.offset) !== o.before) return false;
    const typed = cursor.textBetween(o.offset, cursor.offset);
    return o.insertText.startsWith(typed);
  }
}
