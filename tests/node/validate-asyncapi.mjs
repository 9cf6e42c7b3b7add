// Validates AsyncAPI documents with the official parser, `@asyncapi/parser` (v3).
//
// Usage: node validate-asyncapi.mjs FILE...
// The parser is loaded from the folder named by STORMCRAFT_NODE_MODULES (default:
// $HOME/.cache/stormcraft-node/node_modules), installed there outside the checkout by
// `.ci/run`. Prints every diagnostic; exits 1 when any file has a diagnostic of error
// severity, or, with STORMCRAFT_ASYNCAPI_STRICT=1, of warning severity; 2 when the
// parser cannot be loaded.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';

const modules =
  process.env.STORMCRAFT_NODE_MODULES ||
  path.join(os.homedir(), '.cache', 'stormcraft-node', 'node_modules');
// Resolve packages as if from a file inside that folder.
const require = createRequire(path.join(modules, 'stormcraft-resolve.js'));

let Parser;
try {
  ({ Parser } = require('@asyncapi/parser'));
} catch (error) {
  console.error(`cannot load @asyncapi/parser from ${modules}: ${error.message}`);
  process.exit(2);
}

// Spectral's severities: 0 error, 1 warning, 2 information, 3 hint.
const SEVERITY = ['error', 'warning', 'info', 'hint'];
const strict = process.env.STORMCRAFT_ASYNCAPI_STRICT === '1';
const parser = new Parser();
let failed = false;
for (const file of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(readFileSync(file, 'utf8'), {
    source: file,
  });
  for (const d of diagnostics) {
    const where = (d.path || []).join('/');
    console.log(`${file}: ${SEVERITY[d.severity] ?? d.severity}: ${d.code}: ${d.message} at /${where}`);
    if (d.severity === 0 || (strict && d.severity === 1)) {
      failed = true;
    }
  }
  if (!document) {
    console.log(`${file}: error: the parser returned no document`);
    failed = true;
  } else {
    console.log(`${file}: ok, ${document.channels().length} channels, ${document.operations().length} operations, ${document.messages().length} messages`);
  }
}
process.exit(failed ? 1 : 0);
