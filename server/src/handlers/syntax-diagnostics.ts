/** Syntax diagnostics of open documents (the service: syntax-diagnostics.ts): document and settings events only. */
import type { ServerContext } from '../context';

export function register(ctx: Pick<ServerContext, 'documents' | 'config' | 'syntax'>): void {
  ctx.documents.onDidOpen((e) => ctx.syntax.schedule(e.document, true));
  ctx.documents.onDidChangeContent((e) => ctx.syntax.schedule(e.document, false));
  ctx.documents.onDidClose((e) => ctx.syntax.close(e.document.uri));
  ctx.config.onChange((now, before) => {
    const a = now.diagnostics.syntax;
    const b = before.diagnostics.syntax;
    if (a.enabled !== b.enabled || a.skipLanguages.join('\n') !== b.skipLanguages.join('\n')) ctx.syntax.recheckAll();
  });
}
