/**
 * The language client's handleDiagnostics middleware: what the server publishes is filtered against the other
 * diagnostics VS Code has for the document (diagnostic-dedup.ts), and filtered again when those others change (the
 * TypeScript server often answers after nootropic, or stops reporting), when the settings that decide it change,
 * and when the grace period for a `fallback` language's syntax errors ends (syntax-languages.ts).
 */
import * as vscode from 'vscode';
import { dropDuplicates, isSyntax, type SyntaxFallback } from './diagnostic-dedup';
import { affectsSyntaxLanguages, syntaxModeFor } from './settings';
import { checkerFor, SYNTAX_GRACE_MS } from './syntax-languages';

type HandleDiagnostics = (uri: vscode.Uri, diagnostics: vscode.Diagnostic[]) => void;

interface Entry {
  diagnostics: vscode.Diagnostic[];
  next: HandleDiagnostics;
  /** Which of `diagnostics` were last passed on (indices), so a re-filter that changes nothing publishes nothing. */
  shown: string;
  /** When this document's syntax errors appeared (the grace period starts then); undefined: it has none. */
  syntaxSince: number | undefined;
  timer?: ReturnType<typeof setTimeout>;
}

export function diagnosticFilter(context: vscode.ExtensionContext): (uri: vscode.Uri, diagnostics: vscode.Diagnostic[], next: HandleDiagnostics) => void {
  const last = new Map<string, Entry>();

  const fallbackFor = (uri: vscode.Uri, entry: Entry): SyntaxFallback | undefined => {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const checker = doc && checkerFor(doc.languageId);
    if (!doc || !checker || syntaxModeFor(doc.languageId) !== 'fallback') return undefined;
    return { checkerSource: checker.source, graceOver: entry.syntaxSince !== undefined && Date.now() - entry.syntaxSince >= SYNTAX_GRACE_MS };
  };

  const show = (uri: vscode.Uri, entry: Entry, force = false) => {
    const fallback = fallbackFor(uri, entry);
    const kept = dropDuplicates(entry.diagnostics, vscode.languages.getDiagnostics(uri), fallback);
    const shown = kept.map((d) => entry.diagnostics.indexOf(d)).join(',');
    if (force || shown !== entry.shown) {
      entry.shown = shown;
      entry.next(uri, kept);
    }
    // Held back for the grace period: look again when it ends.
    if (fallback && !fallback.graceOver && entry.syntaxSince !== undefined && !entry.timer) {
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        if (last.get(uri.toString()) === entry) show(uri, entry);
      }, entry.syntaxSince + SYNTAX_GRACE_MS - Date.now());
    }
  };

  context.subscriptions.push(
    // Our own publish fires this too; show() passes on only a changed outcome.
    vscode.languages.onDidChangeDiagnostics((e) => {
      for (const uri of e.uris) {
        const entry = last.get(uri.toString());
        if (entry) show(uri, entry);
      }
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!affectsSyntaxLanguages(e)) return;
      for (const [key, entry] of last) {
        // A language that now defers to its checker gives it the grace period again.
        if (entry.syntaxSince !== undefined) entry.syntaxSince = Date.now();
        show(vscode.Uri.parse(key), entry);
      }
    }),
    { dispose: () => last.forEach((entry) => entry.timer && clearTimeout(entry.timer)) },
  );

  return (uri, diagnostics, next) => {
    const key = uri.toString();
    const prev = last.get(key);
    if (prev?.timer) clearTimeout(prev.timer);
    // The grace period runs from when the document's syntax errors appeared, not from each re-publish.
    const syntaxSince = diagnostics.some(isSyntax) ? (prev?.syntaxSince ?? Date.now()) : undefined;
    const entry: Entry = { diagnostics, next, shown: '', syntaxSince };
    if (diagnostics.length) last.set(key, entry);
    else last.delete(key);
    show(uri, entry, true);
  };
}
