#!/usr/bin/env node
// Entry point of the `lazymmu` command: the bundled CLI lives in dist/.
const path = require('path');
const fs = require('fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('lazymmu: dist/cli.js is missing; run `npm run build` first\n');
  process.exit(2);
}
require(bundle);
