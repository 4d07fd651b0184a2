import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhysMem } from '../mm/phys.js';
import { AddressSpace } from '../mm/aspace.js';
import { copyOut } from '../mm/usercopy.js';
import { PROT_READ, PROT_WRITE, PROT_EXEC, MAP_PRIVATE, MAP_ANONYMOUS, MAP_GROWSDOWN, MAP_FIXED } from '../abi/linux/mman.js';
import { O_RDONLY, O_WRONLY, O_TRUNC } from '../abi/linux/fcntl.js';
import { Kernel } from '../kernel/kernel.js';
import { Task, TaskState } from '../kernel/task.js';
import { Cred } from '../kernel/cred.js';
import type { ClockSource } from '../kernel/time.js';
import { FdTable } from '../fs/vfs/fdtable.js';
import { FsContext } from '../fs/vfs/fscontext.js';
import { openPath, mkdirAt, readlinkAt } from '../fs/vfs/ops.js';
import { doMount } from '../fs/vfs/mountops.js';
import type { File } from '../fs/vfs/file.js';
import type { WaitQueue } from '../lib/waitqueue.js';
import { registerMemDevices } from '../drivers/char/mem.js';
import { registerProcFs, sampleLoad } from './index.js';
import { statText, statusText, mapsText, statmText, cmdlineBytes } from './pid.js';
import { meminfoText } from './system.js';

class FakeClock implements ClockSource {
  ns = 3_500_000_000; // 3.5 s after boot
  realOffsetNs = 1_700_000_000 * 1e9;
  monoNs(): number { return this.ns; }
}

const sleeper = { blockOn(_wq: WaitQueue): void { throw new Error('would block'); } };

interface World { k: Kernel; clock: FakeClock; init: Task; sh: Task; thr: Task; ctx: FsContext; }

function setupArgs(mm: AddressSpace, argv: string[], envp: string[]): void {
  const top = 0x3ffffff000;
  mm.mmap(top - 0x20000, 0x20000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED, null, 0, '[stack]');
  let p = top - 0x1000;
  mm.argStart = p;
  for (const a of argv) { const b = Buffer.from(a + '\0', 'latin1'); copyOut(mm, p, b); p += b.length; }
  mm.argEnd = mm.envStart = p;
  for (const e of envp) { const b = Buffer.from(e + '\0', 'latin1'); copyOut(mm, p, b); p += b.length; }
  mm.envEnd = p;
  mm.startStack = top - 0x1100;
}

