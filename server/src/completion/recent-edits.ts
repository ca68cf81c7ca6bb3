/**
 * Regions the person edited recently, from open documents' changes: the code they are working on elsewhere is
 * what a completion most often needs next. A change is located by comparing the document's text with its previous
 * text (common head and tail), so no per-keystroke ranges are needed from the transport. Only the text is kept:
 * a document split into lines on every keystroke is thousands of strings for the garbage collector to copy.
 */
import { commonAffixes } from '../edits/text';
import { countNewlines } from './text-lines';

export interface EditedRegion {
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  at: number;
}

const MAX_REGIONS = 24;

export class RecentEdits {
  private readonly last = new Map<string, string>();
  private regions: EditedRegion[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** First sight of a document: remember its text, record nothing. */
  opened(path: string, text: string): void {
    this.last.set(path, text);
  }

  closed(path: string): void {
    this.last.delete(path);
  }

  changed(path: string, text: string): void {
    const prev = this.last.get(path);
    this.last.set(path, text);
    if (prev === undefined || prev === text) return;
    const { prefix, suffix } = commonAffixes(prev, text);
    // Lines are 1-based; a change that starts at the end of the old text's last line (lines appended) starts on
    // the next line.
    let startLine = 1 + countNewlines(text, 0, prefix);
    if (prefix === prev.length && text[prefix] === '\n') startLine++;
    const changedTo = text.length - suffix;
    const endLine = changedTo > prefix ? 1 + countNewlines(text, 0, changedTo - 1) : startLine;
    const region: EditedRegion = { path, startLine, endLine: Math.max(startLine, endLine), at: this.now() };
    // Typing on the same lines extends one region instead of flooding the list.
    const same = this.regions.findIndex((r) => r.path === path && r.startLine <= region.endLine + 1 && region.startLine <= r.endLine + 1);
    if (same >= 0) {
      const r = this.regions[same]!;
      region.startLine = Math.min(r.startLine, region.startLine);
      region.endLine = Math.max(r.endLine, region.endLine);
      this.regions.splice(same, 1);
    }
    this.regions.unshift(region);
    if (this.regions.length > MAX_REGIONS) this.regions.length = MAX_REGIONS;
  }

  /** Newest first. */
  list(): EditedRegion[] {
    return this.regions.map((r) => ({ ...r }));
  }
}
