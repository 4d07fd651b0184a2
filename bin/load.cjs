// Run the kernel bundle (dist/cli/tuml.bundle.cjs) as a CommonJS module, with V8's code
// cache of it when there is one: scripts/bundle.mjs writes tuml.bundle.cjs.cache (the
// compiled top level, made with bin/tuml's node flags) after the bundle. Deserializing it
// instead of parsing 0.6 MB of JavaScript saves ~0.8 MB of host memory (the parser's
// memory stays in glibc's heap) and ~20 ms. V8 refuses a cache made by another node or
// with other flags (then it compiles as usual); a cache older than the bundle is not
// used (V8 itself only checks the source's length).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const PARAMS = ['exports', 'require', 'module', '__filename', '__dirname'];

/** Run bundle file with its code cache when that is usable. */
function runBundle(file) {
  const cacheFile = file + '.cache';
  let cache;
  try { if (fs.statSync(cacheFile).mtimeMs >= fs.statSync(file).mtimeMs) cache = fs.readFileSync(cacheFile); } catch { /* none */ }
  const fn = vm.compileFunction(fs.readFileSync(file, 'utf8'), PARAMS, { filename: file, cachedData: cache });
  cache = undefined;
  const dir = path.dirname(file);
  const m = new Module(file, module);
  m.filename = file;
  fn.call(m.exports, m.exports, Module.createRequire(file), m, file, dir);
}

/** Write the code cache of bundle file (run by scripts/bundle.mjs with bin/tuml's flags). */
function writeCache(file) {
  const fn = vm.compileFunction(fs.readFileSync(file, 'utf8'), PARAMS, { filename: file, produceCachedData: true });
  if (!fn.cachedDataProduced) throw new Error('V8 produced no code cache');
  fs.writeFileSync(file + '.cache', fn.cachedData);
  return fn.cachedData.length;
}

module.exports = { runBundle, writeCache };
