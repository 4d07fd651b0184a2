// Non-interactive busybox shell tests: `tuml -- /bin/sh -c CMD`, on the default
// root (build/initramfs.cpio, unpacked into a tmpfs; no root options) and on
// the hostfs root build/root (`rootfstype=hostfs hostfs=build/root`).
//
// Every expected output is a plain fact about Linux and busybox, written here or
// computed in JS, never copied from a tuml run. Where Linux would answer otherwise
// than a naive reading suggests, the comment says why (e.g. pid 1 ignores SIGKILL
// sent from inside its own pid namespace).
//
// With `--` the shell is init itself, so nothing has mounted /proc or /sys (Linux
// mounts neither for init): commands that need them start with SETUP, which mounts
// what is not mounted yet. /dev is devtmpfs (the kernel mounts it, or SETUP does).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILD, QEMU, REPO, ROOT, TUML, IN_CI, ensureBinfmt, exitStatus, have, scratch, skipReason, tumlBuilt } from './lib/guest.mjs';

const INITRAMFS = path.join(BUILD, 'initramfs.cpio');
const HOG = path.join(ROOT, 't', 'oom_hog');
const T_MS = 60_000;

const skip = skipReason([
  [tumlBuilt(), 'tuml is not built (npm run build)'],
  [fs.existsSync(path.join(ROOT, 'bin', 'busybox')), 'build/root/bin/busybox missing (run: bash scripts/fetch-guest.sh)'],
  [fs.existsSync(INITRAMFS), 'build/initramfs.cpio missing (run: bash scripts/fetch-guest.sh)'],
]);

export const SETUP = [
  '[ -e /proc/self ] || mount -t proc proc /proc',
  "grep -q '^[^ ]* /sys sysfs ' /proc/mounts || mount -t sysfs sysfs /sys",
  "grep -q '^[^ ]* /dev devtmpfs ' /proc/mounts || mount -t devtmpfs devtmpfs /dev",
].join('; ') + '; ';

/** Run `tuml quiet [mem=] ROOTARGS -- /bin/sh -c CMD`. */
function sh(rootArgs, cmd, { mem, input = '', timeout = T_MS } = {}) {
  const args = [TUML, 'quiet', ...(mem ? [`mem=${mem}`] : []), ...rootArgs, '--', '/bin/sh', '-c', cmd];
  const r = spawnSync(process.execPath, args, {
    cwd: REPO, input, timeout, killSignal: 'SIGKILL', maxBuffer: 64 << 20, encoding: 'utf8',
  });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: exitStatus(r), args };
}

const show = (r) => `tuml ${r.args.slice(1).join(' ')}\n--- status ${r.status}\n--- stdout:\n${r.stdout.slice(0, 4000)}\n--- stderr:\n${r.stderr.slice(0, 4000)}`;

function expectOut(r, want, status = 0) {
  assert.equal(r.stdout, want, show(r));
  assert.equal(r.status, status, show(r));
}

// Commands whose output and exit status are the same on any Linux: checked under
// tuml here, and (below) under the real kernel in a qemu chroot of build/root.
// [name, command, stdout, exit status]
const FACTS = [
  ['a pipeline: seq 1000 | sort -rn | head -3', 'seq 1000 | sort -rn | head -3', '1000\n999\n998\n', 0],
  ['200 fork+exec+wait of /bin/true', 'for i in $(seq 200); do /bin/true; done; echo ok', 'ok\n', 0],
  ['a background subshell and wait', '(sleep 1; echo a) & wait; echo b', 'a\nb\n', 0],
  ['a trapped signal sent to the shell itself', "trap 'echo caught' INT; kill -INT $$; echo after", 'caught\nafter\n', 0],
  ['yes | head -c 100000 | wc -c (SIGPIPE ends yes)', 'yes | head -c 100000 | wc -c', `${100_000}\n`, 0],
  ['exit status: exit 7 is the exit status', 'exit 7', '', 7],
  ['exit status: a child killed by SIGKILL is 128+9, passed on', "sh -c 'kill -9 $$'; s=$?; echo $s; exit $s", `${128 + 9}\n`, 128 + 9],
];

const ROOTS = [
  { name: 'initramfs', args: [] },
  { name: 'hostfs', args: ['rootfstype=hostfs', `hostfs=${ROOT}`] },
];

