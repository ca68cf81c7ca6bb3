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
require(cli);
