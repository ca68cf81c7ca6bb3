/**
 * Syntax diagnostics: open documents are parsed with tree-sitter (debounced per document) and a diagnostic is
 * published at each syntax error. Documents without a grammar, or in a language the client's own language server
 * already checks (`diagnostics.syntax.skipLanguages`), get an empty list, so clients waiting for a first publish
 * are never left hanging.
 */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import type { ServerContext } from '../context';
import { syntaxProblems } from '../syntax/errors';
import { grammarFor } from '../syntax/grammars';
import { parseEdited } from '../edits/tree-cache';

export const SYNTAX_SOURCE = 'nootropic';
export const SYNTAX_CODE = 'syntax';

export async function diagnoseSyntax(doc: Pick<TextDocument, 'uri' | 'languageId' | 'getText'>): Promise<Diagnostic[]> {
  const fsPath = doc.uri.startsWith('file:') ? URI.parse(doc.uri).fsPath : doc.uri;
  const grammar = grammarFor(doc.languageId, fsPath);
  if (!grammar) return [];
  // Through the edit engine's tree cache: an edit to an open document (preview, apply, an agent's step) then
  // re-parses only the range it changes instead of the whole file.
  const { tree } = await parseEdited(grammar, null, doc.getText());
  try {
    return syntaxProblems(tree).map((p) => ({
      range: { start: p.start, end: p.end },
      severity: DiagnosticSeverity.Error,
      source: SYNTAX_SOURCE,
      code: SYNTAX_CODE,
      message: p.message,
    }));
  } finally {
    tree.delete();
  }
}

export function register(ctx: Pick<ServerContext, 'diagnostics' | 'documents' | 'config' | 'log' | 'status'>): void {
  const timers = new Map<string, NodeJS.Timeout>();
  const failedGrammars = new Set<string>();

  const publish = async (doc: TextDocument) => {
    const version = doc.version;
    // Off, or the editor's own language server already reports this language's syntax errors (skipLanguages).
    const syntax = ctx.config.config.diagnostics.syntax;
    if (!syntax.enabled || syntax.skipLanguages.includes(doc.languageId)) {
      await ctx.diagnostics.set(doc.uri, 'syntax', []);
      return;
    }
    try {
      const diagnostics = await diagnoseSyntax(doc);
      // A newer edit arrived while parsing: its own run publishes.
      if (ctx.documents.get(doc.uri)?.version !== version) return;
      await ctx.diagnostics.set(doc.uri, 'syntax', diagnostics, version);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      ctx.log.error('syntax check failed', { uri: doc.uri, error: why });
      failedGrammars.add(doc.languageId);
      ctx.status.set('syntax', [`syntax diagnostics unavailable for ${[...failedGrammars].join(', ')}: ${why}`]);
      await ctx.diagnostics.set(doc.uri, 'syntax', []);
    }
  };

  const schedule = (doc: TextDocument, immediate: boolean) => {
    clearTimeout(timers.get(doc.uri));
    const delay = immediate ? 0 : ctx.config.config.diagnostics.syntax.debounceMs;
    timers.set(
      doc.uri,
      setTimeout(() => {
        timers.delete(doc.uri);
        void publish(doc);
      }, delay),
    );
  };

  ctx.documents.onDidOpen((e) => schedule(e.document, true));
  ctx.documents.onDidChangeContent((e) => schedule(e.document, false));
  ctx.documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    timers.delete(e.document.uri);
    void ctx.diagnostics.set(e.document.uri, 'syntax', []);
  });
  ctx.config.onChange((now, before) => {
    const a = now.diagnostics.syntax;
    const b = before.diagnostics.syntax;
    if (a.enabled !== b.enabled || a.skipLanguages.join('\n') !== b.skipLanguages.join('\n')) {
      for (const doc of ctx.documents.all()) schedule(doc, true);
    }
  });
}
