// System-wide /proc entries: meminfo, cpuinfo, uptime, loadavg, stat, version,
// filesystems, mounts, cmdline, devices, sys/ (sysctls), plus the /proc root with its
// PID directories and the self / thread-self links.
import { ENOENT, EINVAL } from '../abi/linux/errno.js';
import * as M from '../abi/linux/misc.js';
import { findCharDevice } from '../drivers/char/registry.js';
import { ubdDevices, UBD_MAJOR } from '../drivers/block/ubd.js';
import { Task, TaskState } from '../kernel/task.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Inode, DirEntry } from '../fs/vfs/inode.js';
import { DirNode, GenSb, dirEntry } from './nodes.js';
import { buildProcNet, buildSysNet } from './net.js';
import { TaskDir, NS_PER_INSN, USER_HZ, cpuNs, findProcess, mountsText } from './pid.js';
import { registerCkptState } from '../lib/ckptstate.js';

/** What the boot code can tell procfs about the machine. */
export interface ProcOptions {
  /** The kernel command line (/proc/cmdline). */
  cmdline?: string;
  /** Registered filesystem types (/proc/filesystems); a built-in list otherwise. */
  filesystems?: () => { name: string; nodev: boolean }[];
  /** The task making the current system call (/proc/self); default: kernel.current. */
  current?: (k: Kernel) => Task | null;
  /** Extra block devices for /proc/devices (major, name). */
  blockDevices?: [number, string][];
}

export function defaultCurrent(k: Kernel): Task | null {
  return (k as unknown as { current?: Task | null }).current ?? null;
}

// ---------- per-kernel state kept by procfs ----------
class KState {
  load = [0, 0, 0];
  lastSample = -1;
  bootId = '';
  sysctl = new Map<string, string>();
}
const kstates = new WeakMap<Kernel, KState>();
// Checkpoint: the load average, boot id and sysctl values written by the guest.
registerCkptState('proc.kstate', (k) => { const s = kstates.get(k as Kernel); return s ? { ...s } : null; }, (v, k) => {
  if (v) kstates.set(k as Kernel, Object.assign(new KState(), v));
});
function kstate(k: Kernel): KState {
  let s = kstates.get(k);
  if (!s) { s = new KState(); kstates.set(k, s); }
  return s;
}

const LOAD_INTERVAL_NS = 5e9;
const LOAD_DECAY = [Math.exp(-5 / 60), Math.exp(-5 / 300), Math.exp(-5 / 900)];

/** Tasks counted by the load average (runnable; there is no uninterruptible sleep). */
export function nrRunning(k: Kernel): number {
  let n = 0;
  for (const t of k.tasks.values()) if (t.state === TaskState.Runnable) n++;
  return n;
}

/**
 * Sample the load average, as Linux's calc_global_load does every 5 s. Cheap to call
 * often (the run loop may call it on every tick): it only folds in whole 5 s intervals.
 * Until someone calls it, /proc/loadavg honestly reports 0.00.
 */
export function sampleLoad(k: Kernel): void {
  const s = kstate(k);
  const now = k.now();
  if (s.lastSample < 0) { s.lastSample = now; return; }
  let n = Math.floor((now - s.lastSample) / LOAD_INTERVAL_NS);
  if (n <= 0) return;
  s.lastSample += n * LOAD_INTERVAL_NS;
  const r = nrRunning(k);
  n = Math.min(n, 2000);
  for (let i = 0; i < 3; i++) {
    const e = LOAD_DECAY[i] ** n;
    s.load[i] = s.load[i] * e + r * (1 - e);
  }
}

/** The most recently allocated pid (the kernel's allocator state, read-only). */
export function lastPid(k: Kernel): number {
  const next = (k as unknown as { nextPid?: number; lastPid?: number });
  if (typeof next.lastPid === 'number') return next.lastPid;
  if (typeof next.nextPid === 'number') return next.nextPid - 1;
  let m = 0;
  for (const t of k.tasks.values()) m = Math.max(m, t.tid);
  return m;
}

function fmt2(x: number): string { return (Math.round(x * 100) / 100).toFixed(2); }

