// Checkpoint and restore (issue 6 step 5): the mconsole's `checkpoint FILE` writes the
// whole machine; `tuml restore=FILE` resumes it. Under time-travel=inf-cpu the run is a
// function of its input, so the original machine and two restores of one checkpoint,
// fed the same input, must print the very same bytes. Bad files are refused in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILD, REPO, TUML, CC, QEMU, have, skipReason, tumlBuilt, scratch } from './lib/guest.mjs';

const ADDON = path.join(REPO, 'native', 'build', 'Release', 'unix_dgram.node');
const skip = skipReason([
  [tumlBuilt(), 'tuml is not built (npm run build)'],
  [fs.existsSync(ADDON), 'native/build/Release/unix_dgram.node missing (npm run build needs python3, make and a C compiler)'],
  [fs.existsSync(path.join(BUILD, 'initramfs.cpio')), 'build/initramfs.cpio missing (run: bash scripts/fetch-guest.sh)'],
]);
const skipUml = skip ?? skipReason([[have('uml_mconsole'), 'uml_mconsole missing (apt-get install uml-utilities)']]);
const MCONSOLE = path.join(REPO, 'bin', 'tuml-mconsole');
const BUSYBOX = path.join(BUILD, 'root', 'bin', 'busybox');
const skipC = skip ?? skipReason([[have(CC), `${CC} missing (apt-get install gcc-riscv64-linux-gnu)`],
  [have(QEMU), `${QEMU} missing (apt-get install qemu-user-static)`],
  [fs.existsSync(BUSYBOX), 'build/root/bin/busybox missing (run: bash scripts/fetch-guest.sh)']]);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Boot the default initramfs (init, then a login shell on the console) under inf-cpu time. */
function boot(dir, extra = [], time = 'time-travel=inf-cpu') {
  const umid = 'ck' + process.pid + Math.floor(Math.random() * 1e6);
  const child = spawn(TUML, [time, `uml_dir=${dir}`, `umid=${umid}`, 'quiet', ...extra].filter(Boolean), { stdio: ['pipe', 'pipe', 'pipe'] });
  const m = { umid, child, out: '', err: '' };
  child.stdout.on('data', (d) => { m.out += d; });
  child.stderr.on('data', (d) => { m.err += d; });
  m.exited = new Promise((r) => child.on('exit', (code) => r(code)));
  /** Wait until the output matches re, then until it has been quiet for a while (the shell sleeps in read). */
  m.settle = async (re) => {
    for (let i = 0; i < 1200 && !re.test(m.out); i++) await sleep(50);
    assert.match(m.out, re, `stderr: ${m.err}`);
    for (let n = m.out.length, quiet = 0; quiet < 6; n = m.out.length) { await sleep(50); quiet = m.out.length === n ? quiet + 1 : 0; }
  };
  m.mc = (...args) => new Promise((resolve) => {
    const p = spawn(MCONSOLE, [`uml_dir=${dir}`, umid, ...args]);
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => resolve({ code, out }));
  });
  return m;
}

function restore(file, input, extra = []) {
  return spawnSync(TUML, [`restore=${file}`, 'quiet', ...extra], { input, encoding: 'utf8', timeout: 120_000 });
}

// Before the checkpoint: shell variables, a cwd, a tmpfs file, an open fd part-read, a
// FIFO holding unread data, a background pipeline blocked on a full pipe (its reader
// waits for FIFO q), /proc mounted. The `sleep 1` (virtual time) lets the pipeline block
// before marker1: were it still running at the checkpoint, when host input arrives would
// change how it interleaves with the shell, and so the virtual time the transcript shows.
// After the restore the subshell execs wc, whose start makes in-place syscalls (getuid):
// a restored task's CPU must know its task again.
const PART1 = [
  'X=42; cd /tmp; echo abc > f.txt; exec 5</etc/inittab; read L <&5',
  'mkfifo p q; exec 6<>p; echo buffered >&6',
  'yes | head -c 100000 | (read a; read go <q; wc -c > /tmp/wc.out) & sleep 1; echo marker1',
].join('; ') + '\n';
// After it: the same input to the original and to both restores.
const PART2 = [
  'echo X=$X; pwd; cat f.txt; read L <&5; echo "$L"; read y <&6; echo got $y',
  'echo go > q; wait; cat /tmp/wc.out; date +%s; cat /proc/uptime; od -An -N8 -tx1 /dev/urandom',
  'sleep 2; date; ps -o pid,comm; poweroff -f',
].join('; ') + '\n';

