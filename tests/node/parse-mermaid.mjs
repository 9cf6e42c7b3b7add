// Parses Mermaid diagrams with Mermaid itself (v11), headless under jsdom.
//
// Usage: node parse-mermaid.mjs FILE...
// The packages `mermaid` and `jsdom` are loaded from the folder named by
// STORMCRAFT_NODE_MODULES (default: $HOME/.cache/stormcraft-node/node_modules),
// installed there outside the checkout by `.ci/run`. Prints one line per file,
// `FILE: ok (TYPE)` or `FILE: error: MESSAGE`; exits 1 when any file fails, 2 when the
// packages cannot be loaded.
//
// `mermaid.parse` runs the real grammar and the flowchart database, so it also
// enforces `maxEdges` (500 by default). `maxTextSize` (50,000 by default) is only
// checked when rendering, which needs a layout engine jsdom lacks, so it is checked
// here the same way Mermaid does: the source's JavaScript length.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';

const modules =
  process.env.STORMCRAFT_NODE_MODULES ||
  path.join(os.homedir(), '.cache', 'stormcraft-node', 'node_modules');
// Resolve packages as if from a file inside that folder.
const require = createRequire(path.join(modules, 'stormcraft-resolve.js'));

let mermaid;
try {
  const { JSDOM } = require('jsdom');
  // Mermaid sanitises labels with DOMPurify, which needs a window and a document.
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  globalThis.window = dom.window;
  globalThis.document = dom.window.document;
  mermaid = (await import(require.resolve('mermaid'))).default;
} catch (error) {
  console.error(`cannot load mermaid and jsdom from ${modules}: ${error.message}`);
  process.exit(2);
}
// The defaults, stated so the check does not drift with Mermaid's.
const maxTextSize = 50000;
mermaid.initialize({ startOnLoad: false, maxTextSize, maxEdges: 500 });

let failed = false;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  try {
    const result = await mermaid.parse(text);
    if (text.length > maxTextSize) {
      throw new Error(`the source has ${text.length} characters, over the limit maxTextSize ${maxTextSize}`);
    }
    console.log(`${file}: ok (${result.diagramType})`);
  } catch (error) {
    const message = String(error?.message ?? error).replace(/\s+/g, ' ');
    console.log(`${file}: error: ${message}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
