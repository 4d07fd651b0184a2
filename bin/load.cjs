// Run the kernel bundle (dist/cli/tuml.bundle.cjs) as a CommonJS module, with V8's code
// cache of it when there is one. scripts/bundle.mjs writes tuml.bundle.cjs.cache with
// bin/tuml's node flags: the top level compiled (writeCache), then, where the guest root
// is there, the bytecode of every function a short training run of the kernel compiled
// (TUML_TRAIN_CACHE below): those functions then start without being parsed and compiled
// on their first call (forkexec 300 1.032 -> 0.932 ms, shell loop of 1,000 1.50 -> 1.30 s,
// boot alike; docs/performance.md, session 11). Deserializing
// a cache instead of parsing 0.6 MB of JavaScript also saves ~0.8 MB of host memory (the
// parser's memory stays in glibc's heap) and ~20 ms. V8 refuses a cache made by another
// node or with other flags (then it compiles as usual); a cache older than the bundle is
// not used (V8 itself only checks the source's length).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');
const { spawnSync } = require('node:child_process');

// The CommonJS wrapper: a vm.Script (unlike vm.compileFunction) can make a code cache
// after it ran, with the functions compiled meanwhile.
const HEAD = '(function (exports, require, module, __filename, __dirname) {', TAIL = '\n})';

/**
 * V8 flags the kernel changes at run time (src/machine/optwarm.ts, src/arch/riscv/jit/
 * wasmloop.ts). V8 stamps a code cache with a hash of the flags and refuses it under
 * others, so a training run sets these back to bin/tuml's values (or V8's defaults)
 * before it writes its cache. tests/codecache.test.mjs checks that no other flag is set.
 */
const RUNTIME_FLAGS = ['turbofan', 'optimize-for-size', 'use-osr', 'max-optimized-bytecode-size',
  'max-inlined-bytecode-size-cumulative',
  'wasm-tiering-budget', 'experimental-wasm-branch-hinting'];

function compile(file, cache) {
  return new vm.Script(HEAD + fs.readFileSync(file, 'utf8') + TAIL, { filename: file, cachedData: cache });
}

/** Run bundle file with its code cache when that is usable. */
function runBundle(file) {
  const cacheFile = file + '.cache';
  let cache;
  try { if (fs.statSync(cacheFile).mtimeMs >= fs.statSync(file).mtimeMs) cache = fs.readFileSync(cacheFile); } catch { /* none */ }
  const script = compile(file, cache);
  cache = undefined;
  // A training run (scripts/bundle.mjs): at exit, the cache of everything compiled so far.
  const train = process.env.TUML_TRAIN_CACHE;
  if (train) process.on('exit', () => { restoreFlags(); fs.writeFileSync(train, script.createCachedData()); });
  const fn = script.runInThisContext();
  const dir = path.dirname(file);
  const m = new Module(file, module);
  m.filename = file;
  fn.call(m.exports, m.exports, Module.createRequire(file), m, file, dir);
}

/** Set RUNTIME_FLAGS back to this node's command-line values, or else V8's defaults. */
function restoreFlags() {
  const v8 = require('node:v8');
  const help = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout || '';
  for (const name of RUNTIME_FLAGS) {
    const given = process.execArgv.find((a) => a === `--${name}` || a === `--no-${name}` || a.startsWith(`--${name}=`));
    const dflt = new RegExp(`^\\s+--${name} \\(.*\\n\\s+type: \\S+\\s+default: (\\S+)`, 'm').exec(help)?.[1];
    const value = given ?? dflt;
    if (value) v8.setFlagsFromString(value);
  }
}

/** Write the code cache of bundle file's top level to out (run by scripts/bundle.mjs with bin/tuml's flags). */
function writeCache(file, out = file + '.cache') {
  const data = compile(file).createCachedData();
  fs.writeFileSync(out, data);
  return data.length;
}

/** Whether V8 takes cache file for bundle file in this process (scripts/bundle.mjs checks a trained cache). */
function cacheAccepted(file, cacheFile) {
  return !compile(file, fs.readFileSync(cacheFile)).cachedDataRejected;
}

module.exports = { runBundle, writeCache, cacheAccepted, RUNTIME_FLAGS };
