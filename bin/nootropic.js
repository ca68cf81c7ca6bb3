#!/usr/bin/env node
'use strict';
const path = require('node:path');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
try {
  require.resolve(cli);
} catch {
  process.stderr.write(`nootropic: ${cli} is missing; run \`npm run build\` in ${path.dirname(__dirname)}\n`);
  process.exit(1);
}
// For a command that talks to the server, start it now, while cli.js loads (cli/early-server.ts).
try {
  require(path.join(__dirname, '..', 'dist', 'cli-early.js')).startEarly(process.argv, path.join(__dirname, '..', 'dist', 'server.js'));
} catch (err) {
  if (err && err.code !== 'MODULE_NOT_FOUND') throw err;
}
require(cli);
