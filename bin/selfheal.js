#!/usr/bin/env node
'use strict';
// From a source checkout, run the TypeScript CLI through tsx (never a stale build);
// a production image ships only dist/ and runs the compiled CLI.
const path = require('node:path');
const fs = require('node:fs');
const source = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
if (fs.existsSync(source)) {
  require('tsx/cjs');
  require(source);
} else {
  require(path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js'));
}
