/**
 * Syntax diagnostics: open documents are parsed with tree-sitter (debounced per document) and a diagnostic is
 * published at each syntax error. Documents without a grammar, or in a language the client's own language server
 * already checks (`diagnostics.syntax.skipLanguages`), get an empty list, so clients waiting for a first publish
 * are never left hanging. A grammar that fails shows in status (`syntax`) and the log.
 */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import type { ServerContext } from './context';
import { parseEdited, releaseTree } from './edits/tree-cache';
import { syntaxProblems } from './syntax/errors';
import { grammarFor, type GrammarName } from './syntax/grammars';

export const SYNTAX_SOURCE = 'nootropic';
export const SYNTAX_CODE = 'syntax';

function grammarOf(doc: Pick<TextDocument, 'uri' | 'languageId'>): GrammarName | undefined {
  return grammarFor(doc.languageId, doc.uri.startsWith('file:') ? URI.parse(doc.uri).fsPath : doc.uri);
}

/**
 * `before`: the text this document had at its last check, whose tree the cache may still hold: then only what
 * changed since is re-parsed (a large file's full parse, tens of milliseconds, would hold up every request behind it).
 */
export async function diagnoseSyntax(doc: Pick<TextDocument, 'uri' | 'languageId' | 'getText'>, before: string | null = null): Promise<Diagnostic[]> {
  const grammar = grammarOf(doc);
  if (!grammar) return [];
  // Through the edit engine's tree cache: an edit to an open document (preview, apply, an agent's step) then
  // re-parses only the range it changes instead of the whole file.
  const { tree } = await parseEdited(grammar, before, doc.getText());
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

export class SyntaxDiagnostics {
  /** The pending (debounced) check of each document. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly failedGrammars = new Set<string>();
  /** Each open document's text at its last check (its tree is what the next check starts from). */
  private readonly checked = new Map<string, { grammar: GrammarName; text: string }>();

  constructor(private readonly ctx: Pick<ServerContext, 'diagnostics' | 'documents' | 'config' | 'log' | 'status'>) {}

  /** Check `doc` now (opened, settings changed) or after the debounce (typing). */
  schedule(doc: TextDocument, immediate: boolean): void {
    clearTimeout(this.timers.get(doc.uri));
    const delay = immediate ? 0 : this.ctx.config.config.diagnostics.syntax.debounceMs;
    this.timers.set(
      doc.uri,
      setTimeout(() => {
        this.timers.delete(doc.uri);
        void this.publish(doc);
      }, delay),
    );
  }

  /** A closed document: its pending check is dropped, its tree freed and its diagnostics cleared. */
  close(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    const last = this.checked.get(uri);
    this.checked.delete(uri);
    if (last) releaseTree(last.grammar, last.text);
    void this.ctx.diagnostics.set(uri, 'syntax', []);
  }

  /** Re-check every open document (the syntax settings changed). */
  recheckAll(): void {
    for (const doc of this.ctx.documents.all()) this.schedule(doc, true);
  }

  private async publish(doc: TextDocument): Promise<void> {
    const { ctx } = this;
    const version = doc.version;
    // Off, or the editor's own language server already reports this language's syntax errors (skipLanguages).
    const syntax = ctx.config.config.diagnostics.syntax;
    if (!syntax.enabled || syntax.skipLanguages.includes(doc.languageId)) {
      await ctx.diagnostics.set(doc.uri, 'syntax', []);
      return;
    }
    try {
      const text = doc.getText();
      const diagnostics = await diagnoseSyntax(doc, this.checked.get(doc.uri)?.text ?? null);
      const grammar = grammarOf(doc);
      if (grammar && ctx.documents.get(doc.uri)) this.checked.set(doc.uri, { grammar, text });
      // A newer edit arrived while parsing: its own run publishes.
      if (ctx.documents.get(doc.uri)?.version !== version) return;
      await ctx.diagnostics.set(doc.uri, 'syntax', diagnostics, version);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      ctx.log.error('syntax check failed', { uri: doc.uri, error: why });
      this.failedGrammars.add(doc.languageId);
      ctx.status.set('syntax', [`syntax diagnostics unavailable for ${[...this.failedGrammars].join(', ')}: ${why}`]);
      await ctx.diagnostics.set(doc.uri, 'syntax', []);
    }
  }
}
