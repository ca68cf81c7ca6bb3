/**
 * Inline completion over LSP: `textDocument/inlineCompletion` (LSP 3.18; VS Code shows ghost text, Tab accepts)
 * and the same result as one `textDocument/completion` item for editors without inline completion (Neovim before
 * 0.11, Helix), `nootropic/completion/feedback` for the person's verdict and `nootropic/completion/info` for what
 * serves completions. `$/cancelRequest` (a typed character) aborts the model's HTTP request. A failing endpoint
 * shows in status and the log, never as an error popup per keystroke.
 */
import path from 'node:path';
import {
  CompletionItemKind,
  InsertTextFormat,
  type CompletionItem,
  type InlineCompletionItem,
  type Position,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import { COMPLETION_ACCEPTED_COMMAND, CompletionFeedback, CompletionInfo } from '../../../shared/protocol';
import type { ServerContext } from '../context';
import { ModelError } from '../models/errors';
import { CompletionService, type CompletionOutcome } from '../completion/service';
import { abortSignalFor } from '../rpc/registry';
import { redactSecrets } from '../security/secrets';

/** Workspace-relative path with forward slashes (the index's form), or the file name outside the workspace. */
function relPath(root: string | null, uri: string): string {
  const fsPath = uri.startsWith('file:') ? URI.parse(uri).fsPath : uri;
  if (root) {
    const rel = path.relative(root, fsPath);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  }
  return path.basename(fsPath);
}

export function createCompletionService(ctx: Pick<ServerContext, 'config' | 'models' | 'secrets' | 'index' | 'documents' | 'log'>): CompletionService {
  // Each open document's relative path, worked out once per URI and root (a URI is parsed per lookup otherwise).
  const rels = new Map<string, string>();
  const relOf = (uri: string) => {
    const key = `${ctx.config.workspaceRoot}\0${uri}`;
    let rel = rels.get(key);
    if (rel === undefined) {
      if (rels.size > 1000) rels.clear();
      rels.set(key, (rel = relPath(ctx.config.workspaceRoot, uri)));
    }
    return rel;
  };
  const byRel = (rel: string) => {
    for (const d of ctx.documents.all()) if (relOf(d.uri) === rel) return d.getText();
    return undefined;
  };
  return new CompletionService({
    config: () => ctx.config.config,
    root: () => ctx.config.workspaceRoot,
    models: ctx.models,
    apiKey: () => ctx.secrets.apiKey,
    definitions: (query) => ctx.index.definitions(query),
    openText: byRel,
    log: ctx.log.child('completion'),
  });
}

export function register(ctx: Pick<ServerContext, 'connection' | 'rpc' | 'config' | 'models' | 'secrets' | 'index' | 'documents' | 'log' | 'status'>): CompletionService {
  const service = createCompletionService(ctx);
  const root = () => ctx.config.workspaceRoot;

  ctx.documents.onDidOpen((e) => {
    const rel = relPath(root(), e.document.uri);
    const text = e.document.getText();
    service.edits.opened(rel, text);
    service.opened(e.document.uri, text);
    service.prepare({ uri: e.document.uri, path: rel, languageId: e.document.languageId, text });
  });
  ctx.documents.onDidChangeContent((e) => service.edits.changed(relPath(root(), e.document.uri), e.document.getText()));
  ctx.documents.onDidClose((e) => {
    const rel = relPath(root(), e.document.uri);
    service.edits.closed(rel);
    service.closed(e.document.uri, e.document.languageId, rel);
  });
  ctx.config.onChange(() => service.cache.clear());

  const run = async (doc: TextDocument, position: Position, signal: AbortSignal): Promise<CompletionOutcome | undefined> => {
    try {
      const outcome = await service.complete({ uri: doc.uri, path: relPath(root(), doc.uri), languageId: doc.languageId, text: doc.getText(), offset: doc.offsetAt(position) }, signal);
      if (outcome && !outcome.cached) ctx.status.set('completion', []);
      return outcome;
    } catch (err) {
      if (err instanceof ModelError && err.kind === 'cancelled') return undefined;
      const message = redactSecrets(err instanceof Error ? err.message : String(err));
      ctx.status.set('completion', [`completion: ${message.split('\n').join(' ')}`]);
      ctx.log.warn('inline completion unavailable', { error: message });
      return undefined;
    }
  };

  ctx.connection.languages.inlineCompletion.on(async (params, token): Promise<InlineCompletionItem[]> => {
    const doc = ctx.documents.get(params.textDocument.uri);
    if (!doc) return [];
    const outcome = await run(doc, params.position, abortSignalFor(token));
    if (!outcome?.text) return [];
    return [
      {
        insertText: outcome.text,
        range: { start: params.position, end: params.position },
        ...(outcome.id ? { command: { title: 'nootropic: completion accepted', command: COMPLETION_ACCEPTED_COMMAND, arguments: [outcome.id] } } : {}),
      },
    ];
  });

  ctx.connection.onCompletion(async (params, token): Promise<CompletionItem[]> => {
    const doc = ctx.documents.get(params.textDocument.uri);
    if (!doc) return [];
    const outcome = await run(doc, params.position, abortSignalFor(token));
    if (!outcome?.text) return [];
    // Editors filter items by the word before the cursor: the item replaces that word with itself + completion.
    const lineStart = doc.offsetAt({ line: params.position.line, character: 0 });
    const before = doc.getText().slice(lineStart, doc.offsetAt(params.position));
    const word = /[\w$]*$/.exec(before)![0];
    const start = { line: params.position.line, character: params.position.character - word.length };
    const firstLine = outcome.text.split('\n')[0]!;
    return [
      {
        label: (word + firstLine).trim() || outcome.text.trim().split('\n')[0]!,
        kind: CompletionItemKind.Text,
        detail: `nootropic · ${outcome.endpoint?.model ?? 'cached'}`,
        documentation: { kind: 'markdown', value: '```\n' + outcome.text + '\n```' },
        filterText: word + outcome.text,
        sortText: '0',
        preselect: true,
        insertTextFormat: InsertTextFormat.PlainText,
        textEdit: { range: { start, end: params.position }, newText: word + outcome.text },
        ...(outcome.id ? { command: { title: 'nootropic: completion accepted', command: COMPLETION_ACCEPTED_COMMAND, arguments: [outcome.id] } } : {}),
      },
    ];
  });

  ctx.rpc.request(CompletionFeedback, async (params) => ({ recorded: await service.feedback(params.id, params.verdict) }));
  ctx.rpc.request(CompletionInfo, (params) => service.info(params.languageId));
  return service;
}
