// The command line on bad input: each case must give exactly one line on
// stderr, a non-zero exit status, and no JavaScript stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, TUML, scratch } from './lib/guest.mjs';

function tuml(args) {
  const r = spawnSync(process.execPath, [TUML, ...args], { input: '', timeout: 30_000, killSignal: 'SIGKILL' });
  return { status: r.status, signal: r.signal, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function expectOneLineError(r, what) {
  const info = `${what}: status ${r.status} signal ${r.signal}\nstderr:\n${r.stderr}\nstdout:\n${r.stdout}`;
  assert.equal(r.signal, null, `killed by a signal\n${info}`);
  assert.notEqual(r.status, 0, `exit status 0\n${info}`);
  const lines = r.stderr.split('\n').filter((l, i, a) => !(l === '' && i === a.length - 1));
  assert.equal(lines.length, 1, `want exactly one line on stderr\n${info}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `a JavaScript stack trace\n${info}`);
  assert.doesNotMatch(r.stdout, /^\s+at /m, `a JavaScript stack trace on stdout\n${info}`);
}

/** A root folder with one file copied in as /init-like program. */
function rootWith(name, bytes) {
  const s = scratch('tuml-cli-');
  fs.writeFileSync(path.join(s.dir, name), bytes, { mode: 0o755 });
  return s;
}

test('unknown option', () => {
  expectOneLineError(tuml(['--no-such-option']), 'unknown option');
});

test('missing hostfs folder', () => {
  const s = scratch('tuml-cli-');
  const missing = path.join(s.dir, 'does-not-exist');
  try { expectOneLineError(tuml(['quiet', 'rootfstype=hostfs', `hostfs=${missing}`]), 'missing hostfs folder'); }
  finally { s.cleanup(); }
});

test('an x86-64 ELF as init', () => {
  const host = fs.readFileSync(fs.realpathSync('/bin/true'));
  assert.equal(host.readUInt16LE(18) === 0x3e || host.readUInt16LE(18) === 0xb7, true, 'host /bin/true is an x86-64 or arm64 ELF');
  const s = rootWith('true', host);
  try { expectOneLineError(tuml(['quiet', 'rootfstype=hostfs', `hostfs=${s.dir}`, 'init=/true']), 'foreign ELF as init'); }
  finally { s.cleanup(); }
});

test('a truncated ELF as init', () => {
  // a riscv64 ELF header whose program headers lie past the end of the file
  const src = path.join(ROOT, 'bin', 'busybox');
  let bytes;
  if (fs.existsSync(src)) bytes = fs.readFileSync(src).subarray(0, 100);
  else {
    bytes = Buffer.alloc(100);
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(bytes, 0);
    bytes.writeUInt16LE(2, 16); bytes.writeUInt16LE(0xf3, 18); bytes.writeUInt32LE(1, 20);
    bytes.writeBigUInt64LE(64n, 32); bytes.writeUInt16LE(56, 54); bytes.writeUInt16LE(8, 56);
  }
  const s = rootWith('trunc', bytes);
  try { expectOneLineError(tuml(['quiet', 'rootfstype=hostfs', `hostfs=${s.dir}`, '--', '/trunc']), 'truncated ELF'); }
  finally { s.cleanup(); }
});

test('a missing init program', () => {
  const s = scratch('tuml-cli-');
  try { expectOneLineError(tuml(['quiet', 'rootfstype=hostfs', `hostfs=${s.dir}`, '--', '/nothing-here']), 'missing init'); }
  finally { s.cleanup(); }
});