// ---------- generators ----------
export function meminfoText(k: Kernel): string {
  const mem = k.mem;
  const total = mem.nframes - 1; // frame 0 is never handed out
  const free = mem.freeFrames;
  const cached = Math.max(0, Math.min(total - free, (mem as unknown as { cacheFrames?: number }).cacheFrames ?? 0));
  let shmem = 0, pte = 0;
  const seen = new Set<unknown>();
  for (const t of k.tasks.values()) {
    if (t.state === TaskState.Zombie || t.state === TaskState.Dead || seen.has(t.mm)) continue;
    seen.add(t.mm);
    pte += t.mm.pt.dirs.size;
    for (const v of t.mm.vmas) {
      if (v.file === null && (v.flags & 1 /* MAP_SHARED */)) {
        t.mm.pt.forRange(v.start / 4096, v.end / 4096, () => { shmem++; });
      }
    }
  }
  const anon = Math.max(0, total - free - cached);
  const rows: [string, number][] = [
    ['MemTotal', total], ['MemFree', free], ['MemAvailable', free + cached], ['Buffers', 0],
    ['Cached', cached], ['SwapCached', 0], ['Active', anon], ['Inactive', cached],
    ['Active(anon)', anon], ['Inactive(anon)', 0], ['Active(file)', 0], ['Inactive(file)', cached],
    ['Unevictable', 0], ['Mlocked', 0], ['SwapTotal', 0], ['SwapFree', 0], ['Dirty', 0],
    ['Writeback', 0], ['AnonPages', anon], ['Mapped', cached], ['Shmem', shmem], ['KReclaimable', 0],
    ['Slab', 0], ['SReclaimable', 0], ['SUnreclaim', 0], ['KernelStack', 0], ['PageTables', pte],
    ['SecPageTables', 0], ['NFS_Unstable', 0], ['Bounce', 0], ['WritebackTmp', 0],
    ['CommitLimit', Math.floor(total / 2)], ['Committed_AS', anon], ['VmallocTotal', 0],
    ['VmallocUsed', 0], ['VmallocChunk', 0], ['Percpu', 0], ['HardwareCorrupted', 0],
    ['AnonHugePages', 0], ['ShmemHugePages', 0], ['ShmemPmdMapped', 0], ['FileHugePages', 0],
    ['FilePmdMapped', 0], ['HugePages_Total', -1], ['HugePages_Free', -1], ['HugePages_Rsvd', -1],
    ['HugePages_Surp', -1], ['Hugepagesize', -2], ['Hugetlb', 0],
  ];
  let s = '';
  for (const [name, pages] of rows) {
    const label = (name + ':').padEnd(16);
    if (pages === -1) s += `${label}${'0'.padStart(8)}\n`;          // HugePages_*: counts, no unit
    else if (pages === -2) s += `${label}${'2048'.padStart(8)} kB\n`;
    else s += `${label}${String(pages * 4).padStart(8)} kB\n`;
  }
  return s;
}

export function cpuinfoText(): string {
  return 'processor\t: 0\nhart\t\t: 0\nisa\t\t: rv64imafdc\nmmu\t\t: sv39\nuarch\t\t: tuml,rv64gc\n' +
    'mvendorid\t: 0x0\nmarchid\t\t: 0x0\nmimpid\t\t: 0x0\n\n';
}

/** Busy CPU time since boot in ns: instructions retired by live and reaped tasks. */
export function busyNs(k: Kernel): number {
  let insns = k.retiredInstret;
  for (const t of k.tasks.values()) insns += t.hart.instret;
  return insns * NS_PER_INSN;
}

export function uptimeText(k: Kernel): string {
  const up = k.now() / 1e9;
  const idle = Math.max(0, up - busyNs(k) / 1e9);
  return `${up.toFixed(2)} ${idle.toFixed(2)}\n`;
}

export function loadavgText(k: Kernel): string {
  const l = kstate(k).load;
  let total = 0;
  for (const t of k.tasks.values()) if (t.state !== TaskState.Dead && t.state !== TaskState.Zombie) total++;
  return `${fmt2(l[0])} ${fmt2(l[1])} ${fmt2(l[2])} ${nrRunning(k)}/${total} ${lastPid(k)}\n`;
}

export function statText(k: Kernel): string {
  const hz = 1e9 / USER_HZ;
  const up = Math.floor(k.now() / hz);
  let user = Math.floor(busyNs(k) / hz);
  if (user > up) user = up;
  const idle = up - user;
  const cpu = `${user} 0 0 ${idle} 0 0 0 0 0 0`;
  const btime = Math.floor(k.clock.realOffsetNs / 1e9);
  return `cpu  ${cpu}\ncpu0 ${cpu}\nintr 0\nctxt 0\nbtime ${btime}\nprocesses ${lastPid(k)}\n` +
    `procs_running ${nrRunning(k)}\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n`;
}

export function versionText(): string {
  return `Linux version ${M.UTS_RELEASE} (tuml@tuml) (tuml TypeScript kernel) ${M.UTS_VERSION}\n`;
}

const BUILTIN_FS: { name: string; nodev: boolean }[] = [
  { name: 'sysfs', nodev: true }, { name: 'tmpfs', nodev: true }, { name: 'ramfs', nodev: true },
  { name: 'proc', nodev: true }, { name: 'devtmpfs', nodev: true }, { name: 'devpts', nodev: true },
  { name: 'hostfs', nodev: true }, { name: 'pipefs', nodev: true }, { name: 'ext2', nodev: false },
];

