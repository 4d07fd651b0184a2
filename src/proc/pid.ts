// /proc/PID and /proc/PID/task/TID: per-process views (stat, status, statm, maps,
// cmdline, environ, comm, exe/cwd/root, fd/, fdinfo/, mounts, mountinfo, limits …).
// Formats follow fs/proc/array.c, fs/proc/task_mmu.c and fs/proc_namespace.c.
import { ENOENT, ESRCH } from '../abi/linux/errno.js';
import { major, minor, makedev } from '../abi/linux/stat.js';
import { PROT_READ, PROT_WRITE, PROT_EXEC, MAP_SHARED, MAP_GROWSDOWN } from '../abi/linux/mman.js';
import {
  MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_SYNCHRONOUS, MS_DIRSYNC, MS_NOATIME, MS_NODIRATIME,
  MS_STRICTATIME, MS_NOSYMFOLLOW, MS_LAZYTIME, MS_MANDLOCK,
} from '../abi/linux/fs.js';
import * as M from '../abi/linux/misc.js';
import { Task, TaskState } from '../kernel/task.js';
import type { Kernel } from '../kernel/kernel.js';
import type { AddressSpace } from '../mm/aspace.js';
import { copyIn } from '../mm/usercopy.js';
import type { File } from '../fs/vfs/file.js';
import type { Inode, DirEntry } from '../fs/vfs/inode.js';
import { Mount, Path, pathName } from '../fs/vfs/mount.js';
import { pipeFsPath, isPipeFsPath } from '../fs/pipefs.js';
import { DirNode, GenFile, GenSb, LinkNode, dirEntry, hex64, mangle, u64 } from './nodes.js';
import type { Gen } from './nodes.js';

/** Clock ticks per second as user space sees them (AT_CLKTCK, sysconf(_SC_CLK_TCK)). */
export const USER_HZ = 100;
/** CPU time charged per guest instruction (the same figure the CPU-time clocks use). */
export const NS_PER_INSN = 10;
const PAGE_KB = 4;

export function isAlive(t: Task): boolean {
  return t.state !== TaskState.Dead && t.kernel.tasks.get(t.tid) === t;
}

/** Threads of t's thread group (live or zombie). */
export function threadsOf(t: Task): Task[] {
  const out: Task[] = [];
  for (const o of t.kernel.tasks.values()) if (o.tgid === t.tgid && o.state !== TaskState.Dead) out.push(o);
  return out;
}

/** The thread-group leader of pid (or any thread of the group if the leader is gone). */
export function findProcess(k: Kernel, pid: number): Task | null {
  const t = k.tasks.get(pid);
  if (t && t.tid === t.tgid && t.state !== TaskState.Dead) return t;
  return null;
}

export function stateChar(t: Task): string {
  switch (t.state) {
    case TaskState.Runnable: return 'R';
    case TaskState.Blocked: return 'S';
    case TaskState.Stopped: return 'T';
    case TaskState.Zombie: return 'Z';
    default: return 'X';
  }
}
const STATE_NAMES: Record<string, string> = {
  R: 'R (running)', S: 'S (sleeping)', D: 'D (disk sleep)', T: 'T (stopped)', t: 't (tracing stop)',
  Z: 'Z (zombie)', X: 'X (dead)', I: 'I (idle)',
};

/** User CPU time of one thread in ns (instructions retired × NS_PER_INSN). */
export function cpuNs(t: Task): number { return t.hart.instret * NS_PER_INSN; }
function ticks(ns: number): number { return Math.floor(ns / (1e9 / USER_HZ)); }

// ---------- memory figures ----------
export interface VmInfo {
  /** All in pages. */
  size: number; rss: number; anon: number; file: number; shmem: number;
  data: number; stack: number; exe: number; lib: number; ptePages: number;
}

