/**
 * Turns the trace viewer's two sources into one timeline shape: OpenTelemetry spans from
 * `nootropic/traces/list` (one trace = one run: a request and its model/tool calls) and agent runs from
 * `nootropic/runs/get` (steps with prompts, responses, tokens, edits, findings, rationale). Pure; unit-tested.
 */
import type { RunStepInfo, RunSummary } from '../protocol/tasks';
import type { StoredSpan } from '../protocol/traces';
import type { TraceRun, TraceStep } from '../webview/trace';

const text = (v: unknown): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v, null, 2);
  } catch {
    return String(v);
  }
};

function spanKind(s: StoredSpan): string {
  const op = s.attributes['gen_ai.operation.name'];
  if (op === 'chat' || op === 'text_completion' || op === 'embeddings') return 'model';
  if (op === 'execute_tool') return 'tool';
  if (op === 'invoke_agent') return 'agent';
  if (s.attributes['rpc.method'] !== undefined || /^rpc |^nootropic\/|^textDocument\/|^workspace\//.test(s.name)) return 'rpc';
  if (/edit/i.test(s.name)) return 'edit';
  if (/critic|semgrep/i.test(s.name)) return 'critic';
  return 'span';
}

export function spansToRuns(spans: StoredSpan[]): TraceRun[] {
  const byTrace = new Map<string, StoredSpan[]>();
  for (const s of spans) {
    const list = byTrace.get(s.traceId) ?? [];
    list.push(s);
    byTrace.set(s.traceId, list);
  }
  const runs: TraceRun[] = [];
  for (const [traceId, list] of byTrace) {
    list.sort((a, b) => a.startMs - b.startMs);
    const ids = new Set(list.map((s) => s.spanId));
    const root = list.find((s) => !s.parentSpanId || !ids.has(s.parentSpanId)) ?? list[0]!;
    const start = Math.min(...list.map((s) => s.startMs));
    const end = Math.max(...list.map((s) => s.startMs + s.durationMs));
    const parent = new Map(list.map((s) => [s.spanId, s.parentSpanId]));
    const depth = (s: StoredSpan) => {
      let d = 0;
      let p = s.parentSpanId;
      while (p && ids.has(p) && d < 50) {
        d++;
        p = parent.get(p);
      }
      return d;
    };
    const steps: TraceStep[] = list.map((s) => {
      const a = s.attributes;
      const input = Number(a['gen_ai.usage.input_tokens']);
      const output = Number(a['gen_ai.usage.output_tokens']);
      const detail: Record<string, string> = {};
      for (const [k, v] of Object.entries(a)) detail[k] = text(v) ?? '';
      for (const e of s.events) detail[`event ${e.name}`] = text(e.attributes ?? {}) ?? '';
      const failed = s.status.code === 2;
      return {
        id: s.spanId,
        kind: spanKind(s),
        title: s.name,
        status: failed ? 'error' : s.status.code === 1 ? 'ok' : 'unset',
        offsetMs: s.startMs - start,
        durationMs: s.durationMs,
        depth: depth(s),
        ...(Number.isFinite(input) || Number.isFinite(output) ? { tokens: { ...(Number.isFinite(input) ? { input } : {}), ...(Number.isFinite(output) ? { output } : {}) } } : {}),
        ...(typeof a['gen_ai.request.model'] === 'string' ? { model: a['gen_ai.request.model'] } : {}),
        ...(failed && s.status.message ? { error: s.status.message } : {}),
        detail,
      };
    });
    runs.push({
      id: `trace:${traceId}`,
      source: 'trace',
      // The server names request spans `rpc <method>`; the method alone reads better in a list.
      title: root.name.replace(/^rpc /, ''),
      status: steps.some((s) => s.status === 'error') ? 'failed' : 'ok',
      startedAt: start,
      durationMs: end - start,
      steps,
    });
  }
  return runs.sort((a, b) => b.startedAt - a.startedAt);
}

const ms = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
};

/** A recorded agent run as `nootropic/runs/get` returns it. */
export interface RecordedRun {
  run: RunSummary;
  steps: RunStepInfo[];
}

export function agentRunToTrace(r: RecordedRun): TraceRun {
  const start = ms(r.run.startedAt) ?? Date.now();
  let cursor = start;
  const steps: TraceStep[] = r.steps.map((s, i) => {
    const at = ms(s.startedAt) ?? cursor;
    const dur = s.durationMs ?? 0;
    cursor = at + dur;
    const tokens = s.tokens ? { input: s.tokens.prompt, output: s.tokens.output } : undefined;
    const detail: Record<string, string> = {};
    if (s.taskId) detail.task = s.taskId;
    if (s.edits !== undefined) detail.edits = text(s.edits) ?? '';
    if (s.findings !== undefined) detail.findings = text(s.findings) ?? '';
    if (s.spanIds?.length) detail.spans = s.spanIds.join(', ');
    const status = s.status;
    const failed = /fail|error|refused|reject/i.test(status);
    return {
      id: `${r.run.runId}:${i}`,
      kind: s.kind,
      title: s.title,
      status: failed ? 'error' : /running|in_progress|started/i.test(status) ? 'running' : 'ok',
      offsetMs: at - start,
      durationMs: dur,
      depth: 0,
      ...(tokens && (tokens.input !== undefined || tokens.output !== undefined) ? { tokens: Object.fromEntries(Object.entries(tokens).filter(([, v]) => v !== undefined)) } : {}),
      ...(text(s.prompt) ? { prompt: text(s.prompt)! } : {}),
      ...(text(s.response) ? { response: text(s.response)! } : {}),
      ...(s.rationale ? { rationale: s.rationale } : {}),
      ...(failed ? { error: status } : {}),
      detail,
    };
  });
  const end = ms(r.run.endedAt) ?? Math.max(cursor, ...steps.map((s) => start + s.offsetMs + s.durationMs));
  return {
    id: `run:${r.run.runId}`,
    source: 'run',
    title: r.run.instruction ?? `run ${r.run.runId}`,
    status: r.run.status,
    startedAt: start,
    durationMs: Math.max(0, end - start),
    steps,
  };
}
