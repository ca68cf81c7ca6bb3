/**
 * Completions remembered by the text around the cursor, so backspace and retype cost nothing, and typing the
 * characters the ghost text shows keeps showing the rest of it without a model call (type-through).
 */
import { ownCopy } from './text-lines';

const TAIL = 1_500;
const HEAD = 300;
const MAX_ENTRIES = 256;
const MAX_TYPED = 80;

interface Entry {
  uri: string;
  model: string;
  /** Length of the whole text before the cursor when the completion was made. */
  beforeLength: number;
  beforeTail: string;
  afterHead: string;
  completion: string;
}

export class CompletionCache {
  private readonly entries = new Map<string, Entry>();

  private key(model: string, beforeTail: string, afterHead: string): string {
    return `${model}\u0000${beforeTail}\u0000${afterHead}`;
  }

  get(uri: string, model: string, before: string, after: string): string | undefined {
    const beforeTail = before.slice(-TAIL);
    const afterHead = after.slice(0, HEAD);
    const exact = this.entries.get(this.key(model, beforeTail, afterHead));
    if (exact) {
      // Refresh its place in the LRU order.
      this.entries.delete(this.key(model, beforeTail, afterHead));
      this.entries.set(this.key(model, beforeTail, afterHead), exact);
      return exact.completion;
    }
    // Type-through: the text before the cursor is an earlier state plus what the ghost text showed.
    for (const e of [...this.entries.values()].reverse().slice(0, 32)) {
      if (e.uri !== uri || e.model !== model || e.afterHead !== afterHead) continue;
      const typed = before.length - e.beforeLength;
      if (typed <= 0 || typed > MAX_TYPED || typed >= e.completion.length) continue;
      const t = before.slice(before.length - typed);
      if (!e.completion.startsWith(t)) continue;
      if (before.slice(before.length - typed - e.beforeTail.length, before.length - typed) !== e.beforeTail) continue;
      return e.completion.slice(typed);
    }
    return undefined;
  }

  set(uri: string, model: string, before: string, after: string, completion: string): void {
    // Copies: slices would keep this version of the whole document alive as long as the entry.
    const beforeTail = ownCopy(before.slice(-TAIL));
    const afterHead = ownCopy(after.slice(0, HEAD));
    const key = this.key(model, beforeTail, afterHead);
    this.entries.delete(key);
    this.entries.set(key, { uri, model, beforeLength: before.length, beforeTail, afterHead, completion });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }
}
