#!/usr/bin/env node
// Bundle the compiled kernel (dist/cli/tuml.js and the ~190 ES modules it imports) into
// one CommonJS file, dist/cli/tuml.bundle.cjs, which bin/tuml (CommonJS too) requires.
// One script instead of ~190 modules saves ~6 MB of an idle machine's host RSS and part of
// node's start-up (module records, per-module source strings); CommonJS keeps node's
// ES-module loader (and the fs/promises, readline and stream modules it loads) out of the
// process: ~0.7 MB more (docs/benchmarks.md, "Idle memory"). import.meta.url becomes the
// bundle's file URL. The output is minified (whitespace, comments, local names: a smaller
// source string and scope tables, ~0.35 MB) and kept ASCII (a single non-ASCII character
// would make V8 hold the whole source as two bytes a character). Nothing relies on a
// function's or class's `.name` (keepNames would cost ~0.5 MB): /proc/PID/fd names
// anonymous files by File.anonName. For stack traces with the original names and lines,
// run `node dist/cli/tuml.js`.
// The bundle sits beside tuml.js, so
// `new URL('../../build/...', import.meta.url)` resolves as it does there.
// Without esbuild (an install without devDependencies) it removes any old bundle and
// bin/tuml runs dist/cli/tuml.js; bin/tuml also ignores a bundle older than tuml.js.
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli');
const OUT = path.join(CLI, 'tuml.bundle.cjs');
fs.rmSync(path.join(CLI, 'tuml.bundle.js'), { force: true }); // the ES-module bundle of older builds
fs.rmSync(OUT + '.cache', { force: true }); // made again below, after the bundle

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
  minify: true,
  charset: 'ascii',
  legalComments: 'none',
  logLevel: 'warning',
});

// V8's code cache of the bundle (bin/load.cjs), made by a node with bin/tuml's flags: V8
// refuses a cache made with other flags. Without one, bin/tuml parses the bundle.
const BIN = path.join(CLI, '..', '..', 'bin');
const flags = (/^#!.*\bnode\b(.*)$/m.exec(fs.readFileSync(path.join(BIN, 'tuml'), 'utf8').split('\n')[0])?.[1] ?? '')
  .trim().split(/\s+/).filter(Boolean);
const r = spawnSync(process.execPath, [...flags, '-e', 'require(process.argv[1]).writeCache(process.argv[2])',
  path.join(BIN, 'load.cjs'), OUT], { encoding: 'utf8' });
if (r.status !== 0) process.stderr.write(`bundle: no code cache (${(r.stderr || r.error?.message || '').trim().split('\n').pop()})\n`);

// Then, where the guest root is there (scripts/fetch-guest.sh), a training run: the kernel
// boots it read-only and runs a few programs and a shell loop (the warm-up ends, the JIT
// translates), and bin/load.cjs writes the cache of every function compiled by then. Kept
// only if a node with the same flags takes it (V8 refuses a cache made under other flags).
const ROOT = path.join(CLI, '..', '..', 'build', 'root');
const TRAIN = 'for i in $(seq 40); do /bin/true; done; ls -l / /bin >/dev/null; cat /etc/passwd | wc -l >/dev/null; echo ok';
if (r.status === 0 && fs.existsSync(path.join(ROOT, 'bin', 'busybox'))) {
  const tmp = OUT + '.cache.train';
  const t = spawnSync(process.execPath, [...flags, path.join(BIN, 'tuml'), 'quiet', 'ro', 'rootfstype=hostfs', `hostfs=${ROOT}`,
    '--', '/bin/sh', '-c', TRAIN], { encoding: 'utf8', env: { ...process.env, TUML_TRAIN_CACHE: tmp }, timeout: 60000 });
  const ok = t.status === 0 && /^ok$/m.test(t.stdout) && fs.existsSync(tmp) && spawnSync(process.execPath, [...flags, '-e',
    'process.exit(require(process.argv[1]).cacheAccepted(process.argv[2], process.argv[3]) ? 0 : 1)',
    path.join(BIN, 'load.cjs'), OUT, tmp]).status === 0;
  if (ok) fs.renameSync(tmp, OUT + '.cache');
  else {
    fs.rmSync(tmp, { force: true });
    process.stderr.write(`bundle: the trained code cache failed (${t.status !== 0 ? (t.stderr || t.error?.message || '').trim().split('\n').pop() : 'refused by V8'}); kept the top level's\n`);
  }
}