function world(): World {
  registerMemDevices();
  const clock = new FakeClock();
  const k = new Kernel(new PhysMem(8 * 1024 * 1024), clock, { quiet: true, strace: false, hostname: 'tuml', console: () => {} });
  const ctx = new FsContext();
  const cred = new Cred();
  assert.equal(mkdirAt(ctx, cred, ctx.cwd, '/proc', 0o555), 0);
  assert.equal(mkdirAt(ctx, cred, ctx.cwd, '/sys', 0o555), 0);
  assert.equal(mkdirAt(ctx, cred, ctx.cwd, '/tmp', 0o1777), 0);

  const mk = (tid: number, tgid: number, mm: AddressSpace, comm: string): Task => {
    const t = new Task(k, tid, tgid, mm, new FdTable(), ctx, new Cred());
    t.comm = comm;
    k.tasks.set(tid, t);
    return t;
  };
  const init = mk(k.allocPid(), 1, new AddressSpace(k.mem), 'init');
  init.exePath = '/sbin/init';
  setupArgs(init.mm, ['/sbin/init'], ['HOME=/']);

  const mm = new AddressSpace(k.mem);
  const shPid = k.allocPid();
  const sh = mk(shPid, shPid, mm, 'sh');
  sh.parent = init; init.children.add(sh);
  sh.exePath = '/bin/busybox';
  mm.mmap(0x10000, 0x3000, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, { getPage: () => -1, name: '/bin/busybox', dev: 0x801, ino: 1234 }, 0);
  mm.startCode = 0x10000; mm.endCode = 0x12800;
  mm.brkStart = mm.brk = 0x20000;
  mm.setBrk(0x22000);
  setupArgs(mm, ['sh', '-c', 'echo hi'], ['PATH=/bin', 'TERM=vt100']);
  // Touch two heap pages so rss counts them.
  copyOut(mm, 0x20000, new Uint8Array([1]));
  copyOut(mm, 0x21000, new Uint8Array([2]));
  sh.sighand.writable(2).handler = 1;        // SIGINT ignored
  sh.sighand.writable(17).handler = 0x1234;  // SIGCHLD caught
  sh.maskLo = 1 << 14;                      // SIGALRM blocked
  sh.hart.instret = 250_000_000;            // 2.5 s of CPU at 10 ns/insn
  mm.users++;
  const thr = mk(k.allocPid(), shPid, mm, 'sh');
  thr.parent = init;
  thr.hart.instret = 50_000_000;
  sh.state = TaskState.Blocked;
  registerProcFs(k, { cmdline: 'mem=8M root=/dev/root' });
  assert.equal(doMount(ctx, cred, 'proc', '/proc', 'proc', 0, ''), 0);
  assert.equal(doMount(ctx, cred, 'sysfs', '/sys', 'sysfs', 0, ''), 0);
  (k as unknown as { current: Task | null }).current = sh;
  return { k, clock, init, sh, thr, ctx };
}

function open(w: World, path: string, flags = O_RDONLY): File {
  const f = openPath(w.ctx, w.sh.cred, w.ctx.cwd, path, flags, 0);
  assert.ok(typeof f !== 'number', `open ${path}: ${f}`);
  return f as File;
}

