// Time travel: `time-travel` skips idle time (sleep 3600 returns at once while the guest
// sees an hour pass); `time-travel=inf-cpu` makes time a function of retired
// instructions, and with the seeded random sources two runs print the same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILD, TUML, skipReason, tumlBuilt } from './lib/guest.mjs';

const skip = skipReason([
  [tumlBuilt(), 'tuml is not built (npm run build)'],
  [fs.existsSync(path.join(BUILD, 'initramfs.cpio')), 'build/initramfs.cpio missing (run: bash scripts/fetch-guest.sh)'],
]);

function tuml(args, script) {
  const t0 = Date.now();
  const r = spawnSync(TUML, ['quiet', ...args, '--', '/bin/sh', '-c', script], { encoding: 'utf8', timeout: 60_000, input: '' });
  return { ...r, ms: Date.now() - t0 };
}

const SLEEP = 'a=$(date +%s); sleep 3600; b=$(date +%s); echo $((b - a))';

test('time-travel: sleep 3600 takes under 2 s of host time, the guest sees 3600 s', { skip }, () => {
  const r = tuml(['time-travel'], SLEEP);
  assert.equal(r.status, 0, r.stderr);
  const d = Number(r.stdout.trim());
  assert.ok(d >= 3600 && d <= 3602, `guest saw ${d} s`);
  // the boot itself takes about a second here; the sleep must add next to nothing
  const base = tuml(['time-travel'], 'true');
  assert.ok(r.ms - base.ms < 2000, `sleep 3600 took ${r.ms} ms against ${base.ms} ms for true`);
});

test('time-travel=inf-cpu: sleep 3600 is skipped too', { skip }, () => {
  const r = tuml(['time-travel=inf-cpu'], SLEEP);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '3600');
});

const WORKLOAD = [
  'mount -t proc proc /proc',
  'date +%s', 'cat /proc/uptime', 'date', 'sleep 1',
  'i=0; while [ $i -lt 300 ]; do i=$((i+1)); done',
  'date +%s', 'cat /proc/uptime',
  'od -An -N16 -tx1 /dev/urandom', 'cat /proc/sys/kernel/random/uuid',
  'echo $RANDOM', '(echo sub; sleep 0.5; date +%s) & wait', 'cat /proc/uptime',
].join('; ');

test('time-travel=inf-cpu: two runs print identical times, random bytes and output', { skip }, () => {
  const a = tuml(['time-travel=inf-cpu'], WORKLOAD);
  const b = tuml(['time-travel=inf-cpu'], WORKLOAD);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  assert.equal(a.stdout, b.stdout);
  // The JIT retires exactly the interpreter's instructions, so inf-cpu time is the same without it.
  const off = tuml(['time-travel=inf-cpu', 'jit=off'], WORKLOAD);
  assert.equal(off.status, 0, off.stderr);
  assert.equal(off.stdout, a.stdout, 'jit=off sees other times than the JIT');
  const lines = a.stdout.trim().split('\n');
  assert.equal(lines[0], '1704067200', 'CLOCK_REALTIME starts at the documented epoch');
  assert.match(lines[2], /2024/);
  // another seed gives other random bytes, the same times
  const c = tuml(['time-travel=inf-cpu', 'random-seed=7'], WORKLOAD);
  assert.equal(c.status, 0, c.stderr);
  assert.notEqual(c.stdout, a.stdout);
  assert.equal(c.stdout.split('\n')[0], lines[0]);
});

test('time-travel-start sets the realtime clock; bad modes are refused', { skip }, () => {
  const r = tuml(['time-travel', 'time-travel-start=1000000000'], 'date +%s');
  assert.equal(r.status, 0, r.stderr);
  const s = Number(r.stdout.trim());
  assert.ok(s >= 1000000000 && s < 1000000010, r.stdout);
  const bad = spawnSync(TUML, ['time-travel=warp', '--', '/bin/true'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /time-travel=warp: unknown mode/);
  const ext = spawnSync(TUML, ['time-travel=ext:/tmp/x', '--', '/bin/true'], { encoding: 'utf8' });
  assert.equal(ext.status, 2);
  assert.match(ext.stderr, /not supported/);
});
