// Differential tests: every program in tests/guest/ runs under the oracle
// (qemu-riscv64-static on the real Linux kernel) and under tuml; stdout, stderr
// and the exit status must be identical, byte for byte.
//
// Each run gets its own scratch root folder holding t/<prog> and an empty work/.
// Under qemu the scratch root is the host cwd; under tuml it is the hostfs root
// and the guest's cwd is "/". The program is given the relative path "work" as
// argv[1], so both runs touch the same relative files. argv[0] is "/t/<prog>"
// in both (qemu -0).
//
// Every program also checks itself: the oracle run must exit with the status
// listed in EXPECTED_STATUS (0 by default) and print "PASSED", so a program that
// is wrong about Linux fails here even before tuml runs it.
//
// Environment:
//   CI=true              never skip (a missing tool fails the run)
//   TUML_ORACLE_ONLY=1   run only the qemu side (to work on the programs)
//   TUML_TEST_ONLY=a,b   run only these programs
//   TUML_JIT=on|off|both the tuml side runs with the JIT (jit=on, the default), with the
//                        pure interpreter (jit=off), or both, each compared with the
//                        oracle (default: both)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  CC, QEMU, GUEST_BIN, IN_CI, buildGuests, describeRun, ensureBinfmt, guestNames, have,
  makeProgramRoot, runQemu, runTuml, scratch, skipReason, tumlBuilt,
} from './lib/guest.mjs';

// Programs for the next milestone (processes, signals, pipes). The oracle side
// still runs and must pass; the tuml side is reported as skipped with the reason.
// Take a name out of this set when tuml supports what it tests.
const PENDING = new Map([]);

// Where qemu-user does not behave like Linux, the oracle cannot be compared
// with: run under tuml only and require the program's own verdict (exit 0).
const QEMU_DIVERGES = new Map([
  ['mmap_noreplace', 'qemu 7.2 ignores MAP_FIXED_NOREPLACE (maps elsewhere instead of EEXIST)'],
  ['sigmask_nested', 'qemu 7.2 nests a signal that the handler\'s sa_mask blocks (native Linux does not)'],
  ['clone3', 'qemu 7.2 has no clone3 (ENOSYS)'],
  ['robust_mutex', 'qemu 7.2 has no set_robust_list (ENOSYS): nobody releases a dead process\'s robust mutexes'],
  ['execveat', 'qemu 7.2 has no execveat (ENOSYS)'],
  ['aio', 'qemu 7.2 has no Linux native AIO (io_setup is ENOSYS)'],
  ['posix_mq_notify', 'qemu 7.2 implements mq_notify as a no-op returning 0'],
  ['setuid_exec', 'binfmt_misc without the C flag takes an exec\'s credentials from qemu, not the set-id program'],
]);

// Programs that start as root and drop privileges: the oracle runs them on the host
// kernel, so they need the tests to run as root (as CI does).
const NEEDS_ROOT = new Set(['creds', 'perms', 'setuid_exec', 'tmpfile', 'sysv_msg', 'posix_mq']);

// Exit status of a correct run when it is not 0 (128 + signal: the program ends
// by a signal's default action on purpose).
const EXPECTED_STATUS = new Map([
  ['signals', 128 + 15],
  ['sigsegv', 128 + 11],
]);

// Programs that execve() riscv64 programs need binfmt_misc under the oracle.
const NEEDS_BINFMT = new Set(['execve', 'thread_exit', 'dcache']);

const oracleOnly = !!process.env.TUML_ORACLE_ONLY;
const only = process.env.TUML_TEST_ONLY ? new Set(process.env.TUML_TEST_ONLY.split(',')) : undefined;
const JIT = process.env.TUML_JIT || 'both';
if (!['on', 'off', 'both'].includes(JIT)) throw new Error(`TUML_JIT=${JIT}: use on, off or both`);
const JIT_MODES = JIT === 'both' ? ['on', 'off'] : [JIT];

let setupSkip = skipReason([
  [have(CC), `${CC} not found (apt-get install gcc-riscv64-linux-gnu libc6-dev-riscv64-cross)`],
  [have(QEMU), `${QEMU} not found (apt-get install qemu-user-static)`],
]);
let buildError;
if (!setupSkip) buildError = buildGuests();
const binfmtError = setupSkip ? undefined : ensureBinfmt();

