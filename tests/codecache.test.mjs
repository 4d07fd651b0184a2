// The bundle's V8 code cache (bin/load.cjs, scripts/bundle.mjs): a training run's cache
// holds the functions the kernel compiled, and a node with bin/tuml's flags takes it.
// V8 refuses a cache made under other flags, so every V8 flag the kernel changes at run
// time must be one the training run sets back (load.cjs RUNTIME_FLAGS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { REPO } from './lib/guest.mjs';

const require = createRequire(import.meta.url);
const LOAD = path.join(REPO, 'bin', 'load.cjs');
const { RUNTIME_FLAGS } = require(LOAD);
const BUNDLE = path.join(REPO, 'dist', 'cli', 'tuml.bundle.cjs');
const ROOT = path.join(REPO, 'build', 'root');
const FLAGS = (/^#!.*\bnode\b(.*)$/m.exec(fs.readFileSync(path.join(REPO, 'bin', 'tuml'), 'utf8').split('\n')[0])?.[1] ?? '')
  .trim().split(/\s+/).filter(Boolean);

/** The source files under dir (recursively). */
function sources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? sources(path.join(dir, e.name))
    : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path.join(dir, e.name)] : []);
}

test('every V8 flag the kernel sets at run time is one a training run sets back', () => {
  const set = new Set();
  for (const f of sources(path.join(REPO, 'src'))) {
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/setFlagsFromString\(\s*[`'"]--(?:no-)?([a-z0-9-]+)/g)) set.add(m[1]);
  }
  assert.ok(set.has('turbofan') && set.has('wasm-tiering-budget'), `found ${[...set]}`);
  for (const name of set) assert.ok(RUNTIME_FLAGS.includes(name), `--${name} is set at run time but not in bin/load.cjs RUNTIME_FLAGS`);
});

/** Whether a node with bin/tuml's flags takes cacheFile for the bundle. */
function accepted(cacheFile) {
  const r = spawnSync(process.execPath, [...FLAGS, '-e', 'process.exit(require(process.argv[1]).cacheAccepted(process.argv[2], process.argv[3]) ? 0 : 3)',
    LOAD, BUNDLE, cacheFile], { encoding: 'utf8' });
  assert.ok(r.status === 0 || r.status === 3, r.stderr);
  return r.status === 0;
}

const noRoot = fs.existsSync(path.join(ROOT, 'bin', 'busybox')) ? false : 'no guest root (npm run fetch-guest)';
const noBundle = fs.existsSync(BUNDLE) ? false : 'no bundle (esbuild not installed)';

test('a training run writes a cache that bin/tuml takes, with more than the top level', { skip: noBundle || noRoot }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuml-cache-'));
  try {
    const top = path.join(dir, 'top'), trained = path.join(dir, 'trained');
    const w = spawnSync(process.execPath, [...FLAGS, '-e', 'require(process.argv[1]).writeCache(process.argv[2], process.argv[3])', LOAD, BUNDLE, top]);
    assert.equal(w.status, 0, String(w.stderr));
    // The warm-up ends (the same command twice) and the JIT starts: the flags change.
    const r = spawnSync(process.execPath, [...FLAGS, path.join(REPO, 'bin', 'tuml'), 'quiet', 'ro', 'rootfstype=hostfs', `hostfs=${ROOT}`,
      '--', '/bin/sh', '-c', 'for i in 1 2 3 4 5; do /bin/true; done; echo trained'],
    { encoding: 'utf8', env: { ...process.env, TUML_TRAIN_CACHE: trained }, timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^trained$/m);
    assert.ok(accepted(top), 'the top-level cache is taken');
    assert.ok(accepted(trained), 'the trained cache is taken (a flag changed at run time was not set back?)');
    assert.ok(fs.statSync(trained).size > fs.statSync(top).size * 1.2,
      `trained ${fs.statSync(trained).size} bytes, top level ${fs.statSync(top).size}`);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('the built cache is taken by a node with bin/tuml\'s flags', { skip: noBundle }, () => {
  assert.ok(accepted(BUNDLE + '.cache'));
});