for (const root of ROOTS) {
  describe(`busybox sh on the ${root.name} root`, { skip }, () => {
    const run = (cmd, opts) => sh(root.args, cmd, opts);
    const t = (name, fn, extra = {}) => test(name, { timeout: T_MS + 10_000, ...extra }, fn);

    for (const [name, cmd, out, status] of FACTS) t(name, () => expectOut(run(cmd), out, status));

    t('pid 1 ignores SIGKILL sent from inside (Linux: SIGNAL_UNKILLABLE)', () => {
      expectOut(run('kill -9 $$; echo alive'), 'alive\n');
    });

    t('/proc/meminfo starts with MemTotal', () => {
      const r = run(SETUP + 'cat /proc/meminfo | head -1');
      assert.match(r.stdout, /^MemTotal:\s+\d+ kB\n$/, show(r));
      const kb = Number(/\d+/.exec(r.stdout)[0]);
      assert.ok(kb > 0 && kb <= 64 * 1024, `MemTotal ${kb} kB is not within the default mem=64M\n${show(r)}`);
      assert.equal(r.status, 0, show(r));
    });

    t('ls /dev has null zero tty console', () => {
      const r = run(SETUP + 'ls /dev');
      const names = r.stdout.split(/\s+/).filter(Boolean);
      for (const n of ['null', 'zero', 'tty', 'console']) assert.ok(names.includes(n), `/dev lacks ${n}\n${show(r)}`);
      assert.equal(r.status, 0, show(r));
    });

    t('mount lists proc, sysfs and devtmpfs', () => {
      const r = run(SETUP + 'mount');
      const types = new Map(r.stdout.split('\n').filter(Boolean).map((l) => {
        const m = /^(\S+) on (\S+) type (\S+)/.exec(l);
        return m ? [m[2], m[3]] : [l, '?'];
      }));
      assert.equal(types.get('/proc'), 'proc', show(r));
      assert.equal(types.get('/sys'), 'sysfs', show(r));
      assert.equal(types.get('/dev'), 'devtmpfs', show(r));
      assert.ok(types.has('/'), `no root in the mount table\n${show(r)}`);
      assert.equal(r.status, 0, show(r));
    });

    t('ps lists the shell', () => {
      const r = run(SETUP + 'echo "me=$$"; ps');
      const me = /^me=(\d+)$/m.exec(r.stdout)?.[1];
      assert.equal(me, '1', `the shell given after -- is init, pid 1\n${show(r)}`);
      assert.match(r.stdout, /^\s*PID\s+USER\s+(TIME\s+)?COMMAND$/m, show(r));
      assert.match(r.stdout, /^\s*1\s+root\s+.*\bsh\b/m, `no line for pid 1 (the shell)\n${show(r)}`);
      assert.equal(r.status, 0, show(r));
    });

    t('mem=16M boots and runs a command', () => {
      expectOut(run('echo ok', { mem: '16M' }), 'ok\n');
    });

    if (root.name === 'hostfs') {
      t('OOM: an unbounded allocator is killed, the shell survives', () => {
        if (!fs.existsSync(HOG)) {
          if (IN_CI) assert.fail('build/root/t/oom_hog missing (bash scripts/fetch-guest.sh)');
          return;
        }
        const r = run('/t/oom_hog hog; echo "status=$?"; echo survived', { mem: '32M', timeout: 120_000 });
        assert.equal(r.stdout, 'status=137\nsurvived\n', show(r));
        assert.match(r.stderr, /Out of memory: Killed process \d+ \(oom_hog\)/, show(r));
        assert.equal(r.status, 0, show(r));
      }, { timeout: 130_000 });
    }
  });
}

// The oracle: the same FACTS on the real Linux kernel, in a chroot of a copy of
// build/root whose riscv64 programs run through qemu (binfmt_misc). This checks
// the expectations above, not tuml. Needs root (chroot, mknod).
describe('the FACTS hold on the real kernel (qemu chroot)', () => {
  let why = skipReason([
    [have(QEMU), `${QEMU} not found (apt-get install qemu-user-static)`],
    [fs.existsSync(path.join(ROOT, 'bin', 'busybox')), 'build/root/bin/busybox missing (run: bash scripts/fetch-guest.sh)'],
  ]);
  if (!why && process.getuid?.() !== 0) why = IN_CI ? undefined : 'needs root (chroot, mknod)';
  const binfmt = why ? undefined : ensureBinfmt();
  if (binfmt && !IN_CI) why = binfmt;
  let dir;
  const setup = () => {
    if (binfmt) assert.fail(`binfmt_misc is required in CI: ${binfmt}`);
    const s = scratch('tuml-chroot-');
    for (const d of ['bin', 'sbin', 'usr']) fs.cpSync(path.join(ROOT, d), path.join(s.dir, d), { recursive: true, verbatimSymlinks: true });
    for (const d of ['dev', 'tmp', 'proc']) fs.mkdirSync(path.join(s.dir, d));
    for (const [n, maj, min] of [['null', 1, 3], ['zero', 1, 5]]) {
      spawnSync('mknod', ['-m', '666', path.join(s.dir, 'dev', n), 'c', String(maj), String(min)]);
    }
    return s;
  };
  for (const [name, cmd, out, status] of FACTS) {
    test(name, { skip: why, timeout: T_MS + 10_000 }, () => {
      dir ??= setup();
      const r = spawnSync('chroot', [dir.dir, '/bin/sh', '-c', cmd], {
        input: '', timeout: T_MS, killSignal: 'SIGKILL', encoding: 'utf8', env: { PATH: '/bin:/sbin:/usr/bin:/usr/sbin', HOME: '/' },
      });
      const got = { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: exitStatus(r), args: ['(chroot)', cmd] };
      expectOut(got, out, status);
    });
  }
  test('clean up', { skip: why }, () => { dir?.cleanup(); });
});