export function vmInfo(mm: AddressSpace): VmInfo {
  const v: VmInfo = { size: 0, rss: 0, anon: 0, file: 0, shmem: 0, data: 0, stack: 0, exe: 0, lib: 0, ptePages: 0 };
  let execVm = 0;
  for (const a of mm.vmas) {
    const pages = (a.end - a.start) / 4096;
    v.size += pages;
    let present = 0;
    mm.pt.forRange(a.start / 4096, a.end / 4096, () => { present++; });
    v.rss += present;
    if (a.file) {
      v.file += present;
    } else if (a.flags & MAP_SHARED) v.shmem += present;
    else v.anon += present;
    if (a.flags & MAP_GROWSDOWN || a.name === '[stack]') v.stack += pages;
    else if ((a.prot & PROT_WRITE) && !(a.flags & MAP_SHARED)) v.data += pages;
    else if ((a.prot & PROT_EXEC) && !(a.prot & PROT_WRITE) && a.file) execVm += pages;
  }
  v.exe = mm.endCode > mm.startCode ? Math.ceil((mm.endCode - mm.startCode) / 4096) : 0;
  v.lib = Math.max(0, execVm - v.exe);
  v.ptePages = mm.pt.dirs.size;
  return v;
}

// ---------- /proc/PID/stat ----------
function ppidOf(t: Task): number {
  const leader = t.kernel.tasks.get(t.tgid) ?? t;
  const p = leader.parent ?? t.parent;
  return p ? p.tgid : 0;
}

/** Controlling terminal: tty_nr (new_encode_dev of its number) and the foreground group. */
function ttyOf(t: Task): { nr: number; pgrp: number } {
  const tty = t.ctty as { major?: number; minor?: number; pgrp?: number } | null;
  if (!tty || typeof tty.major !== 'number') return { nr: 0, pgrp: -1 };
  return { nr: makedev(tty.major, tty.minor ?? 0), pgrp: tty.pgrp && tty.pgrp > 0 ? tty.pgrp : -1 };
}

function sigMasks(t: Task): { ignLo: number; ignHi: number; cgtLo: number; cgtHi: number } {
  let ignLo = 0, ignHi = 0, cgtLo = 0, cgtHi = 0;
  for (let s = 1; s <= 64; s++) {
    const a = t.sighand.actions[s];
    if (!a) continue;
    const bit = s - 1;
    if (a.handler === 1) { if (bit < 32) ignLo |= 1 << bit; else ignHi |= 1 << (bit - 32); }
    else if (a.handler > 1) { if (bit < 32) cgtLo |= 1 << bit; else cgtHi |= 1 << (bit - 32); }
  }
  return { ignLo, ignHi, cgtLo, cgtHi };
}

/** The 52 fields of /proc/PID/stat (whole = the thread group, as /proc/PID/stat reports). */
export function statText(t: Task, whole: boolean): string {
  const mm = t.mm;
  const group = whole ? threadsOf(t) : [t];
  let userNs = 0;
  for (const o of group) userNs += cpuNs(o);
  const zombie = t.state === TaskState.Zombie;
  const vi = zombie ? null : vmInfo(mm);
  const tty = ttyOf(t);
  const sm = sigMasks(t);
  const rsslim = t.rlim.cur[M.RLIMIT_RSS];
  const f: (string | number)[] = [
    t.tid,                                    // 1 pid
    `(${t.comm})`,                            // 2 comm
    stateChar(t),                             // 3 state
    ppidOf(t),                                // 4 ppid
    t.pgid,                                   // 5 pgrp
    t.sid,                                    // 6 session
    tty.nr,                                   // 7 tty_nr
    tty.pgrp,                                 // 8 tpgid
    zombie ? 0x4 : 0,                         // 9 flags (PF_EXITING)
    0, 0, 0, 0,                               // 10-13 minflt cminflt majflt cmajflt
    ticks(userNs), 0,                         // 14-15 utime stime
    0, 0,                                     // 16-17 cutime cstime
    20, 0,                                    // 18-19 priority nice
    whole ? group.length : threadsOf(t).length, // 20 num_threads
    0,                                        // 21 itrealvalue
    ticks(t.startTime),                       // 22 starttime
    vi ? vi.size * 4096 : 0,                  // 23 vsize
    vi ? vi.rss : 0,                          // 24 rss
    u64(rsslim),                              // 25 rsslim
    zombie ? 0 : mm.startCode,                // 26 startcode
    zombie ? 0 : mm.endCode,                  // 27 endcode
    zombie ? 0 : mm.startStack,               // 28 startstack
    0, 0,                                     // 29-30 kstkesp kstkeip
    u64(t.pendLo >>> 0),                      // 31 signal (low word, obsolete)
    u64(t.maskLo >>> 0),                      // 32 blocked
    u64(sm.ignLo >>> 0),                      // 33 sigignore
    u64(sm.cgtLo >>> 0),                      // 34 sigcatch
    0, 0, 0,                                  // 35-37 wchan nswap cnswap
    t.tid === t.tgid ? 17 : -1,               // 38 exit_signal
    0, 0, 0,                                  // 39-41 processor rt_priority policy
    0, 0, 0,                                  // 42-44 delayacct_blkio_ticks guest_time cguest_time
    zombie ? 0 : mm.startData,                // 45 start_data
    zombie ? 0 : mm.brkStart,                 // 46 end_data
    zombie ? 0 : mm.brkStart,                 // 47 start_brk
    zombie ? 0 : mm.argStart,                 // 48 arg_start
    zombie ? 0 : mm.argEnd,                   // 49 arg_end
    zombie ? 0 : mm.envStart,                 // 50 env_start
    zombie ? 0 : mm.envEnd,                   // 51 env_end
    zombie ? t.exitStatus : 0,                // 52 exit_code
  ];
  return f.join(' ') + '\n';
}

