#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072 MALLOC_MMAP_THRESHOLD_=131072 node --max-old-space-size=512
'use strict';
const path = require('node:path');
const server = path.join(__dirname, '..', 'dist', 'server.js');
try {
  require.resolve(server);
} catch {
  process.stderr.write(`nootropic-lsp: ${server} is missing; run \`npm run build\` in ${path.dirname(__dirname)}\n`);
  process.exit(1);
}
require(server);
