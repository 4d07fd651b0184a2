#!/usr/bin/env node
// Bundle the compiled kernel (dist/cli/tuml.js and the ~190 ES modules it imports) into
// one CommonJS file, dist/cli/tuml.bundle.cjs, which bin/tuml (CommonJS too) requires.
// One script instead of ~190 modules saves ~6 MB of an idle machine's host RSS and part of
// node's start-up (module records, per-module source strings); CommonJS keeps node's
// ES-module loader (and the fs/promises, readline and stream modules it loads) out of the
// process: ~0.7 MB more (docs/benchmarks.md, "Idle memory"). import.meta.url becomes the
// bundle's file URL. Whitespace and
// comments are dropped and the output kept ASCII (a single non-ASCII character would
// make V8 hold the whole source as two bytes a character). Identifiers are not mangled,
// but a top-level name that two modules share is renamed in one of them (Socket ->
// Socket2): `keepNames` would undo that at ~0.5 MB of RSS, and nothing relies on `.name`
// except /proc/PID/fd's last-resort label of anonymous files (none of those is renamed).
// The bundle sits beside tuml.js, so
// `new URL('../../build/...', import.meta.url)` resolves as it does there.
// Without esbuild (an install without devDependencies) it removes any old bundle and
// bin/tuml runs dist/cli/tuml.js; bin/tuml also ignores a bundle older than tuml.js.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli');
const OUT = path.join(CLI, 'tuml.bundle.cjs');
fs.rmSync(path.join(CLI, 'tuml.bundle.js'), { force: true }); // the ES-module bundle of older builds

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  fs.rmSync(OUT, { force: true });
  process.stderr.write('bundle: esbuild is not installed (npm install); bin/tuml runs the unbundled dist/cli/tuml.js\n');
  process.exit(0);
}
await esbuild.build({
  entryPoints: [path.join(CLI, 'tuml.js')],
  outfile: OUT,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "var __bundleUrl=require('url').pathToFileURL(__filename).href;" },
  target: 'node20',
  minifyWhitespace: true,
  charset: 'ascii',
  legalComments: 'none',
  logLevel: 'warning',
});
