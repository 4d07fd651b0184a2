// Booting the machine as a user would: `tuml` with no arguments unpacks the
// default root (build/initramfs.cpio) into a tmpfs, runs its /init, which
// hands over to busybox init, which starts a login shell on the console.
// Here the console's input is a pipe, so the shell reads the commands we send.
//
// Also: `quiet`, `--help`, `--version`, `initrd=FILE`, and reboot (a fresh boot
// of the same machine: counted in a file on a hostfs root, which survives it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILD, REPO, ROOT, TUML, exitStatus, scratch, skipReason, tumlBuilt } from './lib/guest.mjs';

const INITRAMFS = path.join(BUILD, 'initramfs.cpio');
const TREE = path.join(BUILD, 'initramfs');   // the tree the image was made from
const PKG = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));

const needBuilt = skipReason([[tumlBuilt(), 'tuml is not built (npm run build)']]);
const needImage = skipReason([
  [tumlBuilt(), 'tuml is not built (npm run build)'],
  [fs.existsSync(INITRAMFS) && fs.existsSync(path.join(TREE, 'bin', 'busybox')),
    'build/initramfs.cpio missing (run: bash scripts/fetch-guest.sh)'],
]);
const needBusybox = skipReason([
  [tumlBuilt(), 'tuml is not built (npm run build)'],
  [fs.existsSync(path.join(ROOT, 'bin', 'busybox')), 'build/root/bin/busybox missing (run: bash scripts/fetch-guest.sh)'],
]);

function tuml(args, { input = '', timeout = 60_000 } = {}) {
  const r = spawnSync(process.execPath, [TUML, ...args], {
    cwd: REPO, input, timeout, killSignal: 'SIGKILL', maxBuffer: 64 << 20, encoding: 'utf8',
  });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: exitStatus(r), args };
}

/**
 * Like a user at a terminal that stays open: send `input` on the console and keep
 * stdin open, so the machine ends only by powering itself off (not by the shell
 * reading end-of-file). Resolves when tuml exits, or kills it after `timeout`.
 */
function boot(args, input, { timeout = 60_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TUML, ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.stdin.on('error', () => {});
    child.stdin.write(input);
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeout);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const status = timedOut ? `timeout after ${timeout} ms (the machine did not power off)` : code ?? 128 + (signal ? os.constants.signals[signal] : 0);
      resolve({ stdout, stderr, status, args });
    });
  });
}

const show = (r) => `tuml ${r.args.join(' ')}\n--- status ${r.status}\n--- stdout:\n${r.stdout.slice(-4000)}\n--- stderr:\n${r.stderr.slice(-4000)}`;
/** Console output as lines: the tty turns \n into \r\n (ONLCR). */
const lines = (s) => s.replace(/\r/g, '').split('\n');

test('tuml boots the default root to a shell, runs a command and powers off', { skip: needImage, timeout: 70_000 }, async () => {
  const r = await boot([], 'echo hello; poweroff\n');
  assert.equal(r.status, 0, show(r));
  assert.ok(lines(r.stdout).includes('hello'), `no line "hello" on the console\n${show(r)}`);
  assert.match(r.stderr, /Linux version/, `the boot banner is missing from stderr\n${show(r)}`);
  assert.match(r.stderr, /reboot: Power down/, `poweroff(8) → reboot(RB_POWER_OFF) is not logged\n${show(r)}`);
});

test('a pipe that closes after the commands: echo hello; poweroff | tuml', { skip: needImage, timeout: 70_000 }, () => {
  // The shell reads end-of-file after poweroff; busybox init may respawn it
  // meanwhile, but the poweroff must win.
  const r = tuml(['quiet'], { input: 'echo hello; poweroff\n' });
  assert.equal(r.status, 0, show(r));
  assert.ok(lines(r.stdout).includes('hello'), `no line "hello" on the console\n${show(r)}`);
  assert.ok(lines(r.stdout).includes('Requesting system poweroff'), `busybox init did not power off\n${show(r)}`);
});

test('console input that ends without poweroff: the machine powers off (orderly_poweroff)', { skip: needImage, timeout: 70_000 }, () => {
  // Without this, busybox init would respawn a shell that reads end-of-file forever.
  const r = tuml(['quiet'], { input: 'echo hello\n' });
  assert.equal(r.status, 0, show(r));
  assert.ok(lines(r.stdout).includes('hello'), `no line "hello" on the console\n${show(r)}`);
  assert.ok(lines(r.stdout).includes('Requesting system poweroff'), `init did not run its poweroff\n${show(r)}`);
});

