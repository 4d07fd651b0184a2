// Syscalls the CPU completes in place (machine/run.ts fastSyscall: getpid, getuid, ...)
// must stay visible to strace, which sees every call, and give the same answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ROOT, TUML } from './lib/guest.mjs';

function tuml(args) {
  const r = spawnSync(process.execPath, [TUML, 'quiet', ...args, 'rootfstype=hostfs', `hostfs=${ROOT}`, '--',
    '/bin/busybox', 'sh', '-c', 'id -u; echo pid=$$'], { input: '', timeout: 60_000, killSignal: 'SIGKILL' });
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout.toString() + r.stderr.toString();
}

test('strace still sees the in-place identity syscalls', () => {
  const out = tuml(['strace']);
  assert.match(out, /\[pid \d+\] getuid\(\) = 0/);
  assert.match(out, /\[pid \d+\] geteuid\(\) = 0/);
  assert.match(out, /\[pid 1\] getpid\(\) = 1/);
});

test('the in-place path gives the same answers', () => {
  for (const jit of ['jit=off', 'jitwarm=0']) {
    const out = tuml([jit]);
    assert.match(out, /^0\npid=1\n/m, jit);
  }
});
