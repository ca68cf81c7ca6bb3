/**
 * dist/server.js, the `nootropic-lsp` entry: starts the index worker thread (rag/worker-prewarm.ts), then loads the
 * server itself (dist/server-main.js, from main.ts). A few KB, so the worker's bundle loads while the server's is
 * read and compiled, not after `initialize`.
 */
import path from 'node:path';
import { prewarmIndexWorker } from './rag/worker-prewarm';

prewarmIndexWorker(path.join(__dirname, 'index-worker.js'), process.argv.slice(2));
// Not bundled here (a separate bundle beside this file): a computed path keeps esbuild from inlining it.
const serverMain = path.join(__dirname, 'server-main.js');
require(serverMain);