export function filesystemsText(opts: ProcOptions): string {
  const list = opts.filesystems ? opts.filesystems() : BUILTIN_FS;
  return list.map((f) => `${f.nodev ? 'nodev' : ''}\t${f.name}\n`).join('');
}

/** Known character devices (Documentation/admin-guide/devices.txt); only registered ones are listed. */
export const CHAR_DEVICES: { major: number; minor: number; name: string; cls: string; majorName: string }[] = [
  { major: 1, minor: 3, name: 'null', cls: 'mem', majorName: 'mem' },
  { major: 1, minor: 5, name: 'zero', cls: 'mem', majorName: 'mem' },
  { major: 1, minor: 7, name: 'full', cls: 'mem', majorName: 'mem' },
  { major: 1, minor: 8, name: 'random', cls: 'mem', majorName: 'mem' },
  { major: 1, minor: 9, name: 'urandom', cls: 'mem', majorName: 'mem' },
  { major: 1, minor: 11, name: 'kmsg', cls: 'mem', majorName: 'mem' },
  { major: 4, minor: 0, name: 'tty0', cls: 'tty', majorName: 'tty' },
  { major: 4, minor: 64, name: 'ttyS0', cls: 'tty', majorName: 'ttyS' },
  { major: 5, minor: 0, name: 'tty', cls: 'tty', majorName: '/dev/tty' },
  { major: 5, minor: 1, name: 'console', cls: 'tty', majorName: '/dev/console' },
  { major: 5, minor: 2, name: 'ptmx', cls: 'tty', majorName: '/dev/ptmx' },
  { major: 10, minor: 229, name: 'fuse', cls: 'misc', majorName: 'misc' },
];

export function presentCharDevices(): typeof CHAR_DEVICES {
  return CHAR_DEVICES.filter((d) => findCharDevice(d.major, d.minor) !== null);
}

export function devicesText(opts: ProcOptions): string {
  const seen = new Set<string>();
  let s = 'Character devices:\n';
  for (const d of presentCharDevices()) {
    const key = `${d.major} ${d.majorName}`;
    if (seen.has(key)) continue;
    seen.add(key);
    s += `${String(d.major).padStart(3)} ${d.majorName}\n`;
  }
  if (findCharDevice(136, 0) !== null) s += '136 pts\n';
  s += '\nBlock devices:\n';
  s += `${String(UBD_MAJOR).padStart(3)} ubd\n`;
  for (const [maj, name] of opts.blockDevices ?? []) s += `${String(maj).padStart(3)} ${name}\n`;
  return s;
}

/** /proc/partitions: the ubd disks, sizes in KiB (Linux's "%4d  %7d %10llu %s"). */
export function partitionsText(): string {
  let s = 'major minor  #blocks  name\n\n';
  for (const d of ubdDevices()) {
    s += `${String(UBD_MAJOR).padStart(4)}  ${String(d.minor).padStart(7)} ${String(Math.floor(d.blk.size / 1024)).padStart(10)} ${d.name}\n`;
  }
  return s;
}

