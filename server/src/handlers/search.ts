/**
 * Retrieval over LSP: `nootropic/index/build`, `nootropic/index/info`, `nootropic/search`, the
 * `nootropic/index/status` notification, and `workspace/symbol` served from the index.
 */
import { SymbolKind, type SymbolInformation } from 'vscode-languageserver';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { URI } from 'vscode-uri';
import { IndexBuild, IndexInfo, IndexStatus, NootropicErrorCodes, Search } from '../../../shared/protocol';
import type { ServerContext } from '../context';
import { abortSignalFor, RpcError } from '../rpc/registry';

const KINDS: Record<string, SymbolKind> = {
  function: SymbolKind.Function,
  method: SymbolKind.Method,
  class: SymbolKind.Class,
  interface: SymbolKind.Interface,
  type: SymbolKind.Struct,
  enum: SymbolKind.Enum,
  impl: SymbolKind.Class,
  module: SymbolKind.Module,
};

export function register(ctx: Pick<ServerContext, 'rpc' | 'config' | 'connection' | 'documents' | 'index' | 'status'>): void {
  // Progress updates are throttled; state changes always go out.
  ctx.index.onState(
    (state) => {
      ctx.rpc.send(IndexStatus, state);
      ctx.status.set('index', state.state === 'error' ? [`index: ${state.message ?? 'failed'}`] : []);
    },
    { progressEveryMs: 250 },
  );
  ctx.config.onChange((config) => ctx.index.configure(ctx.config.workspaceRoot, config));

  const requireIndex = () => {
    if (!ctx.config.workspaceRoot) throw new RpcError(NootropicErrorCodes.NoWorkspace, 'no workspace folder is open: open a folder (or pass --root) to index it');
  };

  ctx.rpc.request(IndexBuild, async (params, token) => {
    requireIndex();
    return ctx.index.rebuild(Boolean(params.force), abortSignalFor(token));
  });
  ctx.rpc.request(IndexInfo, () => ctx.index.current());
  ctx.rpc.request(Search, async (params) => {
    requireIndex();
    const hits = await ctx.index.search(params.query, params.limit);
    return { hits, mode: ctx.index.current().mode };
  });

  ctx.documents.onDidSave((e) => {
    if (e.document.uri.startsWith('file:')) void ctx.index.filesChanged([URI.parse(e.document.uri).fsPath]);
  });

  ctx.connection.onWorkspaceSymbol(async (params): Promise<SymbolInformation[]> => {
    const root = ctx.config.workspaceRoot;
    const index = await ctx.index.whenReady();
    if (!root || !index) return [];
    return (await index.symbols(params.query, 200)).map((row) => ({
      name: row.symbol,
      kind: KINDS[row.kind] ?? SymbolKind.Variable,
      ...(row.scope ? { containerName: row.scope } : {}),
      location: {
        uri: pathToFileURL(path.join(root, row.path)).href,
        range: { start: { line: row.start_line - 1, character: 0 }, end: { line: row.end_line - 1, character: 0 } },
      },
    }));
  });
}
