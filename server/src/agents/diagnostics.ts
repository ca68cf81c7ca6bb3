/**
 * Critic findings as LSP diagnostics (`source: 'nootropic-critic'`) and their code actions: "Fix with nootropic"
 * (`nootropic.fixDiagnostic`), "Explain this problem" (`nootropic.explainDiagnostic`) and, where semgrep gives an
 * autofix, a quick fix WorkspaceEdit. Published through the diagnostics hub (server/src/diagnostics-hub.ts) as
 * the critic's share of each file's list, so the syntax checker's publishes on later keystrokes keep them.
 */
import { CodeActionKind, DiagnosticSeverity, type CodeAction, type Diagnostic } from 'vscode-languageserver';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import type { Finding } from '../workflow/run-log';

export const CRITIC_SOURCE = 'nootropic-critic';

export function findingToDiagnostic(f: Finding): Diagnostic {
  const line = Math.max(0, (f.line ?? 1) - 1);
  const character = Math.max(0, (f.column ?? 1) - 1);
  const endLine = Math.max(line, (f.endLine ?? f.line ?? 1) - 1);
  const endCharacter = f.endLine || f.endColumn ? Math.max(0, (f.endColumn ?? 1) - 1) : character + 1;
  return {
    range: { start: { line, character }, end: { line: endLine, character: endCharacter } },
    severity: f.severity === 'error' ? DiagnosticSeverity.Error : f.severity === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information,
    source: CRITIC_SOURCE,
    ...(f.rule ? { code: f.rule } : { code: f.source }),
    message: f.message.split('\n').slice(0, 20).join('\n'),
    data: { kind: f.source, ...(f.fix !== undefined ? { fix: f.fix } : {}) },
  };
}

/** Findings with a file, grouped by file URI. */
export function diagnosticsByUri(root: string, findings: readonly Finding[]): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  for (const f of findings) {
    if (!f.path) continue;
    const uri = pathToFileURL(path.resolve(root, f.path)).href;
    if (!out.has(uri)) out.set(uri, []);
    out.get(uri)!.push(findingToDiagnostic(f));
  }
  return out;
}

export function codeActionsFor(uri: string, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const d of diagnostics) {
    if (d.source !== CRITIC_SOURCE) continue;
    const data = (d.data ?? {}) as { fix?: unknown };
    if (typeof data.fix === 'string') {
      actions.push({ title: `Apply fix: ${d.code ?? 'semgrep'}`, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: true, edit: { changes: { [uri]: [{ range: d.range, newText: data.fix }] } } });
    }
    actions.push({ title: 'Fix with nootropic', kind: CodeActionKind.QuickFix, diagnostics: [d], command: { title: 'Fix with nootropic', command: 'nootropic.fixDiagnostic', arguments: [{ uri, diagnostic: d }] } });
    actions.push({ title: 'Explain this problem', kind: CodeActionKind.QuickFix, diagnostics: [d], command: { title: 'Explain this problem', command: 'nootropic.explainDiagnostic', arguments: [{ uri, diagnostic: d }] } });
  }
  return actions;
}
