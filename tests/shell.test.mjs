// Non-interactive busybox shell tests: `tuml -- /bin/sh -c CMD`, on the default
// root (build/initramfs.cpio.gz, unpacked into a tmpfs; no root options) and on
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
import { BUILD, REPO, ROOT, TUML, IN_CI, exitStatus, skipReason, tumlBuilt } from './lib/guest.mjs';

const INITRAMFS = path.join(BUILD, 'initramfs.cpio.gz');
const HOG = path.join(ROOT, 't', 'oom_hog');
const T_MS = 60_000;

const skip = skipReason([
  [tumlBuilt(), 'tuml is not built (npm run build)'],
  [fs.existsSync(path.join(ROOT, 'bin', 'busybox')), 'build/root/bin/busybox missing (run: bash scripts/fetch-guest.sh)'],
  [fs.existsSync(INITRAMFS), 'build/initramfs.cpio.gz missing (run: bash scripts/fetch-guest.sh)'],
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

// The default root needs the kernel to unpack build/initramfs.cpio.gz when no root
// option is given. Probe once: while that is missing, the initramfs variants run as
// `todo` with the kernel's own words as the reason.
function defaultRootTodo() {
  if (skip) return undefined;
  const r = sh([], 'exit 0', { timeout: 30_000 });
  if (r.status === 0) return undefined;
  const why = (r.stderr.trim().split('\n').pop() || `status ${r.status}`).slice(0, 200);
  return `kernel: booting the default initramfs root fails (${why})`;
}
const initramfsTodo = defaultRootTodo();
if (initramfsTodo && IN_CI) process.stderr.write(`shell.test: ${initramfsTodo}\n`);

const ROOTS = [
  { name: 'initramfs', args: [], todo: initramfsTodo },
  { name: 'hostfs', args: ['rootfstype=hostfs', `hostfs=${ROOT}`], todo: undefined },
];

for (const root of ROOTS) {
  describe(`busybox sh on the ${root.name} root`, { skip, todo: root.todo }, () => {
    const run = (cmd, opts) => sh(root.args, cmd, opts);
    const t = (name, fn, extra = {}) => test(name, { timeout: T_MS + 10_000, ...extra }, fn);

    t('a pipeline: seq 1000 | sort -rn | head -3', () => {
      expectOut(run('seq 1000 | sort -rn | head -3'), '1000\n999\n998\n');
    });

    t('200 fork+exec+wait of /bin/true', () => {
      expectOut(run('for i in $(seq 200); do /bin/true; done; echo ok'), 'ok\n');
    });

    t('a background subshell and wait', () => {
      expectOut(run('(sleep 1; echo a) & wait; echo b'), 'a\nb\n');
    });

    t('a trapped signal sent to the shell itself', () => {
      expectOut(run("trap 'echo caught' INT; kill -INT $$; echo after"), 'caught\nafter\n');
    });

    t('yes | head -c 100000 | wc -c (SIGPIPE ends yes)', () => {
      expectOut(run('yes | head -c 100000 | wc -c'), `${100000}\n`);
    });

    t('exit status: exit 7 is tuml\'s exit status', () => {
      expectOut(run('exit 7'), '', 7);
    });

    t('exit status: a child killed by SIGKILL is 137, and tuml exits with it', () => {
      const r = run('sh -c \'kill -9 $$\'; s=$?; echo $s; exit $s');
      expectOut(r, '137\n', 137);
    });

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
