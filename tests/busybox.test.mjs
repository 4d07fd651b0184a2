// Acceptance tests with Debian's busybox-static (riscv64), fetched by
// scripts/fetch-guest.sh into build/busybox and build/root.
//
// Each test builds a small scratch root: bin/busybox (+ sh link) and data/ with
// fixed files whose modes and mtimes are set, so `ls -ln` is deterministic.
// tuml gets it as its hostfs root (guest cwd "/"); qemu runs with the scratch
// root as its cwd, so relative paths (data/...) name the same files.
//
// `ls -ln /`: qemu-user cannot chroot, so the oracle lists the scratch root by
// its absolute host path while tuml lists "/": with a single directory operand
// busybox prints no header, only the entries, so the outputs are comparable.
// Both show the host's uid/gid (tuml's hostfs passes them through like UML's).
// Times print in UTC: the oracle gets TZ=UTC0, and under tuml there is neither
// TZ nor /etc/localtime, which glibc also reads as UTC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { GUEST_ENV, QEMU, ROOT, describeRun, have, runQemu, runTuml, scratch, skipReason, tumlBuilt, IN_CI } from './lib/guest.mjs';

const BUSYBOX = path.join(ROOT, 'bin', 'busybox');
const skip = skipReason([
  [have(QEMU), `${QEMU} not found (apt-get install qemu-user-static)`],
  [fs.existsSync(BUSYBOX), `${path.relative(process.cwd(), BUSYBOX)} missing (run: bash scripts/fetch-guest.sh)`],
]);
const FIXED_TIME = new Date('2024-02-29T12:34:56Z');

function makeRoot(dir) {
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.copyFileSync(BUSYBOX, path.join(dir, 'bin', 'busybox'));
  fs.chmodSync(path.join(dir, 'bin', 'busybox'), 0o755);
  fs.symlinkSync('busybox', path.join(dir, 'bin', 'sh'));
  const data = path.join(dir, 'data');
  fs.mkdirSync(path.join(data, 'dir', 'sub'), { recursive: true });
  let text = '';
  for (let i = 0; i < 5000; i++) text += `line ${i} ${'x'.repeat(i % 37)}\n`;
  fs.writeFileSync(path.join(data, 'file.txt'), text);
  const bin = Buffer.alloc(100_000); for (let i = 0; i < bin.length; i++) bin[i] = (i * 2654435761) >>> 24;
  fs.writeFileSync(path.join(data, 'dir', 'blob.bin'), bin);
  fs.writeFileSync(path.join(data, 'dir', 'empty'), '');
  fs.writeFileSync(path.join(data, 'dir', 'script'), '#!/bin/sh\necho hi\n');
  fs.chmodSync(path.join(data, 'dir', 'script'), 0o750);
  fs.chmodSync(path.join(data, 'dir', 'empty'), 0o600);
  fs.symlinkSync('blob.bin', path.join(data, 'dir', 'link'));
  for (const p of ['dir/sub', 'dir/blob.bin', 'dir/empty', 'dir/script', 'file.txt', 'dir', '.']) {
    fs.utimesSync(path.join(data, p), FIXED_TIME, FIXED_TIME);
  }
  fs.lutimesSync(path.join(data, 'dir', 'link'), FIXED_TIME, FIXED_TIME);
  fs.utimesSync(path.join(dir, 'bin', 'busybox'), FIXED_TIME, FIXED_TIME);
  fs.lutimesSync(path.join(dir, 'bin', 'sh'), FIXED_TIME, FIXED_TIME);
  for (const p of ['bin', 'data']) fs.utimesSync(path.join(dir, p), FIXED_TIME, FIXED_TIME);
}

/** Run busybox ARGS under both; `qemuArgs` may differ where a path must (ls /). */
function both(args, qemuArgs = args) {
  const s = scratch('tuml-bb-');
  try {
    makeRoot(s.dir);
    const q = runQemu(path.join(s.dir, 'bin', 'busybox'), qemuArgs, { cwd: s.dir, argv0: 'busybox', env: { ...GUEST_ENV, TZ: 'UTC0' } });
    if (!tumlBuilt()) return { q, u: undefined };
    const u = runTuml(s.dir, '/bin/busybox', args);
    return { q, u };
  } finally { s.cleanup(); }
}

function check(t, args, qemuArgs, expectStdout) {
  const { q, u } = both(args, qemuArgs);
  assert.equal(q.status, 0, describeRun('qemu', q));
  if (expectStdout !== undefined) assert.equal(q.stdout.toString(), expectStdout, describeRun('qemu', q));
  if (!u) { if (IN_CI) assert.fail('tuml is not built'); t.skip('tuml is not built (npm run build)'); return; }
  const detail = `${describeRun('qemu', q)}\n${describeRun('tuml', u)}`;
  assert.equal(u.stdout.toString('latin1'), q.stdout.toString('latin1'), `stdout differs\n${detail}`);
  assert.equal(u.stderr.toString('latin1'), q.stderr.toString('latin1'), `stderr differs\n${detail}`);
  assert.equal(u.status, q.status, `exit status differs\n${detail}`);
}

test('busybox echo hello', { skip }, (t) => check(t, ['echo', 'hello'], undefined, 'hello\n'));
test("busybox sh -c 'echo $((6*7))'", { skip }, (t) => check(t, ['sh', '-c', 'echo $((6*7))'], undefined, '42\n'));
test('busybox sha256sum FILE', { skip }, (t) => check(t, ['sha256sum', 'data/file.txt', 'data/dir/blob.bin']));
test('busybox wc FILE', { skip }, (t) => check(t, ['wc', 'data/file.txt', 'data/dir/blob.bin']));
test('busybox ls -ln DIR', { skip }, (t) => check(t, ['ls', '-ln', 'data/dir']));
test('busybox ls -lnR DIR', { skip }, (t) => check(t, ['ls', '-lnR', 'data']));
test('busybox ls -ln / (oracle: the scratch root by host path)', { skip }, (t) => {
  // the oracle's argument is filled in by both(): see the comment at the top
  const s = scratch('tuml-bb-');
  try {
    makeRoot(s.dir);
    const q = runQemu(path.join(s.dir, 'bin', 'busybox'), ['ls', '-ln', s.dir], { cwd: s.dir, argv0: 'busybox', env: { ...GUEST_ENV, TZ: 'UTC0' } });
    assert.equal(q.status, 0, describeRun('qemu', q));
    assert.match(q.stdout.toString(), /^drwx.* bin$/m);
    if (!tumlBuilt()) { if (IN_CI) assert.fail('tuml is not built'); t.skip('tuml is not built (npm run build)'); return; }
    const u = runTuml(s.dir, '/bin/busybox', ['ls', '-ln', '/']);
    const detail = `${describeRun('qemu', q)}\n${describeRun('tuml', u)}`;
    assert.equal(u.stdout.toString('latin1'), q.stdout.toString('latin1'), `stdout differs\n${detail}`);
    assert.equal(u.status, q.status, `exit status differs\n${detail}`);
  } finally { s.cleanup(); }
});
