/**
 * The local span store: finished spans appended as JSON lines (redacted) under
 * `<root>/.nootropic-cache/traces/spans.jsonl`, the file the trace viewer and `nootropic traces` read. Rotated
 * at 20 MB (one older file kept, `spans.jsonl.1`) and every string in a span clipped to 4 KB, so it never grows
 * without bound. With no workspace, spans live in a bounded ring in memory.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { StoredSpan } from '../../../shared/protocol/traces';
import { redactValue } from '../security/redact';
import { makeCacheDirSync } from '../workspace/cache-dir';

const MAX_BYTES = 20 * 1024 * 1024;
/** Per string attribute, status message or event attribute: a span is a record of what happened, not a copy of data. */
export const MAX_SPAN_STRING = 4_096;
const RING = 2_000;

const hrToMs = (t: [number, number]) => t[0] * 1e3 + t[1] / 1e6;

export function toStoredSpan(span: ReadableSpan): StoredSpan {
  const ctx = span.spanContext();
  const parent = span.parentSpanContext?.spanId;
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    name: span.name,
    kind: span.kind,
    startMs: hrToMs(span.startTime),
    durationMs: hrToMs(span.duration),
    status: { code: span.status.code, ...(span.status.message ? { message: String(redactValue('', span.status.message, MAX_SPAN_STRING)) } : {}) },
    attributes: redactValue('', { ...span.attributes }, MAX_SPAN_STRING) as Record<string, unknown>,
    events: span.events.map((e) => ({
      name: e.name,
      timeMs: hrToMs(e.time),
      ...(e.attributes ? { attributes: redactValue('', { ...e.attributes }, MAX_SPAN_STRING) as Record<string, unknown> } : {}),
    })),
  };
}

/** The same span with every string redacted and clipped, for exporters that send spans elsewhere (OTLP). */
export function redactedSpan(span: ReadableSpan): ReadableSpan {
  const clean = <T>(v: T): T => redactValue('', v, MAX_SPAN_STRING) as T;
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: { code: span.status.code, ...(span.status.message ? { message: clean(span.status.message) } : {}) },
    attributes: clean({ ...span.attributes }),
    links: span.links,
    events: span.events.map((e) => ({ ...e, ...(e.attributes ? { attributes: clean({ ...e.attributes }) } : {}) })),
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

export class LocalSpanStore implements SpanExporter {
  private readonly ring: StoredSpan[] = [];
  private file: string | undefined;

  get persisted(): boolean {
    return this.file !== undefined;
  }

  /** Where spans persist; null keeps them in memory only. */
  setRoot(root: string | null): void {
    if (!root) {
      this.file = undefined;
      return;
    }
    const dir = path.join(root, '.nootropic-cache', 'traces');
    makeCacheDirSync(dir);
    this.file = path.join(dir, 'spans.jsonl');
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    try {
      const stored = spans.map(toStoredSpan);
      this.ring.push(...stored);
      if (this.ring.length > RING) this.ring.splice(0, this.ring.length - RING);
      if (this.file) {
        if (existsSync(this.file) && statSync(this.file).size > MAX_BYTES) renameSync(this.file, `${this.file}.1`);
        appendFileSync(this.file, stored.map((s) => JSON.stringify(s)).join('\n') + '\n');
      }
      done({ code: 0 });
    } catch (error) {
      done({ code: 1, error: error as Error });
    }
  }

  /** Recent spans, newest last; `traceId` narrows to one trace. Torn or foreign lines are skipped. */
  read(opts: { traceId?: string; limit: number }): StoredSpan[] {
    let spans: StoredSpan[];
    if (this.file && existsSync(this.file)) {
      spans = [];
      for (const line of readFileSync(this.file, 'utf8').split('\n')) {
        if (!line) continue;
        try {
          const parsed = StoredSpan.safeParse(JSON.parse(line));
          if (parsed.success) spans.push(parsed.data);
        } catch {
          // a line torn by a killed process: skip it, keep the rest
        }
      }
    } else spans = [...this.ring];
    if (opts.traceId) spans = spans.filter((s) => s.traceId === opts.traceId);
    return spans.slice(-opts.limit);
  }

  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}
