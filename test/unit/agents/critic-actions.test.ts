// Critic findings → LSP diagnostics and their code actions (semgrep autofix as a WorkspaceEdit, Fix, Explain).
import { describe, expect, it } from 'vitest';
import { codeActionsFor, CRITIC_SOURCE, diagnosticsByUri, findingToDiagnostic } from '../../../server/src/agents/diagnostics';

describe('critic diagnostics', () => {
  it('maps 1-based findings to 0-based ranges with source nootropic-critic, grouped by file', () => {
    const d = findingToDiagnostic({ source: 'typescript', severity: 'error', message: 'bad', path: 'a.ts', line: 3, column: 5, endLine: 3, endColumn: 9, rule: 'TS2322' });
    expect(d).toMatchObject({ source: CRITIC_SOURCE, code: 'TS2322', severity: 1, range: { start: { line: 2, character: 4 }, end: { line: 2, character: 8 } } });
    const byUri = diagnosticsByUri('/w', [
      { source: 'syntax', severity: 'error', message: 'x', path: 'a.ts', line: 1 },
      { source: 'tests', severity: 'error', message: 'no file' },
    ]);
    expect([...byUri.keys()]).toEqual(['file:///w/a.ts']);
  });

  it('offers the semgrep autofix as a quick fix edit, then Fix with nootropic and Explain', () => {
    const d = findingToDiagnostic({ source: 'semgrep', severity: 'info', message: 'use ===', path: 'a.js', line: 2, column: 3, endLine: 2, endColumn: 17, rule: 'nootropic.js.loose-equality-null', fix: 'x === undefined' });
    const actions = codeActionsFor('file:///w/a.js', [d, { ...d, source: 'other' }]);
    expect(actions.map((a) => a.title)).toEqual(['Apply fix: nootropic.js.loose-equality-null', 'Fix with nootropic', 'Explain this problem']);
    expect(actions[0]!.edit).toEqual({ changes: { 'file:///w/a.js': [{ range: d.range, newText: 'x === undefined' }] } });
    expect(actions[1]!.command).toMatchObject({ command: 'nootropic.fixDiagnostic', arguments: [{ uri: 'file:///w/a.js', diagnostic: d }] });
    expect(actions[2]!.command!.command).toBe('nootropic.explainDiagnostic');
  });
});