// ---------- /proc/PID/status ----------
function kb(label: string, pages: number): string {
  return `${label}:\t${String(pages * PAGE_KB).padStart(8)} kB\n`;
}

function escapeName(s: string): string { return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n'); }

export function statusText(t: Task): string {
  const c = t.cred;
  const st = stateChar(t);
  const group = threadsOf(t);
  const fds = t.files.fds();
  const fdSize = Math.max(64, 2 ** Math.ceil(Math.log2((fds.length ? fds[fds.length - 1] : 0) + 1)));
  let s = `Name:\t${escapeName(t.comm)}\n`;
  s += `Umask:\t${t.fs.umask.toString(8).padStart(4, '0')}\n`;
  s += `State:\t${STATE_NAMES[st]}\n`;
  s += `Tgid:\t${t.tgid}\nNgid:\t0\nPid:\t${t.tid}\nPPid:\t${ppidOf(t)}\nTracerPid:\t0\n`;
  s += `Uid:\t${c.uid}\t${c.euid}\t${c.suid}\t${c.fsuid}\n`;
  s += `Gid:\t${c.gid}\t${c.egid}\t${c.sgid}\t${c.fsgid}\n`;
  s += `FDSize:\t${fdSize}\n`;
  s += `Groups:\t${c.groups.join(' ')} \n`;
  s += `NStgid:\t${t.tgid}\nNSpid:\t${t.tid}\nNSpgid:\t${t.pgid}\nNSsid:\t${t.sid}\n`;
  if (t.state !== TaskState.Zombie) {
    const v = vmInfo(t.mm);
    s += kb('VmPeak', v.size) + kb('VmSize', v.size) + kb('VmLck', 0) + kb('VmPin', 0);
    s += kb('VmHWM', v.rss) + kb('VmRSS', v.rss) + kb('RssAnon', v.anon) + kb('RssFile', v.file);
    s += kb('RssShmem', v.shmem) + kb('VmData', v.data) + kb('VmStk', v.stack) + kb('VmExe', v.exe);
    s += kb('VmLib', v.lib) + kb('VmPTE', v.ptePages) + kb('VmSwap', 0);
    s += `HugetlbPages:\t${'0'.padStart(8)} kB\n`;
    s += 'CoreDumping:\t0\nTHP_enabled:\t0\n';
  }
  const sm = sigMasks(t);
  const shdLo = 0, shdHi = 0; // no shared (process-wide) pending set yet
  s += `Threads:\t${group.length}\n`;
  s += `SigQ:\t0/${u64(t.rlim.cur[M.RLIMIT_SIGPENDING])}\n`;
  s += `SigPnd:\t${hex64(t.pendLo, t.pendHi)}\nShdPnd:\t${hex64(shdLo, shdHi)}\n`;
  s += `SigBlk:\t${hex64(t.maskLo, t.maskHi)}\nSigIgn:\t${hex64(sm.ignLo, sm.ignHi)}\nSigCgt:\t${hex64(sm.cgtLo, sm.cgtHi)}\n`;
  const caps = c.euid === 0 ? '000001ffffffffff' : '0000000000000000';
  s += `CapInh:\t0000000000000000\nCapPrm:\t${caps}\nCapEff:\t${caps}\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n`;
  s += 'NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n';
  s += 'Speculation_Store_Bypass:\tunknown\nSpeculationIndirectBranch:\tunknown\n';
  s += 'Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t1\nMems_allowed_list:\t0\n';
  s += 'voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n';
  return s;
}

/** size resident shared text lib data dt, in pages. */
export function statmText(t: Task): string {
  if (t.state === TaskState.Zombie) return '0 0 0 0 0 0 0\n';
  const v = vmInfo(t.mm);
  return `${v.size} ${v.rss} ${v.file + v.shmem} ${v.exe} 0 ${v.data + v.stack} 0\n`;
}

// ---------- /proc/PID/maps ----------
function hexw(v: number, w: number): string { return Math.floor(v).toString(16).padStart(w, '0'); }

export function mapsText(t: Task): string {
  if (t.state === TaskState.Zombie) return '';
  const mm = t.mm;
  let out = '';
  for (const v of mm.vmas) {
    const dev = v.file ? v.file.dev : 0;
    const ino = v.file ? v.file.ino : 0;
    let line = `${hexw(v.start, 8)}-${hexw(v.end, 8)} ` +
      ((v.prot & PROT_READ) ? 'r' : '-') + ((v.prot & PROT_WRITE) ? 'w' : '-') +
      ((v.prot & PROT_EXEC) ? 'x' : '-') + ((v.flags & MAP_SHARED) ? 's' : 'p') +
      ` ${hexw(v.file ? v.pgoff * 4096 : 0, 8)} ${hexw(major(dev), 2)}:${hexw(minor(dev), 2)} ${ino} `;
    let name = v.file ? v.file.name : v.name;
    if (!name && !v.file) {
      if (mm.brk > mm.brkStart && v.start <= mm.brkStart && v.end >= mm.brk) name = '[heap]';
      else if (v.start <= mm.startStack && mm.startStack < v.end) name = '[stack]';
    }
    if (name) line = line.padEnd(72, ' ') + ' ' + name.replace(/\n/g, '\\012');
    out += line + '\n';
  }
  return out;
}

// ---------- cmdline / environ ----------
function readRange(mm: AddressSpace, start: number, end: number): Uint8Array {
  const len = Math.max(0, Math.min(end - start, 1 << 20));
  if (len === 0 || mm.vmas.length === 0) return new Uint8Array(0);
  const buf = new Uint8Array(len);
  // Copy page by page so an unmapped hole ends the result rather than losing it all.
  let done = 0;
  while (done < len) {
    const n = Math.min(len - done, 4096 - ((start + done) & 4095));
    try { copyIn(mm, start + done, buf, done, n); } catch { break; }
    done += n;
  }
  return buf.subarray(0, done);
}

export function cmdlineBytes(t: Task): Uint8Array {
  if (t.state === TaskState.Zombie) return new Uint8Array(0);
  const mm = t.mm;
  const a = readRange(mm, mm.argStart, mm.argEnd);
  if (a.length === 0 || a[a.length - 1] === 0) return a;
  // argv was overwritten past its end (setproctitle): the string continues into environ.
  const more = readRange(mm, mm.argEnd, mm.envEnd);
  const z = more.indexOf(0);
  const tail = z >= 0 ? more.subarray(0, z) : more;
  const out = new Uint8Array(a.length + tail.length);
  out.set(a); out.set(tail, a.length);
  return out;
}

export function environBytes(t: Task): Uint8Array {
  if (t.state === TaskState.Zombie) return new Uint8Array(0);
  return readRange(t.mm, t.mm.envStart, t.mm.envEnd);
}

// ---------- fd names ----------
/** What readlink(/proc/PID/fd/N) shows for an open file. */
export function fileLinkName(f: File, root: Path): string {
  const custom = (f as unknown as { procName?: string | (() => string) }).procName;
  if (typeof custom === 'function') return custom.call(f);
  if (typeof custom === 'string') return custom;
  if (f.path && isPipeFsPath(f.path)) return f.path.d.name;
  if (f.path) {
    const d = f.path.d;
    let s = pathName(f.path, root);
    if (d.unlinked || (d.inode.nlink === 0 && !d.inode.isDir)) s += ' (deleted)';
    return s;
  }
  const pipe = (f as unknown as { pipe?: { ino?: number } }).pipe;
  if (pipe && typeof pipe.ino === 'number') return `pipe:[${pipe.ino}]`;
  // A device opened without a path (the console handed to init): name it by its tty.
  const tdev = (f as unknown as { dev?: { redirect?: boolean; tty?: { ttyName?: string } } }).dev;
  if (tdev?.redirect === true) return '/dev/console';
  const tty = tdev?.tty;
  if (tty && typeof tty.ttyName === 'string') return `/dev/${tty.ttyName}`;
  const sock = (f as unknown as { sock?: { ino?: number } }).sock;
  if (sock && typeof sock.ino === 'number') return `socket:[${sock.ino}]`;
  const ino = f.inode;
  if (ino) {
    const t = ino.sb.fsType;
    if (t === 'pipefs' || t === 'pipe') return `pipe:[${ino.ino}]`;
    if (t === 'sockfs' || t === 'socket') return `socket:[${ino.ino}]`;
    return `anon_inode:[${t}]`;
  }
  return `anon_inode:${f.anonName ?? '[unknown]'}`;
}

// ---------- mounts ----------
function mntOpts(m: Mount): string {
  const f = m.flags;
  let s = m.readonly ? 'ro' : 'rw';
  if (f & MS_SYNCHRONOUS) s += ',sync';
  if (f & MS_DIRSYNC) s += ',dirsync';
  if (f & MS_MANDLOCK) s += ',mand';
  if (f & MS_LAZYTIME) s += ',lazytime';
  if (f & MS_NOSUID) s += ',nosuid';
  if (f & MS_NODEV) s += ',nodev';
  if (f & MS_NOEXEC) s += ',noexec';
  if (f & MS_NOATIME) s += ',noatime';
  if (f & MS_NODIRATIME) s += ',nodiratime';
  if (!(f & (MS_NOATIME | MS_STRICTATIME))) s += ',relatime';
  if (f & MS_NOSYMFOLLOW) s += ',nosymfollow';
  return s;
}
function sbOpts(m: Mount): string {
  const o = m.sb.options();
  return o ? (o.startsWith(',') ? o : ',' + o) : '';
}

/** Mounts visible from t's root, in mount order, with their paths. */
function visibleMounts(t: Task): { m: Mount; at: string }[] {
  const root = t.fs.root;
  const out: { m: Mount; at: string }[] = [];
  for (const m of root.mnt.ns.ordered()) {
    if (m.detached) continue;
    const at = pathName({ mnt: m, d: m.root }, root);
    if (at.startsWith('(unreachable)')) continue;
    out.push({ m, at });
  }
  return out;
}

export function mountsText(t: Task): string {
  let s = '';
  for (const { m, at } of visibleMounts(t)) {
    s += `${mangle(m.source || 'none')} ${mangle(at)} ${mangle(m.fstype)} ${mntOpts(m)}${sbOpts(m)} 0 0\n`;
  }
  return s;
}

export function mountinfoText(t: Task): string {
  let s = '';
  for (const { m, at } of visibleMounts(t)) {
    const parent = m.parent && !m.parent.detached ? m.parent.id : m.id;
    const dev = m.sb.dev;
    const rootPath = '/' + m.root.relPath();
    s += `${m.id} ${parent} ${major(dev)}:${minor(dev)} ${mangle(rootPath)} ${mangle(at)} ${mntOpts(m)} - ` +
      `${mangle(m.fstype)} ${mangle(m.source || 'none')} ${m.sb.readonly ? 'ro' : 'rw'}${sbOpts(m)}\n`;
  }
  return s;
}

// ---------- limits ----------
const LIMITS: [string, string][] = [
  ['Max cpu time', 'seconds'], ['Max file size', 'bytes'], ['Max data size', 'bytes'],
  ['Max stack size', 'bytes'], ['Max core file size', 'bytes'], ['Max resident set', 'bytes'],
  ['Max processes', 'processes'], ['Max open files', 'files'], ['Max locked memory', 'bytes'],
  ['Max address space', 'bytes'], ['Max file locks', 'locks'], ['Max pending signals', 'signals'],
  ['Max msgqueue size', 'bytes'], ['Max nice priority', ''], ['Max realtime priority', ''],
  ['Max realtime timeout', 'us'],
];
export function limitsText(t: Task): string {
  const lim = (v: number) => (v < 0 ? 'unlimited' : String(v));
  let s = `${'Limit'.padEnd(25)} ${'Soft Limit'.padEnd(20)} ${'Hard Limit'.padEnd(20)} ${'Units'.padEnd(10)} \n`;
  for (let i = 0; i < LIMITS.length; i++) {
    const [name, unit] = LIMITS[i];
    s += `${name.padEnd(25)} ${lim(t.rlim.cur[i]).padEnd(20)} ${lim(t.rlim.max[i]).padEnd(20)} ${unit.padEnd(10)} \n`;
  }
  return s;
}

// ---------- the directory tree ----------
/** The /proc/PID (or /proc/PID/task/TID) directory of one task, built once and cached. */
export class TaskDir {
  readonly dir: DirNode;
  private readonly fdNodes = new Map<number, { file: File; node: FdLink }>();
  private readonly fdinfoNodes = new Map<number, { file: File; node: Inode }>();

  constructor(readonly sb: GenSb, readonly t: Task, readonly whole: boolean, readonly procDirs: (t: Task) => TaskDir) {
    const d = this.dir = new OwnedDir(sb, t, 0o555);
    if (whole) d.pidfdTask = t; // an open /proc/PID directory works as a pidfd
    const live = <T>(fn: () => T): (() => T | number) => () => (isAlive(t) ? fn() : -ESRCH);
    d.file('stat', live(() => statText(t, whole)));
    d.file('status', live(() => statusText(t)));
    d.file('statm', live(() => statmText(t)));
    d.file('cmdline', live(() => cmdlineBytes(t)));
    d.file('environ', live(() => environBytes(t)), 0o400);
    d.file('comm', live(() => t.comm + '\n'), 0o644, (buf) => {
      if (!isAlive(t)) return -ESRCH;
      let s = Buffer.from(buf).toString('latin1');
      const nl = s.indexOf('\n');
      if (nl >= 0) s = s.slice(0, nl);
      // comm is per thread; writing /proc/PID/comm renames the leader.
      t.comm = s.slice(0, 15);
      return buf.length;
    });
    d.file('maps', live(() => mapsText(t)));
    d.file('mounts', live(() => mountsText(t)));
    d.file('mountinfo', live(() => mountinfoText(t)));
    d.file('limits', live(() => limitsText(t)));
    d.file('wchan', live(() => '0'));
    d.file('cgroup', live(() => '0::/\n'));
    d.file('oom_score', live(() => `${Math.round((t.mm.rss * 1000) / Math.max(1, t.kernel.mem.nframes))}\n`));
    d.file('oom_score_adj', live(() => '0\n'), 0o644, (buf) => buf.length);
    d.file('loginuid', live(() => '4294967295'));
    d.file('personality', live(() => '00000000\n'), 0o400);
    d.add('exe', new OwnedLink(sb, t, () => {
      if (!isAlive(t) || t.state === TaskState.Zombie || !t.exePath) return -ENOENT;
      return t.exePath;
    }));
    d.add('cwd', new OwnedLink(sb, t, () => (isAlive(t) ? pathName(t.fs.cwd, t.fs.root) : -ENOENT)));
    d.add('root', new OwnedLink(sb, t, () => (isAlive(t) ? pathName(t.fs.root, t.fs.root) : -ENOENT)));
    const fd = d.add('fd', new OwnedDir(sb, t, 0o500));
    fd.dyn = {
      list: () => this.fdList(false),
      lookup: (name) => this.fdLookup(name, false),
    };
    const fdinfo = d.add('fdinfo', new OwnedDir(sb, t, 0o555));
    fdinfo.dyn = {
      list: () => this.fdList(true),
      lookup: (name) => this.fdLookup(name, true),
    };
    if (whole) {
      const task = d.add('task', new OwnedDir(sb, t, 0o555));
      task.dyn = {
        list: () => (isAlive(t) ? threadsOf(t).map((o) => dirEntry(String(o.tid), this.threadDir(o).dir)) : []),
        lookup: (name) => {
          if (!isAlive(t) || !/^[1-9][0-9]*$/.test(name)) return -ENOENT;
          const o = t.kernel.tasks.get(Number(name));
          if (!o || o.tgid !== t.tgid || o.state === TaskState.Dead) return -ENOENT;
          return this.threadDir(o).dir;
        },
      };
    }
  }

  private readonly threads = new WeakMap<Task, TaskDir>();
  private threadDir(o: Task): TaskDir {
    let td = this.threads.get(o);
    if (!td) { td = new TaskDir(this.sb, o, false, this.procDirs); this.threads.set(o, td); }
    return td;
  }

  private fdNode(fd: number, info: boolean): Inode | null {
    const f = this.t.files.get(fd);
    if (!f) return null;
    if (info) {
      const c = this.fdinfoNodes.get(fd);
      if (c && c.file === f) return c.node;
      const t = this.t;
      const node = new OwnedFile(this.sb, t, 0o444, () => {
        const g = t.files.get(fd);
        if (!isAlive(t) || g !== f) return -ENOENT;
        const mnt = f.path ? f.path.mnt.id : 0;
        return `pos:\t${f.pos}\nflags:\t${(f.flags | (t.files.getCloexec(fd) ? 0o2000000 : 0)).toString(8).padStart(7, '0')}\n` +
          `mnt_id:\t${mnt}\nino:\t${f.inode ? f.inode.ino : 0}\n`;
      });
      this.fdinfoNodes.set(fd, { file: f, node });
      return node;
    }
    const c = this.fdNodes.get(fd);
    if (c && c.file === f) return c.node;
    const node = new FdLink(this.sb, this.t, fd, f);
    this.fdNodes.set(fd, { file: f, node });
    return node;
  }
  private fdList(info: boolean): DirEntry[] {
    if (!isAlive(this.t)) return [];
    const out: DirEntry[] = [];
    for (const fd of this.t.files.fds()) {
      const n = this.fdNode(fd, info);
      if (n) out.push(dirEntry(String(fd), n));
    }
    return out;
  }
  private fdLookup(name: string, info: boolean): Inode | number {
    if (!isAlive(this.t) || !/^(0|[1-9][0-9]*)$/.test(name)) return -ENOENT;
    return this.fdNode(Number(name), info) ?? -ENOENT;
  }
}

/** Ownership of /proc/PID entries follows the task's effective ids (refreshed on stat). */
function own(i: Inode, t: Task): void { i.uid = t.cred.euid; i.gid = t.cred.egid; }

class OwnedDir extends DirNode {
  /** The process an open /proc/PID (not /proc/PID/task/TID) names for pidfd_send_signal. */
  pidfdTask: Task | null = null;
  constructor(sb: GenSb, readonly task: Task, mode: number) { super(sb, mode); own(this, task); }
  override refresh(): number { own(this, this.task); return 0; }
  override add<T extends Inode>(name: string, node: T): T { own(node, this.task); return super.add(name, node); }
}
class OwnedLink extends LinkNode {
  constructor(sb: GenSb, readonly task: Task, target: () => string | number) { super(sb, target); own(this, task); }
  override refresh(): number { own(this, this.task); return 0; }
}
class OwnedFile extends GenFile {
  constructor(sb: GenSb, readonly task: Task, mode: number, gen: Gen) { super(sb, mode, gen); own(this, task); }
  override refresh(): number { own(this, this.task); return 0; }
}

/**
 * /proc/PID/fd/N: readlink gives the file's name. It also carries the open file itself
 * (`procFile()`), so a VFS that supports magic links can reopen the very same file
 * (pipes, sockets, deleted files) instead of walking the name.
 */
export class FdLink extends LinkNode {
  constructor(sb: GenSb, readonly task: Task, readonly fd: number, readonly openFile: File) {
    super(sb, () => {
      if (!isAlive(task) || task.files.get(fd) !== openFile) return -ENOENT;
      return fileLinkName(openFile, task.fs.root);
    }, 0o700);
    this.mode = (this.mode & ~0o777) | ((openFile.readable ? 0o500 : 0) | (openFile.writable ? 0o200 : 0));
    own(this, task);
  }
  /**
   * The open file this link names (for an anonymous pipe, its pipefs node, which opens
   * as a FIFO on the same pipe), or null if the fd was closed or reused.
   */
  procFile(): { readonly path: Path | null } | null {
    if (!isAlive(this.task) || this.task.files.get(this.fd) !== this.openFile) return null;
    const f = this.openFile;
    const pipe = (f as unknown as { pipe?: { ino?: number } }).pipe;
    if (f.path === null && pipe && typeof pipe.ino === 'number') {
      return { path: pipeFsPath(pipe as { ino: number }, this.task.cred.euid, this.task.cred.egid) };
    }
    return f;
  }
  override refresh(): number { own(this, this.task); return 0; }
}