function uuid(k: Kernel): string {
  const b = new Uint8Array(16);
  k.random(b);
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A sysctl text value written by the guest: the first line, without its newline. */
function firstLine(buf: Uint8Array): string {
  const s = Buffer.from(buf).toString('latin1');
  const nl = s.indexOf('\n');
  return nl >= 0 ? s.slice(0, nl) : s;
}

// ---------- the tree ----------
function buildSys(sb: GenSb, root: DirNode): void {
  const k = sb.kernel;
  const st = kstate(k);
  const sys = root.dir('sys');
  const kern = sys.dir('kernel');
  const HOST_MAX = 64;
  kern.file('hostname', () => k.hostname + '\n', 0o644, (buf) => {
    const s = firstLine(buf);
    if (s.length > HOST_MAX) return -EINVAL;
    k.hostname = s;
    return buf.length;
  });
  kern.file('domainname', () => k.domainname + '\n', 0o644, (buf) => {
    const s = firstLine(buf);
    if (s.length > HOST_MAX) return -EINVAL;
    k.domainname = s;
    return buf.length;
  });
  kern.file('ostype', () => 'Linux\n');
  kern.file('osrelease', () => M.UTS_RELEASE + '\n');
  kern.file('version', () => M.UTS_VERSION + '\n');
  kern.file('pid_max', () => '4194304\n');
  kern.file('threads-max', () => '63439\n');
  kern.file('ngroups_max', () => '65536\n');
  kern.file('cap_last_cap', () => '40\n');
  kern.file('printk', () => '4\t4\t1\t7\n');
  kern.file('tainted', () => '0\n');
  const rnd = kern.dir('random');
  rnd.file('boot_id', () => { if (!st.bootId) st.bootId = uuid(k); return st.bootId + '\n'; });
  rnd.file('uuid', () => uuid(k) + '\n');
  rnd.file('entropy_avail', () => '256\n');
  rnd.file('poolsize', () => '256\n');
  // Tunables the guest may set; we remember the value (no behaviour hangs on them yet).
  const tunable = (dir: DirNode, key: string, name: string, initial: string): void => {
    const id = `${key}.${name}`;
    dir.file(name, () => (st.sysctl.get(id) ?? initial) + '\n', 0o644, (buf) => {
      st.sysctl.set(id, firstLine(buf).trim());
      return buf.length;
    });
  };
  const vm = sys.dir('vm');
  tunable(vm, 'vm', 'overcommit_memory', '0');
  tunable(vm, 'vm', 'overcommit_ratio', '50');
  tunable(vm, 'vm', 'swappiness', '60');
  tunable(vm, 'vm', 'max_map_count', '65530');
  tunable(vm, 'vm', 'min_free_kbytes', '1024');
  tunable(vm, 'vm', 'drop_caches', '0');
  const fs = sys.dir('fs');
  fs.file('file-max', () => '9223372036854775807\n');
  fs.file('nr_open', () => '1048576\n');
  tunable(fs, 'fs', 'protected_symlinks', '0');
  buildSysNet(sys.dir('net'), k);
  sys.dir('dev');
  sys.dir('debug');
  sys.dir('user');
}

/** Build the /proc tree on sb. */
export function buildProc(sb: GenSb, opts: ProcOptions): void {
  const k = sb.kernel;
  const root = sb.root;
  const current = opts.current ?? defaultCurrent;
  const dirs = new WeakMap<Task, TaskDir>();
  const procDir = (t: Task): TaskDir => {
    let d = dirs.get(t);
    if (!d) { d = new TaskDir(sb, t, true, procDir); dirs.set(t, d); }
    return d;
  };

  root.file('meminfo', () => meminfoText(k));
  root.file('cpuinfo', () => cpuinfoText());
  root.file('uptime', () => uptimeText(k));
  root.file('loadavg', () => loadavgText(k));
  root.file('stat', () => statText(k));
  root.file('version', () => versionText());
  root.file('filesystems', () => filesystemsText(opts));
  root.file('cmdline', () => (opts.cmdline ?? '') + '\n');
  root.file('devices', () => devicesText(opts));
  root.file('swaps', () => 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n');
  root.file('partitions', () => partitionsText());
  root.file('interrupts', () => '           CPU0       \n');
  root.file('modules', () => '');
  root.file('misc', () => '');
  root.file('diskstats', () => '');
  root.file('vmstat', () => `nr_free_pages ${k.mem.freeFrames}\n`);
  root.file('kmsg', () => k.dmesg.map((l) => '6,0,0,-;' + l.replace(/^\[[^\]]*\]\s?/, '') + '\n').join(''), 0o400);
  root.sym('mounts', 'self/mounts');
  root.sym('self', () => { const t = current(k); return t ? String(t.tgid) : -ENOENT; });
  root.sym('thread-self', () => { const t = current(k); return t ? `${t.tgid}/task/${t.tid}` : -ENOENT; });
  buildProcNet(root.dir('net'), k);
  root.dir('bus');
  root.dir('fs');
  root.dir('driver');
  root.dir('tty').file('drivers', () => '/dev/tty             /dev/tty        5       0 system:/dev/tty\n' +
    '/dev/console         /dev/console    5       1 system:console\n');
  buildSys(sb, root);

  root.dyn = {
    list: (): DirEntry[] => {
      const out: DirEntry[] = [];
      const pids = [...k.tasks.values()].filter((t) => t.tid === t.tgid && t.state !== TaskState.Dead).sort((a, b) => a.tid - b.tid);
      for (const t of pids) out.push(dirEntry(String(t.tid), procDir(t).dir));
      return out;
    },
    lookup: (name: string): Inode | number => {
      if (!/^[1-9][0-9]{0,9}$/.test(name)) return -ENOENT;
      const pid = Number(name);
      const t = findProcess(k, pid);
      if (t) return procDir(t).dir;
      // A thread id works too (hidden from the listing), as on Linux.
      const th = k.tasks.get(pid);
      if (th && th.state !== TaskState.Dead) {
        const leader = k.tasks.get(th.tgid);
        if (leader) return procDir(leader).dir.lookup('task') instanceof DirNode
          ? ((procDir(leader).dir.lookup('task') as DirNode).lookup(name)) : -ENOENT;
      }
      return -ENOENT;
    },
  };
  void cpuNs; void mountsText;
}
