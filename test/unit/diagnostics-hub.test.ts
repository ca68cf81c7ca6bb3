import { describe, expect, it } from 'vitest';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver';
import { DiagnosticsHub } from '../../server/src/diagnostics-hub';
import { createLogger } from '../../server/src/log';

const diag = (message: string, source: string): Diagnostic => ({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, message, source });

function hub() {
  const sent: PublishDiagnosticsParams[] = [];
  const h = new DiagnosticsHub({ sendDiagnostics: async (p: PublishDiagnosticsParams) => void sent.push(p) }, createLogger(() => undefined, 'error'));
  return { h, sent };
}

describe('DiagnosticsHub', () => {
  it("publishes the union of producers, so a syntax publish keeps the critic's findings", async () => {
    const { h, sent } = hub();
    await h.set('file:///a.ts', 'critic', [diag('type error', 'nootropic-critic')]);
    await h.set('file:///a.ts', 'syntax', [diag('missing }', 'nootropic')], 3);
    expect(sent.at(-1)).toEqual({ uri: 'file:///a.ts', version: 3, diagnostics: [diag('type error', 'nootropic-critic'), diag('missing }', 'nootropic')] });
    await h.set('file:///a.ts', 'syntax', [], 4);
    expect(sent.at(-1)!.diagnostics.map((d) => d.message)).toEqual(['type error']);
    expect(h.urisOf('critic')).toEqual(['file:///a.ts']);
  });

  it("clearing one producer's share leaves the others and forgets empty files", async () => {
    const { h, sent } = hub();
    await h.set('file:///b.ts', 'syntax', [diag('x', 'nootropic')]);
    await h.set('file:///b.ts', 'critic', [diag('y', 'nootropic-critic')]);
    await h.set('file:///b.ts', 'critic', []);
    expect(sent.at(-1)!.diagnostics.map((d) => d.message)).toEqual(['x']);
    expect(h.urisOf('critic')).toEqual([]);
    await h.set('file:///b.ts', 'syntax', []);
    expect(sent.at(-1)!.diagnostics).toEqual([]);
    expect(h.get('file:///b.ts', 'syntax')).toEqual([]);
  });

  it('a client that is gone does not make set() throw', async () => {
    const h = new DiagnosticsHub({ sendDiagnostics: async () => { throw new Error('connection closed'); } }, createLogger(() => undefined, 'error'));
    await expect(h.set('file:///c.ts', 'syntax', [diag('z', 'nootropic')])).resolves.toBeUndefined();
  });
});
