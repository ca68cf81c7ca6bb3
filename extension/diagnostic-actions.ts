/**
 * "Fix with nootropic" and "Explain this problem" on a diagnostic. The critic's diagnostics
 * (source `nootropic-critic`) get these code actions from the server (agents stream); this file implements the
 * commands they invoke, and offers the same two actions itself for nootropic's other diagnostics (syntax) —
 * and for the critic's, only while the running server offers no code actions of its own, so a menu never
 * lists them twice. Both go through the chat: /fix opens a reviewed diff, /explain answers in the chat view.
 */
import * as vscode from 'vscode';

export const FIX_COMMAND = 'nootropic.fixDiagnostic';
export const EXPLAIN_COMMAND = 'nootropic.explainDiagnostic';
const SOURCES = new Set(['nootropic', 'nootropic-critic']);

interface Target {
  uri: vscode.Uri;
  range: vscode.Range;
  message: string;
  source?: string;
}

type RangeLike = { start: { line: number; character: number }; end: { line: number; character: number } };
const isRange = (r: unknown): r is RangeLike =>
  !!r && typeof r === 'object' && 'start' in r && 'end' in r && typeof (r as RangeLike).start?.line === 'number';
const toRange = (r: RangeLike) => (r instanceof vscode.Range ? r : new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character));
const toUri = (u: unknown) => (u instanceof vscode.Uri ? u : typeof u === 'string' ? vscode.Uri.parse(u) : undefined);

/**
 * The server's code actions pass LSP values (`uri` string, `diagnostic` object, in any order or as one object);
 * ours pass VS Code ones. Anything that isn't there comes from the active editor's diagnostics at the cursor.
 */
export function targetFrom(args: unknown[]): Target | undefined {
  let uri: vscode.Uri | undefined;
  let diag: { range: RangeLike; message: string; source?: string } | undefined;
  const visit = (a: unknown) => {
    if (!a) return;
    if (a instanceof vscode.Uri || typeof a === 'string') uri ??= toUri(a);
    else if (typeof a === 'object') {
      const o = a as Record<string, unknown>;
      if (isRange(o.range) && typeof o.message === 'string') diag ??= o as unknown as { range: RangeLike; message: string; source?: string };
      if (o.uri) uri ??= toUri(o.uri);
      if (o.textDocument && typeof o.textDocument === 'object') uri ??= toUri((o.textDocument as { uri?: unknown }).uri);
      if (o.diagnostic) visit(o.diagnostic);
      if (Array.isArray(o.diagnostics)) visit(o.diagnostics[0]);
    }
  };
  args.forEach(visit);
  const editor = vscode.window.activeTextEditor;
  uri ??= editor?.document.uri;
  if (!uri) return undefined;
  if (!diag) {
    const at = editor && editor.document.uri.toString() === uri.toString() ? editor.selection.active : undefined;
    const found = vscode.languages.getDiagnostics(uri).filter((d) => SOURCES.has(d.source ?? '')).find((d) => !at || d.range.contains(at)) ?? vscode.languages.getDiagnostics(uri)[0];
    if (!found) return undefined;
    diag = { range: found.range, message: found.message, ...(found.source ? { source: found.source } : {}) };
  }
  return { uri, range: toRange(diag.range), message: diag.message, ...(diag.source ? { source: diag.source } : {}) };
}

async function selectLines(t: Target): Promise<vscode.TextEditor> {
  const editor = await vscode.window.showTextDocument(t.uri, { preserveFocus: false, preview: false });
  const last = Math.min(editor.document.lineCount - 1, t.range.end.line + 2);
  const start = Math.max(0, t.range.start.line - 2);
  editor.selection = new vscode.Selection(start, 0, last, editor.document.lineAt(last).text.length);
  editor.revealRange(editor.selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}

class ClientCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  constructor(private readonly serverOffersCodeActions: () => boolean) {}
  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      // nootropic's own diagnostics, and errors from the language's own server: where nootropic stays quiet because
      // that server already reports the problem (TS/JS syntax, the critic's duplicates), its error gets the actions.
      if (!SOURCES.has(d.source ?? '') && d.severity !== vscode.DiagnosticSeverity.Error) continue;
      if (d.source === 'nootropic-critic' && this.serverOffersCodeActions()) continue;
      const arg = { uri: document.uri.toString(), diagnostic: { range: d.range, message: d.message, source: d.source } };
      const fix = new vscode.CodeAction('Fix with nootropic', vscode.CodeActionKind.QuickFix);
      fix.command = { command: FIX_COMMAND, title: 'Fix with nootropic', arguments: [arg] };
      fix.diagnostics = [d];
      const explain = new vscode.CodeAction('Explain this problem', vscode.CodeActionKind.QuickFix);
      explain.command = { command: EXPLAIN_COMMAND, title: 'Explain this problem', arguments: [arg] };
      explain.diagnostics = [d];
      actions.push(fix, explain);
    }
    return actions;
  }
}

export function registerDiagnosticActions(chat: (text: string) => Promise<unknown>, serverOffersCodeActions: () => boolean): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(FIX_COMMAND, async (...args: unknown[]) => {
      const t = targetFrom(args);
      if (!t) return void vscode.window.showInformationMessage('nootropic: no problem here to fix. Put the cursor on a diagnostic.');
      await selectLines(t);
      return chat(`/fix ${t.message.split('\n')[0]} (line ${t.range.start.line + 1})`);
    }),
    vscode.commands.registerCommand(EXPLAIN_COMMAND, async (...args: unknown[]) => {
      const t = targetFrom(args);
      if (!t) return void vscode.window.showInformationMessage('nootropic: no problem here to explain. Put the cursor on a diagnostic.');
      await selectLines(t);
      return chat(`/explain the problem reported at line ${t.range.start.line + 1}${t.source ? ` by ${t.source}` : ''}: "${t.message.split('\n')[0]}" — why it is a problem and how to fix it. @problems`);
    }),
    vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new ClientCodeActions(serverOffersCodeActions), { providedCodeActionKinds: ClientCodeActions.kinds }),
  ];
}