if (setupSkip) {
  test('differential tests', { skip: setupSkip }, () => {});
} else if (buildError) {
  test('building the guest programs', () => assert.fail(buildError));
} else {
  for (const name of guestNames()) {
    if (only && !only.has(name)) continue;
    test(name, { timeout: 3 * 60_000 }, (t) => runOne(t, name));
  }
}

function runOne(t, name) {
  const prog = `/t/${name}`;
  const args = ['work'];
  const want = EXPECTED_STATUS.get(name) ?? 0;

  if (NEEDS_ROOT.has(name) && process.getuid?.() !== 0) {
    if (IN_CI) assert.fail(`${name} needs root (it drops privileges under the oracle)`);
    t.skip('needs root: it starts as root and drops privileges (under qemu that is the host kernel)');
    return;
  }
  // 1. the oracle
  let q;
  if (!QEMU_DIVERGES.has(name)) {
    if (NEEDS_BINFMT.has(name) && binfmtError) {
      if (IN_CI) assert.fail(`${name} needs binfmt_misc under qemu: ${binfmtError}`);
      t.skip(`needs binfmt_misc for the oracle: ${binfmtError}`);
      return;
    }
    const s = scratch(`tuml-q-${name}-`);
    try {
      makeProgramRoot(s.dir, name);
      q = runQemu(path.join(s.dir, 't', name), args, { cwd: s.dir, argv0: prog });
    } finally { s.cleanup(); }
    assert.equal(q.status, want, `the oracle run of ${name} did not pass\n${describeRun('qemu', q)}`);
    assert.match(q.stdout.toString(), /^PASSED: 0 failure\(s\)$/m, `the oracle run of ${name} did not pass\n${describeRun('qemu', q)}`);
  }
  if (oracleOnly) { t.diagnostic('TUML_ORACLE_ONLY: tuml not run'); return; }
  if (PENDING.has(name)) { t.skip(`pending: ${PENDING.get(name)} (oracle side passed)`); return; }
  if (!tumlBuilt()) {
    if (IN_CI) assert.fail('dist/cli/tuml.js is missing: run npm run build');
    t.skip('tuml is not built (npm run build)');
    return;
  }

  // 2. tuml, once per JIT mode
  for (const jit of JIT_MODES) runTumlSide(name, prog, args, q, jit);
}

/** Run `prog` under tuml with jit=`jit` and compare with the oracle's run q. */
function runTumlSide(name, prog, args, q, jit) {
  const s = scratch(`tuml-t-${name}-`);
  // jitwarm=0: translate from the start (these programs are short; the default waits 4M instructions).
  const kernelArgs = [`jit=${jit}`, 'jitwarm=0'];
  let u;
  try {
    makeProgramRoot(s.dir, name, { busybox: EXPECTED_STATUS.has(name) });
    // A program that ends by a signal's default action must not be init (pid 1 ignores
    // such signals, as on Linux), so it runs as a child of the shell, which exits with
    // the same 128+N status qemu's run gives.
    u = EXPECTED_STATUS.has(name)
      ? runTuml(s.dir, '/bin/busybox', ['sh', '-c', `${prog} "$@"; exit $?`, 'sh', ...args], { kernelArgs })
      : runTuml(s.dir, prog, args, { kernelArgs });
  } finally { s.cleanup(); }
  if (QEMU_DIVERGES.has(name)) {
    assert.equal(u.status, 0, `${name} under tuml jit=${jit} (compared with its own checks: ${QEMU_DIVERGES.get(name)})\n${describeRun('tuml', u)}`);
    return;
  }
  // The shell that ran a signal-killed program reports it on stderr ("Segmentation
  // fault (core dumped)"); that line is the wrapper's, not the program's.
  if (EXPECTED_STATUS.has(name)) {
    u.stderr = Buffer.from(u.stderr.toString('latin1').replace(/^(Segmentation fault|Terminated|Killed|Aborted|Illegal instruction|Bus error)( \(core dumped\))?\n$/m, ''), 'latin1');
  }
  const detail = () => `${describeRun('qemu', q)}\n${describeRun(`tuml jit=${jit}`, u)}`;
  assert.equal(u.stdout.toString('latin1'), q.stdout.toString('latin1'), `stdout differs (jit=${jit})\n${detail()}`);
  assert.equal(u.stderr.toString('latin1'), q.stderr.toString('latin1'), `stderr differs (jit=${jit})\n${detail()}`);
  assert.equal(u.status, q.status, `exit status differs (jit=${jit})\n${detail()}`);
}