function cat(w: World, path: string): string {
  const f = open(w, path);
  const chunks: Buffer[] = [];
  const buf = new Uint8Array(7); // small reads: the snapshot must stay consistent
  for (;;) {
    const n = f.read(buf, sleeper);
    assert.ok(n >= 0, `read ${path}: ${n}`);
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('latin1');
}

function ls(w: World, path: string): string[] {
  const f = open(w, path);
  const r = f.readdirFrom();
  assert.ok(typeof r !== 'number');
  return (r as { entries: { name: string }[] }).entries.map((e) => e.name).filter((n) => n !== '.' && n !== '..');
}

test('/proc/PID/stat: 52 fields in Linux order', () => {
  const w = world();
  const s = cat(w, `/proc/${w.sh.tid}/stat`);
  assert.equal(s, statText(w.sh, true));
  assert.ok(s.endsWith('\n'));
  const m = /^(\d+) \((.*)\) (.*)$/.exec(s.trimEnd())!;
  assert.ok(m);
  const rest = m[3].split(' ');
  const f = [m[1], m[2], ...rest];
  assert.equal(f.length, 52);
  assert.equal(f[0], String(w.sh.tid));   // pid
  assert.equal(f[1], 'sh');               // comm
  assert.equal(f[2], 'S');                // state
  assert.equal(f[3], '1');                // ppid
  assert.equal(f[4], String(w.sh.pgid));  // pgrp
  assert.equal(f[5], String(w.sh.sid));   // session
  assert.equal(f[13], '300');             // utime: (250M + 50M insns) × 10 ns = 3 s = 300 ticks
  assert.equal(f[14], '0');               // stime
  assert.equal(f[17], '20');              // priority
  assert.equal(f[18], '0');               // nice
  assert.equal(f[19], '2');               // num_threads
  const vsize = Number(f[22]);
  assert.equal(vsize, 0x3000 + 0x2000 + 0x20000);
  assert.ok(Number(f[23]) >= 3);          // rss pages: 2 heap + stack page
  assert.equal(f[24], '18446744073709551615'); // rsslim
  assert.equal(Number(f[25]), 0x10000);   // startcode
  assert.equal(Number(f[26]), 0x12800);   // endcode
  assert.equal(f[33], String(1 << 16));   // sigcatch: SIGCHLD
  assert.equal(f[32], String(1 << 1));    // sigignore: SIGINT
  assert.equal(f[31], String(1 << 14));   // blocked
  assert.equal(f[37], '17');              // exit_signal
  assert.equal(Number(f[47]), w.sh.mm.argStart);
  assert.equal(Number(f[50]), w.sh.mm.envEnd);
  // The thread's own view: one thread's time only.
  const ts = cat(w, `/proc/${w.sh.tid}/task/${w.thr.tid}/stat`).split(' ');
  assert.equal(ts[0], String(w.thr.tid));
  assert.equal(ts[13], '50');
  assert.equal(ts[37], '-1');
});

test('comm with spaces and parens stays parseable (last paren ends comm)', () => {
  const w = world();
  w.sh.comm = 'a) b (c';
  const s = statText(w.sh, true);
  const close = s.lastIndexOf(')');
  assert.equal(s.slice(s.indexOf('(') + 1, close), 'a) b (c');
  assert.equal(s.slice(close + 2).split(' ').length, 50);
});

test('/proc/PID/status fields', () => {
  const w = world();
  const s = cat(w, `/proc/${w.sh.tid}/status`);
  assert.equal(s, statusText(w.sh));
  const keys = s.trimEnd().split('\n').map((l) => l.split(':')[0]);
  const want = ['Name', 'Umask', 'State', 'Tgid', 'Ngid', 'Pid', 'PPid', 'TracerPid', 'Uid', 'Gid', 'FDSize',
    'Groups', 'NStgid', 'NSpid', 'NSpgid', 'NSsid', 'VmPeak', 'VmSize', 'VmLck', 'VmPin', 'VmHWM', 'VmRSS',
    'RssAnon', 'RssFile', 'RssShmem', 'VmData', 'VmStk', 'VmExe', 'VmLib', 'VmPTE', 'VmSwap'];
  assert.deepEqual(keys.slice(0, want.length), want);
  for (const k of ['Threads', 'SigQ', 'SigPnd', 'ShdPnd', 'SigBlk', 'SigIgn', 'SigCgt', 'CapEff']) assert.ok(keys.includes(k), k);
  const get = (k: string) => s.split('\n').find((l) => l.startsWith(k + ':'))!.slice(k.length + 1);
  assert.equal(get('Name'), '\tsh');
  assert.equal(get('State'), '\tS (sleeping)');
  assert.equal(get('Umask'), '\t0022');
  assert.equal(get('PPid'), '\t1');
  assert.equal(get('Uid'), '\t0\t0\t0\t0');
  assert.equal(get('Threads'), '\t2');
  assert.equal(get('SigIgn'), '\t0000000000000002');
  assert.equal(get('SigCgt'), '\t0000000000010000');
  assert.equal(get('SigBlk'), '\t0000000000004000');
  assert.match(get('VmSize'), /^\t {2,7}\d+ kB$/);
  assert.equal(get('VmSize'), `\t${String((0x25000) / 1024).padStart(8)} kB`);
  assert.equal(get('VmExe'), `\t${'12'.padStart(8)} kB`);
  assert.equal(get('VmStk'), `\t${'128'.padStart(8)} kB`);
});

test('/proc/PID/maps format', () => {
  const w = world();
  const s = cat(w, `/proc/${w.sh.tid}/maps`);
  assert.equal(s, mapsText(w.sh));
  const lines = s.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.equal(lines[0], '00010000-00013000 r-xp 00000000 08:01 1234'.padEnd(72) + ' /bin/busybox');
  assert.equal(lines[1], '00020000-00022000 rw-p 00000000 00:00 0'.padEnd(72) + ' [heap]');
  assert.equal(lines[2], '3ffffdf000-3ffffff000 rw-p 00000000 00:00 0'.padEnd(72) + ' [stack]');
  const re = /^[0-9a-f]{8,}-[0-9a-f]{8,} [r-][w-][x-][sp] [0-9a-f]{8} [0-9a-f]{2}:[0-9a-f]{2} \d+ /;
  for (const l of lines) assert.match(l, re);
  // An anonymous mapping without a name ends with a space after the inode number.
  w.sh.mm.mmap(0x3000000000, 0x1000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, null, 0);
  assert.ok(mapsText(w.sh).includes('3000000000-3000001000 r--p 00000000 00:00 0 \n'));
});

test('statm, cmdline, environ, comm, exe, cwd', () => {
  const w = world();
  assert.equal(cat(w, `/proc/${w.sh.tid}/statm`), statmText(w.sh));
  assert.equal(statmText(w.sh).split(' ').length, 7);
  assert.equal(cat(w, `/proc/${w.sh.tid}/cmdline`), 'sh\0-c\0echo hi\0');
  assert.deepEqual(Buffer.from(cmdlineBytes(w.sh)).toString('latin1'), 'sh\0-c\0echo hi\0');
  assert.equal(cat(w, `/proc/${w.sh.tid}/environ`), 'PATH=/bin\0TERM=vt100\0');
  assert.equal(cat(w, `/proc/${w.sh.tid}/comm`), 'sh\n');
  assert.equal(readlinkAt(w.ctx, w.sh.cred, w.ctx.cwd, `/proc/${w.sh.tid}/exe`), '/bin/busybox');
  assert.equal(readlinkAt(w.ctx, w.sh.cred, w.ctx.cwd, `/proc/${w.sh.tid}/cwd`), '/');
  assert.equal(readlinkAt(w.ctx, w.sh.cred, w.ctx.cwd, `/proc/${w.sh.tid}/root`), '/');
  // Writing comm renames the task.
  const f = open(w, `/proc/${w.sh.tid}/comm`, O_WRONLY | O_TRUNC);
  assert.equal(f.write(Buffer.from('worker\n'), sleeper), 7);
  assert.equal(w.sh.comm, 'worker');
});

test('/proc/self and thread-self follow the current task', () => {
  const w = world();
  assert.equal(readlinkAt(w.ctx, w.sh.cred, w.ctx.cwd, '/proc/self'), String(w.sh.tgid));
  assert.equal(cat(w, '/proc/self/comm'), 'sh\n');
  (w.k as unknown as { current: Task }).current = w.thr;
  assert.equal(readlinkAt(w.ctx, w.sh.cred, w.ctx.cwd, '/proc/thread-self'), `${w.sh.tgid}/task/${w.thr.tid}`);
  assert.equal(cat(w, '/proc/thread-self/stat').split(' ')[0], String(w.thr.tid));
  (w.k as unknown as { current: Task | null }).current = null;
  assert.equal(readlinkAt(w.ctx, w.sh.cred, w.ctx.cwd, '/proc/self'), -2);
});

test('/proc listing: pids of processes (not threads), plus system entries', () => {
  const w = world();
  const names = ls(w, '/proc');
  for (const n of ['meminfo', 'cpuinfo', 'uptime', 'loadavg', 'stat', 'version', 'filesystems', 'mounts', 'self', 'sys', 'cmdline']) {
    assert.ok(names.includes(n), n);
  }
  assert.ok(names.includes('1'));
  assert.ok(names.includes(String(w.sh.tid)));
  assert.ok(!names.includes(String(w.thr.tid)));
  assert.deepEqual(ls(w, `/proc/${w.sh.tid}/task`).sort(), [String(w.sh.tid), String(w.thr.tid)].sort());
  // A thread id can still be looked up directly.
  assert.equal(cat(w, `/proc/${w.thr.tid}/comm`), 'sh\n');
  // A reaped task's directory disappears; open files on it report ESRCH.
  const f = open(w, `/proc/${w.sh.tid}/status`);
  w.k.tasks.delete(w.sh.tid); w.sh.state = TaskState.Dead;
  assert.ok(!ls(w, '/proc').includes(String(w.sh.tid)));
  assert.equal(openPath(w.ctx, w.init.cred, w.ctx.cwd, `/proc/${w.sh.tid}/stat`, O_RDONLY, 0), -2);
  assert.equal(f.pread(new Uint8Array(10), 0, null), 10); // the snapshot taken at open
  assert.equal(f.pread(new Uint8Array(10), 0, null), -3); // a fresh read at 0: ESRCH
});

test('fd directory: symlinks to paths', () => {
  const w = world();
  const f = openPath(w.ctx, w.sh.cred, w.ctx.cwd, '/proc/meminfo', O_RDONLY, 0) as File;
  const fd = w.sh.files.alloc(f);
  assert.deepEqual(ls(w, `/proc/${w.sh.tid}/fd`), [String(fd)]);
  assert.equal(readlinkAt(w.ctx, w.sh.cred, w.ctx.cwd, `/proc/self/fd/${fd}`), '/proc/meminfo');
  const info = cat(w, `/proc/self/fdinfo/${fd}`);
  assert.match(info, /^pos:\t0\nflags:\t0+\nmnt_id:\t\d+\nino:\t\d+\n$/);
  // Reopening through the link works for path-backed files.
  assert.match(cat(w, `/proc/self/fd/${fd}`), /^MemTotal:/);
});

test('meminfo, uptime, loadavg, stat, version, cpuinfo', () => {
  const w = world();
  const mi = cat(w, '/proc/meminfo');
  assert.equal(mi, meminfoText(w.k));
  const lines = mi.trimEnd().split('\n');
  assert.match(lines[0], /^MemTotal: +\d+ kB$/);
  assert.equal(lines[0].indexOf('k'), 25); // value right-aligned: 16-col label + 8-col number + ' kB'
  const val = (k: string) => Number(/(\d+)/.exec(lines.find((l) => l.startsWith(k + ':'))!)![1]);
  assert.equal(val('MemTotal'), (w.k.mem.nframes - 1) * 4);
  assert.equal(val('MemFree'), w.k.mem.freeFrames * 4);
  for (const k of ['MemAvailable', 'Buffers', 'Cached', 'SwapTotal', 'SwapFree', 'Shmem', 'SReclaimable']) assert.ok(lines.some((l) => l.startsWith(k + ':')), k);

  assert.equal(cat(w, '/proc/uptime'), '3.50 0.50\n'); // 3.5 s up, 3 s of CPU used
  assert.equal(cat(w, '/proc/loadavg'), `0.00 0.00 0.00 2/3 ${w.thr.tid}\n`);
  sampleLoad(w.k);
  w.clock.ns += 60e9;
  sampleLoad(w.k);
  const la = cat(w, '/proc/loadavg').split(' ').map(Number);
  assert.ok(la[0] > 1.2 && la[0] < 2, `1-minute load ${la[0]}`);
  assert.ok(la[1] < la[0] && la[2] < la[1]);

  const st = cat(w, '/proc/stat');
  const cpu = st.split('\n')[0];
  assert.match(cpu, /^cpu {2}\d+ 0 0 \d+ 0 0 0 0 0 0$/);
  assert.match(st, /\nbtime 1700000000\n/);
  assert.match(st, /\nprocs_running 2\nprocs_blocked 0\n/);
  assert.match(st, /\nprocesses \d+\n/);
  assert.match(st, /\nctxt \d+\n/);

  assert.match(cat(w, '/proc/version'), /^Linux version 6\.1\.0-tuml /);
  assert.match(cat(w, '/proc/cpuinfo'), /^processor\t: 0\nhart\t\t: 0\nisa\t\t: rv64imafdc\nmmu\t\t: sv39\n/);
  assert.equal(cat(w, '/proc/cmdline'), 'mem=8M root=/dev/root\n');
  const fs = cat(w, '/proc/filesystems');
  assert.match(fs, /^nodev\tproc$/m);
  assert.match(fs, /^nodev\tsysfs$/m);
  assert.match(fs, /^nodev\ttmpfs$/m);
});

test('mounts (and /proc/mounts → self/mounts), mountinfo', () => {
  const w = world();
  const m = cat(w, '/proc/mounts');
  assert.equal(m, cat(w, `/proc/${w.sh.tid}/mounts`));
  const lines = m.trimEnd().split('\n');
  assert.equal(lines[0], 'none / tmpfs rw,relatime 0 0');
  assert.ok(lines.includes('proc /proc proc rw,relatime 0 0'));
  assert.ok(lines.includes('sysfs /sys sysfs rw,relatime 0 0'));
  const mi = cat(w, '/proc/self/mountinfo').trimEnd().split('\n');
  assert.equal(mi.length, lines.length);
  assert.match(mi[1], /^\d+ \d+ 0:\d+ \/ \/proc rw,relatime - proc proc rw$/);
});

test('sysctls: hostname is writable and changes the kernel', () => {
  const w = world();
  assert.equal(cat(w, '/proc/sys/kernel/hostname'), 'tuml\n');
  const f = open(w, '/proc/sys/kernel/hostname', O_WRONLY | O_TRUNC);
  assert.equal(f.write(Buffer.from('box\n'), sleeper), 4);
  assert.equal(w.k.hostname, 'box');
  assert.equal(cat(w, '/proc/sys/kernel/ostype'), 'Linux\n');
  assert.equal(cat(w, '/proc/sys/kernel/osrelease'), '6.1.0-tuml\n');
  assert.equal(cat(w, '/proc/sys/kernel/pid_max'), '4194304\n');
  assert.equal(cat(w, '/proc/sys/vm/overcommit_memory'), '0\n');
  const g = open(w, '/proc/sys/vm/overcommit_memory', O_WRONLY | O_TRUNC);
  assert.equal(g.write(Buffer.from('1\n'), sleeper), 2);
  assert.equal(cat(w, '/proc/sys/vm/overcommit_memory'), '1\n');
  // Read-only entries refuse writes.
  const h = open(w, '/proc/sys/kernel/ostype', O_WRONLY);
  assert.equal(h.write(Buffer.from('x'), sleeper), -22);
});

test('a read at position 0 regenerates; later reads continue the snapshot', () => {
  const w = world();
  const f = open(w, '/proc/uptime');
  const buf = new Uint8Array(100);
  const a = Buffer.from(buf.subarray(0, f.pread(buf, 0, null))).toString();
  w.clock.ns += 1e9;
  const b = Buffer.from(buf.subarray(0, f.pread(buf, 0, null))).toString();
  assert.notEqual(a, b);
  assert.equal(b.split(' ')[0], '4.50');
});

test('sysfs: top folders and mdev-style device entries', () => {
  const w = world();
  const top = ls(w, '/sys');
  for (const n of ['kernel', 'class', 'devices', 'fs', 'dev', 'block', 'bus']) assert.ok(top.includes(n), n);
  assert.ok(ls(w, '/sys/class').includes('mem'));
  assert.ok(ls(w, '/sys/class/mem').includes('null'));
  assert.equal(cat(w, '/sys/class/mem/null/dev'), '1:3\n');
  assert.match(cat(w, '/sys/class/mem/null/uevent'), /DEVNAME=null/);
  assert.ok(ls(w, '/sys/dev/char').includes('1:3'));
  assert.equal(readlinkAt(w.ctx, w.sh.cred, w.ctx.cwd, '/sys/dev/char/1:3'), '../../devices/virtual/mem/null');
  assert.equal(cat(w, '/sys/dev/char/1:5/dev'), '1:5\n');
  assert.equal(cat(w, '/sys/devices/system/cpu/online'), '0\n');
});