test('checkpoint mid-session: the original and two restores print identical transcripts', { skip, timeout: 240_000 }, async () => {
  const s = scratch('tuml-ckpt-');
  const file = path.join(s.dir, 'm.ckpt');
  const m = boot(s.dir);
  try {
    await m.settle(/# /);
    m.child.stdin.write(PART1);
    await m.settle(/marker1\r?\n.*# /s);
    const cut = m.out.length;
    const r = await m.mc('checkpoint', file);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^OK checkpoint written to .*m\.ckpt \(\d+ bytes\)/);
    assert.equal(m.out.length, cut, 'nothing ran while the checkpoint was written');
    m.child.stdin.write(PART2);
    m.child.stdin.end();
    assert.equal(await m.exited, 0, m.err);
    const orig = m.out.slice(cut);
    assert.match(orig, /X=42\r\n\/tmp\r\nabc\r\n/);
    assert.match(orig, /got buffered\r\n99998\r\n/); // (read a) took "y\\n"
    const r1 = restore(file, PART2);
    const r2 = restore(file, PART2);
    assert.equal(r1.status, 0, r1.stderr);
    assert.equal(r2.status, 0, r2.stderr);
    assert.equal(r1.stdout, r2.stdout, 'two restores, one transcript');
    assert.equal(r1.stdout, orig, 'a restore continues exactly as the original did');
  } finally { m.child.kill('SIGKILL'); s.cleanup(); }
});

// tests/ckpt/objects.c holds AF_UNIX stream and datagram sockets with queued data and an
// fd in flight, a pty pair, eventfd, epoll, System V shm/sem/msg, shared anonymous memory
// with a child asleep in read, a vfork child asleep in read, a thread asleep in a futex wait, a POSIX timer, a flock, an
// inotify watch, a pending blocked signal and FP registers across its sleep.
const OBJECTS = ['stdin: hello', 'fp: 3.000000000000000', 'stream: queued-stream', 'passed fd: through-passed-pipe',
  'dgram: dgram-msg', 'pty: pty-line', 'eventfd: 5', 'epoll: 1 1234', 'shm: shm-data', 'sem: 3', 'msg: 7 msg-text',
  'child: exit 9, shared 104', 'vfork: 15', 'thread: 42', 'posix timer: armed', 'flock: held', 'inotify: newfile', 'usr1: 1', 'status 0', ''].join('\n');

/** A minimal hostfs root in s with `dirs`: busybox as /bin/sh and tests/ckpt/NAME.c built static as /NAME. */
function ckptRoot(s, name, dirs, flags = []) {
  const root = path.join(s.dir, 'root');
  for (const d of dirs) fs.mkdirSync(path.join(root, d), { recursive: true });
  fs.copyFileSync(BUSYBOX, path.join(root, 'bin', 'busybox'));
  fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
  fs.symlinkSync('busybox', path.join(root, 'bin', 'sh'));
  const cc = spawnSync(CC, ['-static', '-O2', ...flags, '-o', path.join(root, name), path.join(REPO, 'tests', 'ckpt', `${name}.c`)], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  return root;
}

/**
 * Machine m waits for input: checkpoint it to `file`, give it `input`, and check that
 * from there it prints `expected`; so must `restores` restores of the file, given the same input.
 */
async function resumesAfterCheckpoint(m, file, input, expected, restores) {
  const cut = m.out.length;
  const r = await m.mc('checkpoint', file);
  assert.equal(r.code, 0, r.out);
  m.child.stdin.end(input);
  assert.equal(await m.exited, 0, m.err);
  assert.equal(m.out.slice(cut), expected, 'the original run');
  for (let i = 0; i < restores; i++) {
    const back = restore(file, input);
    assert.equal(back.status, 0, back.stderr);
    assert.equal(back.stdout, expected, `restore ${i + 1}`);
  }
}

test('checkpoint: sockets, pty, IPC, shared memory, signals and a child survive a restore (hostfs root)', { skip: skipC, timeout: 240_000 }, async () => {
  const s = scratch('tuml-ckpt-');
  // a minimal hostfs root: busybox, the test program, a /dev for devtmpfs
  const root = ckptRoot(s, 'objects', ['bin', 'dev', 'tmp'], ['-pthread']);
  // The oracle: without a checkpoint, on the host kernel, the program prints the same.
  const work = path.join(s.dir, 'qemu');
  fs.mkdirSync(work);
  const q = spawnSync(QEMU, [path.join(root, 'objects')], { cwd: work, input: 'hello\n', encoding: 'utf8', timeout: 60_000 });
  assert.equal(`${q.stdout}status ${q.status}\n`, `ready\n${OBJECTS}`, q.stderr);
  const file = path.join(s.dir, 'o.ckpt');
  const m = boot(s.dir, ['rootfstype=hostfs', `hostfs=${root}`, '--', '/bin/sh', '-c',
    'busybox mkdir -p /dev/pts; busybox mount -t devpts devpts /dev/pts; /objects; echo status $?']);
  try {
    await m.settle(/ready\n/);
    await resumesAfterCheckpoint(m, file, 'hello\n', OBJECTS, 2);
  } finally { m.child.kill('SIGKILL'); s.cleanup(); }
});

// tests/ckpt/itimer.c arms ITIMER_VIRTUAL and ITIMER_PROF (process CPU time), prints
// "armed" and blocks in read; the checkpoint is taken there, before either expires. After
// the input it spins until both handlers ran (bounded: "not fired" if they never do), so a
// restored process must get its armed CPU timers back.
const ITIMER_OUT = 'fired: vtalrm 1 prof 1\nstatus 0\n';

test('checkpoint: CPU interval timers armed at the checkpoint fire after restore', { skip: skipC, timeout: 240_000 }, async () => {
  const s = scratch('tuml-ckpt-');
  const root = ckptRoot(s, 'itimer', ['bin', 'dev']);
  const q = spawnSync(QEMU, [path.join(root, 'itimer')], { input: 'go\n', encoding: 'utf8', timeout: 60_000 });
  assert.equal(`${q.stdout}status ${q.status}\n`, `armed\n${ITIMER_OUT}`, q.stderr);
  const file = path.join(s.dir, 'i.ckpt');
  const m = boot(s.dir, ['rootfstype=hostfs', `hostfs=${root}`, '--', '/bin/sh', '-c', '/itimer; echo status $?']);
  try {
    await m.settle(/armed\n/);
    await resumesAfterCheckpoint(m, file, 'go\n', ITIMER_OUT, 1);
  } finally { m.child.kill('SIGKILL'); s.cleanup(); }
});

test('checkpoint in host time: a sleep pending at the checkpoint ends after restore', { skip, timeout: 120_000 }, async () => {
  const s = scratch('tuml-ckpt-');
  const file = path.join(s.dir, 't.ckpt');
  const m = boot(s.dir, [], null);
  try {
    await m.settle(/# /);
    m.child.stdin.write('(sleep 6; echo woke-up) & echo marker4\n');
    await m.settle(/marker4\r?\n.*# /s);
    const r = await m.mc('checkpoint', file);
    assert.equal(r.code, 0, r.out);
    assert.doesNotMatch(m.out, /^woke-up/m, 'the sleep ended before the checkpoint (host too slow?)');
  } finally { m.child.kill('SIGKILL'); }
  const t0 = Date.now();
  const back = spawn(TUML, [`restore=${file}`, 'quiet'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  back.stdout.on('data', (d) => { out += d; });
  try {
    for (let i = 0; i < 600 && !/^woke-up/m.test(out); i++) await sleep(50);
    assert.match(out, /^woke-up/m);
    back.stdin.end('wait; poweroff -f\n');
    assert.equal(await new Promise((r) => back.on('exit', r)), 0);
    assert.ok(Date.now() - t0 < 25_000);
  } finally { back.kill('SIGKILL'); s.cleanup(); }
});

test('checkpoint: a running machine is stopped for it and resumed; a stopped one stays stopped', { skip, timeout: 120_000 }, async () => {
  const s = scratch('tuml-ckpt-');
  const m = boot(s.dir);
  try {
    await m.settle(/# /);
    assert.equal((await m.mc('stop')).code, 0);
    const r = await m.mc('checkpoint', path.join(s.dir, 'a.ckpt'));
    assert.equal(r.code, 0, r.out);
    m.child.stdin.write('echo still-stopped\n');
    await sleep(500);
    assert.doesNotMatch(m.out, /still-stopped\r\n/);
    assert.equal((await m.mc('go')).code, 0);
    await m.settle(/still-stopped\r\n/);
    const r2 = await m.mc('checkpoint', path.join(s.dir, 'b.ckpt'));
    assert.equal(r2.code, 0, r2.out);
    m.child.stdin.write('echo running\n');
    await m.settle(/running\r\n/);
    const bad = await m.mc('checkpoint', path.join(s.dir, 'no', 'such', 'dir', 'c.ckpt'));
    assert.equal(bad.code, 1);
    assert.match(bad.out, /^ERR checkpoint: .*c\.ckpt/);
  } finally { m.child.kill('SIGKILL'); s.cleanup(); }
});

test('checkpoint: what cannot be saved is refused by name, and the machine goes on', { skip, timeout: 120_000 }, async () => {
  const s = scratch('tuml-ckpt-');
  const m = boot(s.dir);
  try {
    await m.settle(/# /);
    m.child.stdin.write('nc -l -p 4321 & echo marker2\n');
    await m.settle(/marker2\r?\n.*# /s);
    const r = await m.mc('checkpoint', path.join(s.dir, 'x.ckpt'));
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /^ERR checkpoint refused: a TCP socket \(socket:\[\d+\]\) is open: network sockets are not checkpointable/);
    assert.equal(fs.existsSync(path.join(s.dir, 'x.ckpt')), false);
    m.child.stdin.write('kill %1; echo after-refusal\n');
    await m.settle(/after-refusal\r\n/);
  } finally { m.child.kill('SIGKILL'); s.cleanup(); }
});

test('checkpoint through Debian uml_mconsole', { skip: skipUml, timeout: 120_000 }, async () => {
  const s = scratch('tuml-ckpt-');
  const m = boot(s.dir);
  const file = path.join(s.dir, 'u.ckpt');
  try {
    await m.settle(/# /);
    m.child.stdin.write('echo marker3\n');
    await m.settle(/marker3\r?\n.*# /s);
    const sock = path.join(s.dir, m.umid, 'mconsole');
    const r = spawnSync('uml_mconsole', [sock, 'checkpoint', file], { encoding: 'utf8' });
    assert.match(r.stdout + r.stderr, /^OK checkpoint written/m);
    const back = restore(file, 'echo resumed; poweroff -f\n');
    assert.equal(back.status, 0, back.stderr);
    assert.match(back.stdout, /resumed\r\n/);
  } finally { m.child.kill('SIGKILL'); s.cleanup(); }
});

test('restore refuses a missing, corrupt, truncated or mismatched file in one line', { skip, timeout: 180_000 }, async () => {
  const s = scratch('tuml-ckpt-');
  const file = path.join(s.dir, 'good.ckpt');
  const m = boot(s.dir);
  try {
    await m.settle(/# /);
    const r = await m.mc('checkpoint', file);
    assert.equal(r.code, 0, r.out);
  } finally { m.child.kill('SIGKILL'); }
  const good = fs.readFileSync(file);
  const write = (name, buf) => { const p = path.join(s.dir, name); fs.writeFileSync(p, buf); return p; };
  const flipped = Buffer.from(good); flipped[Math.floor(good.length / 2)] ^= 0x40;
  const version = Buffer.from(good); version.writeUInt32LE(99, 8);
  // a header from another tuml version (with a valid checksum)
  const jl = good.readUInt32LE(12);
  const hdr = JSON.parse(good.subarray(16, 16 + jl).toString());
  hdr.tuml = '0.0.1-other';
  const json = Buffer.from(JSON.stringify(hdr));
  const len = Buffer.alloc(4); len.writeUInt32LE(json.length);
  const crc = Buffer.alloc(4);
  const { crc32 } = await import('node:zlib');
  crc.writeUInt32LE(crc32(json));
  const other = Buffer.concat([good.subarray(0, 12), len, json, crc, good.subarray(16 + jl + 4)]);
  const cases = [
    [path.join(s.dir, 'missing.ckpt'), /No such file or directory/],
    [write('text.ckpt', 'not a checkpoint\n'), /not a tuml checkpoint \(bad magic\)/],
    [write('flip.ckpt', flipped), /corrupt checkpoint .*checksum mismatch/],
    [write('trunc.ckpt', good.subarray(0, good.length - 1000)), /truncated checkpoint/],
    [write('empty.ckpt', Buffer.alloc(0)), /bad magic/],
    [write('version.ckpt', version), /format version 99 is not supported/],
    [write('other.ckpt', other), /made by tuml 0\.0\.1-other/],
  ];
  for (const [f, re] of cases) {
    const r = restore(f, '');
    assert.notEqual(r.status, 0, `${f} was accepted`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.match(r.stderr, /^tuml: restore=/);
  }
  // the configuration is the checkpoint's: only channel and management options may change
  const cfg = restore(file, '', ['mem=128M']);
  assert.notEqual(cfg.status, 0);
  assert.match(cfg.stderr, /^tuml: restore=.*'mem=128M' cannot be given with restore=/);
  s.cleanup();
});
