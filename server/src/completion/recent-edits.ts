/**
 * Regions the person edited recently, from open documents' changes: the code they are working on elsewhere is
 * what a completion most often needs next. A change is located by comparing lines with the document's previous
 * text (common head and tail), so no per-keystroke ranges are needed from the transport.
 */
export interface EditedRegion {
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  at: number;
}

const MAX_REGIONS = 24;

export class RecentEdits {
  private readonly last = new Map<string, string[]>();
  private regions: EditedRegion[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** First sight of a document: remember its text, record nothing. */
  opened(path: string, text: string): void {
    this.last.set(path, text.split('\n'));
  }

  closed(path: string): void {
    this.last.delete(path);
  }

  changed(path: string, text: string): void {
    const next = text.split('\n');
    const prev = this.last.get(path);
    this.last.set(path, next);
    if (!prev) return;
    let head = 0;
    while (head < prev.length && head < next.length && prev[head] === next[head]) head++;
    if (head === prev.length && head === next.length) return;
    let tail = 0;
    while (tail < prev.length - head && tail < next.length - head && prev[prev.length - 1 - tail] === next[next.length - 1 - tail]) tail++;
    const region: EditedRegion = { path, startLine: head + 1, endLine: Math.max(head + 1, next.length - tail), at: this.now() };
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
