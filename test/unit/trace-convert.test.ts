import { describe, expect, it } from 'vitest';
import type { StoredSpan } from '../../shared/protocol';
import { agentRunToTrace, spansToRuns } from '../../shared/trace/convert';

const span = (p: Partial<StoredSpan> & Pick<StoredSpan, 'spanId' | 'name' | 'startMs' | 'durationMs'>): StoredSpan => ({
  traceId: 'a'.repeat(32), kind: 0, status: { code: 0 }, attributes: {}, events: [], ...p,
});

describe('trace viewer sources', () => {
  it('groups spans into one run per trace, with depth, kinds, tokens and failures', () => {
    const runs = spansToRuns([
      span({ spanId: 'r', name: 'rpc nootropic/chat/send', attributes: { 'rpc.method': 'nootropic/chat/send' }, startMs: 1000, durationMs: 900, status: { code: 1 } }),
      span({ spanId: 'm', parentSpanId: 'r', name: 'chat qwen', startMs: 1100, durationMs: 700, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'qwen', 'gen_ai.usage.input_tokens': 120, 'gen_ai.usage.output_tokens': 30 } }),
      span({ spanId: 't', parentSpanId: 'm', name: 'execute_tool grep', startMs: 1200, durationMs: 50, status: { code: 2, message: 'exit 2' }, attributes: { 'gen_ai.operation.name': 'execute_tool' } }),
      span({ traceId: 'b'.repeat(32), spanId: 'x', name: 'nootropic/search', startMs: 5000, durationMs: 10 }),
    ]);
    expect(runs.map((r) => r.title)).toEqual(['nootropic/search', 'nootropic/chat/send']);
    const chat = runs[1]!;
    expect(chat.durationMs).toBe(900);
    expect(chat.status).toBe('failed');
    expect(chat.steps.map((s) => [s.kind, s.depth, s.offsetMs])).toEqual([['rpc', 0, 0], ['model', 1, 100], ['tool', 2, 200]]);
    expect(chat.steps[1]).toMatchObject({ model: 'qwen', tokens: { input: 120, output: 30 }, status: 'unset' });
    expect(chat.steps[2]).toMatchObject({ status: 'error', error: 'exit 2' });
  });

  it('lays agent run steps on the run clock, with prompts, responses and failures', () => {
    const t = agentRunToTrace({
      run: { runId: 'r1', instruction: 'add multiply', status: 'failed', startedAt: '2026-01-01T00:00:00.000Z', iterations: 1 },
      steps: [
        { seq: 0, iteration: 1, kind: 'model', status: 'ok', title: 'coder', startedAt: '2026-01-01T00:00:00.500Z', durationMs: 1500, tokens: { prompt: 10, output: 5 }, prompt: 'p', response: 'r' },
        { seq: 1, iteration: 1, kind: 'critic', title: 'tests', status: 'failed', startedAt: '2026-01-01T00:00:02.000Z', durationMs: 200, findings: [{ source: 'tests', severity: 'error', message: 'fails', rule: 'x' }], rationale: 'tests fail' },
      ],
    });
    expect(t).toMatchObject({ id: 'run:r1', source: 'run', title: 'add multiply', durationMs: 2200 });
    expect(t.steps[0]).toMatchObject({ offsetMs: 500, tokens: { input: 10, output: 5 }, prompt: 'p', response: 'r', status: 'ok' });
    expect(t.steps[1]).toMatchObject({ offsetMs: 2000, status: 'error', rationale: 'tests fail' });
    expect(t.steps[1]!.detail!.findings).toContain('"rule": "x"');
  });
});
