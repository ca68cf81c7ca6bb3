/**
 * FeedbackAgent: the person's accept/reject of agent edits and answers, kept locally in
 * `.nootropic-cache/feedback/feedback.jsonl`, and exported as a chat-format JSONL dataset for LoRA fine-tuning
 * with an external trainer (docs/agents.md): accepted pairs as SFT examples (`{"messages": [...]}`), and
 * preference pairs (`{"prompt": [...], "chosen": [...], "rejected": [...]}`) where a rejected response has the
 * person's preferred one. Secrets are redacted on the way in and again on the way out. Bounded: each text by the
 * protocol (`LIMITS.prompt`), the store by `FEEDBACK_FILE_MAX_BYTES` (one rotated file kept).
 */
import { randomBytes } from 'node:crypto';
import { appendFile, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { FeedbackInput } from '../../../shared/protocol';
import { redactText } from '../security/redact';
import { makeCacheDir } from '../workspace/cache-dir';

export const FeedbackEntry = FeedbackInput.extend({ id: z.string(), at: z.string() });
export type FeedbackEntry = z.infer<typeof FeedbackEntry>;

/** The store's bound: past this size `feedback.jsonl` becomes `feedback.1.jsonl` (replacing the older one). */
export const FEEDBACK_FILE_MAX_BYTES = 20 * 1024 * 1024;

const SYSTEM = 'You are nootropic, a coding assistant working in the user\'s workspace.';

export class FeedbackStore {
  readonly file: string;

  constructor(private readonly root: string) {
    this.file = path.join(root, '.nootropic-cache', 'feedback', 'feedback.jsonl');
  }

  async record(e: Omit<FeedbackEntry, 'id' | 'at'>): Promise<string> {
    const entry: FeedbackEntry = {
      ...e,
      id: randomBytes(6).toString('hex'),
      at: new Date().toISOString(),
      prompt: redactText(e.prompt),
      response: redactText(e.response),
      ...(e.preferred !== undefined ? { preferred: redactText(e.preferred) } : {}),
      ...(e.comment !== undefined ? { comment: redactText(e.comment) } : {}),
    };
    await makeCacheDir(path.dirname(this.file));
    const size = await stat(this.file).then((s) => s.size, () => 0);
    if (size > FEEDBACK_FILE_MAX_BYTES) await rename(this.file, this.rotated);
    await appendFile(this.file, JSON.stringify(entry) + '\n');
    return entry.id;
  }

  private get rotated(): string {
    return this.file.replace(/\.jsonl$/, '.1.jsonl');
  }

  /** Oldest first: the rotated file, then the current one. */
  async entries(): Promise<FeedbackEntry[]> {
    const text = (await readFile(this.rotated, 'utf8').catch(() => '')) + (await readFile(this.file, 'utf8').catch(() => ''));
    const out: FeedbackEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const p = FeedbackEntry.safeParse(JSON.parse(line));
        if (p.success) out.push(p.data);
      } catch {
        // a torn line
      }
    }
    return out;
  }

  /** Writes the dataset; returns counts. `redacted` counts records where the export masked something. */
  async export(out?: string): Promise<{ file: string; sft: number; preference: number; redacted: number }> {
    const file = out ?? path.join(this.root, '.nootropic-cache', 'feedback', 'dataset.jsonl');
    let sft = 0;
    let preference = 0;
    let redacted = 0;
    const lines: string[] = [];
    const clean = (s: string) => {
      const r = redactText(s);
      if (r !== s) redacted++;
      return r;
    };
    for (const e of await this.entries()) {
      const user = { role: 'user', content: clean(e.prompt) };
      if (e.verdict === 'accept') {
        lines.push(JSON.stringify({ type: 'sft', messages: [{ role: 'system', content: SYSTEM }, user, { role: 'assistant', content: clean(e.response) }] }));
        sft++;
      } else if (e.preferred) {
        lines.push(
          JSON.stringify({
            type: 'preference',
            prompt: [{ role: 'system', content: SYSTEM }, user],
            chosen: [{ role: 'assistant', content: clean(e.preferred) }],
            rejected: [{ role: 'assistant', content: clean(e.response) }],
          }),
        );
        preference++;
        lines.push(JSON.stringify({ type: 'sft', messages: [{ role: 'system', content: SYSTEM }, user, { role: 'assistant', content: clean(e.preferred) }] }));
        sft++;
      }
    }
    await makeCacheDir(path.dirname(file));
    await writeFile(file, lines.join('\n') + (lines.length ? '\n' : ''));
    return { file, sft, preference, redacted };
  }
}