test('the default root: a login shell with /etc/profile, as root, on tuml', { skip: needImage, timeout: 70_000 }, async () => {
  const r = await boot(['quiet'], 'id; echo "host=$(hostname) home=$HOME pwd=$(pwd)"; echo "path=$PATH"; poweroff\n');
  assert.equal(r.status, 0, show(r));
  const out = lines(r.stdout);
  assert.ok(out.includes('uid=0(root) gid=0(root) groups=0(root)') || out.includes('uid=0(root) gid=0(root)'), show(r));
  assert.ok(out.includes('host=tuml home=/root pwd=/root'), show(r));
  assert.ok(out.includes('path=/sbin:/usr/sbin:/bin:/usr/bin'), show(r));
  // the prompt of /etc/profile: PS1='\u@\h:\w\$ '
  assert.match(r.stdout, /root@tuml:~# /, show(r));
});

test('initrd=FILE boots that image', { skip: needImage, timeout: 70_000 }, async () => {
  const r = await boot(['quiet', `initrd=${INITRAMFS}`], 'echo from-initrd; poweroff\n');
  assert.equal(r.status, 0, show(r));
  assert.ok(lines(r.stdout).includes('from-initrd'), show(r));
});

test('initrd= naming a missing file is one line on stderr', { skip: needBuilt }, () => {
  const s = scratch('tuml-boot-');
  try {
    const r = tuml(['quiet', `initrd=${path.join(s.dir, 'nope.cpio.gz')}`], { timeout: 30_000 });
    assert.notEqual(r.status, 0, show(r));
    assert.equal(r.stderr.trim().split('\n').length, 1, show(r));
    assert.doesNotMatch(r.stderr, /^\s+at /m, show(r));
  } finally { s.cleanup(); }
});

test('quiet suppresses the boot banner', { skip: needImage, timeout: 70_000 }, async () => {
  const r = await boot(['quiet'], 'echo quiet-ok; poweroff\n');
  assert.equal(r.status, 0, show(r));
  assert.ok(lines(r.stdout).includes('quiet-ok'), show(r));
  assert.doesNotMatch(r.stderr, /Linux version|Kernel command line|Memory:|as init process/, show(r));
});

test('--help prints the usage and the options', { skip: needBuilt }, () => {
  const r = tuml(['--help'], { timeout: 30_000 });
  assert.equal(r.status, 0, show(r));
  assert.match(r.stdout, /^Usage: tuml /, show(r));
  for (const opt of ['mem=', 'initrd=', 'init=', 'rootfstype=', 'hostfs=', 'quiet']) assert.ok(r.stdout.includes(opt), `--help does not mention ${opt}\n${show(r)}`);
  assert.equal(r.stderr, '', show(r));
});

test('--version prints the package version', { skip: needBuilt }, () => {
  const r = tuml(['--version'], { timeout: 30_000 });
  assert.equal(r.status, 0, show(r));
  assert.equal(r.stdout, `tuml ${PKG.version}\n`, show(r));
});

/** A hostfs root with busybox (sh, and the applets the scripts use) and /init. */
function bootCounterRoot(dir, initScript) {
  for (const d of ['bin', 'dev', 'proc', 'tmp']) fs.mkdirSync(path.join(dir, d));
  fs.copyFileSync(path.join(ROOT, 'bin', 'busybox'), path.join(dir, 'bin', 'busybox'));
  fs.chmodSync(path.join(dir, 'bin', 'busybox'), 0o755);
  for (const a of ['sh', 'cat', 'echo', 'reboot', 'poweroff']) fs.symlinkSync('busybox', path.join(dir, 'bin', a));
  fs.writeFileSync(path.join(dir, 'init'), initScript, { mode: 0o755 });
}

// Counts boots in /count; a runaway reboot loop powers off at the 5th.
const COUNT = 'n=0; [ -f /count ] && n=$(cat /count); n=$((n + 1)); echo $n > /count; echo "boot $n"\n'
  + '[ $n -ge 5 ] && poweroff -f\n';

test('reboot(2) (reboot -f) boots the machine afresh', { skip: needBusybox, timeout: 70_000 }, () => {
  const s = scratch('tuml-reboot-');
  try {
    bootCounterRoot(s.dir, `#!/bin/sh\n${COUNT}if [ $n -lt 3 ]; then reboot -f; else poweroff -f; fi\necho "not reached"\n`);
    const r = tuml(['quiet', 'rootfstype=hostfs', `hostfs=${s.dir}`]);
    assert.equal(fs.readFileSync(path.join(s.dir, 'count'), 'utf8'), '3\n', show(r));
    assert.deepEqual(lines(r.stdout).filter(Boolean), ['boot 1', 'boot 2', 'boot 3'], show(r));
    assert.equal(r.status, 0, show(r));
  } finally { s.cleanup(); }
});

test('`reboot` through busybox init (shutdown actions, then a fresh boot)', { skip: needImage, timeout: 90_000 }, async () => {
  // The default root's tree with an inittab that counts boots and reboots once.
  const s = scratch('tuml-reboot-');
  try {
    fs.cpSync(TREE, s.dir, { recursive: true, verbatimSymlinks: true });
    fs.writeFileSync(path.join(s.dir, 'etc', 'inittab'), [
      '::once:/etc/count.sh',
      '::shutdown:/bin/echo shutting down',
      '',
    ].join('\n'));
    fs.writeFileSync(path.join(s.dir, 'etc', 'count.sh'),
      `#!/bin/sh\n${COUNT}if [ $n -lt 2 ]; then reboot; else poweroff; fi\n`, { mode: 0o755 });
    const r = await boot(['quiet', 'rootfstype=hostfs', `hostfs=${s.dir}`, 'init=/init'], '', { timeout: 80_000 });
    assert.equal(fs.readFileSync(path.join(s.dir, 'count'), 'utf8'), '2\n', show(r));
    const out = lines(r.stdout);
    const i1 = out.indexOf('boot 1'), sd = out.indexOf('shutting down'), i2 = out.indexOf('boot 2');
    assert.ok(i1 >= 0 && sd > i1 && i2 > sd, `want boot 1, shutting down, boot 2 in order\n${show(r)}`);
    assert.equal(out.lastIndexOf('shutting down') > i2, true, `poweroff runs the shutdown actions too\n${show(r)}`);
    assert.equal(r.status, 0, show(r));
  } finally { s.cleanup(); }
});
