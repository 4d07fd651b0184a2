// Process identity, exit, limits and system information syscalls: decode, check, call.
import type { Task } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL, EPERM, ESRCH } from '../abi/linux/errno.js';
import * as M from '../abi/linux/misc.js';
import { copyOut, copyIn, writeI64, writeU32, readI64 } from '../mm/usercopy.js';
import { exitTask, exitGroup, exitedStatus } from '../kernel/exit.js';
import { RLIM_INFINITY } from '../kernel/limits.js';
import { NORETURN } from './dispatch_consts.js';
import { schedSyscalls } from './sys_sched.js';

function sysExit(t: Task, code: number): number { exitTask(t, exitedStatus(code)); return NORETURN; }
function sysExitGroup(t: Task, code: number): number { exitGroup(t, exitedStatus(code)); return NORETURN; }
const getpid = (t: Task) => t.tgid;
const gettid = (t: Task) => t.tid;
/** The parent of the process (a thread's parent is its group leader's). */
function getppid(t: Task): number {
  const l = t.kernel.tasks.get(t.tgid) ?? t;
  return l.parent ? l.parent.tgid : 0;
}
const getuid = (t: Task) => t.cred.uid;
const geteuid = (t: Task) => t.cred.euid;
const getgid = (t: Task) => t.cred.gid;
const getegid = (t: Task) => t.cred.egid;

function getresuid(t: Task, r: number, e: number, s: number): number {
  writeU32(t.mm, r, t.cred.uid); writeU32(t.mm, e, t.cred.euid); writeU32(t.mm, s, t.cred.suid); return 0;
}
function getresgid(t: Task, r: number, e: number, s: number): number {
  writeU32(t.mm, r, t.cred.gid); writeU32(t.mm, e, t.cred.egid); writeU32(t.mm, s, t.cred.sgid); return 0;
}
function getgroups(t: Task, size: number, list: number): number {
  const g = t.cred.groups;
  if (size === 0) return g.length;
  if (size < g.length) return -EINVAL;
  for (let i = 0; i < g.length; i++) writeU32(t.mm, list + 4 * i, g[i]);
  return g.length;
}

function setTidAddress(t: Task, addr: number): number { t.clearChildTid = addr; return t.tid; }

/** struct new_utsname: six 65-byte fields. */
function uname(t: Task, buf: number): number {
  const k = t.kernel;
  const f = ['Linux', k.hostname, M.UTS_RELEASE, M.UTS_VERSION, M.UTS_MACHINE, k.domainname];
  const out = new Uint8Array(65 * 6);
  f.forEach((s, i) => out.set(Buffer.from(s.slice(0, 64), 'latin1'), i * 65));
  copyOut(t.mm, buf, out);
  return 0;
}

/** struct sysinfo (riscv64: longs are 8 bytes; 112 bytes in all). */
function sysinfo(t: Task, buf: number): number {
  const k = t.kernel;
  const b = Buffer.alloc(112);
  b.writeBigInt64LE(BigInt(Math.floor(k.now() / 1e9)), 0);
  for (let i = 0; i < 3; i++) b.writeBigUInt64LE(0n, 8 + 8 * i);
  b.writeBigUInt64LE(BigInt(k.mem.nframes), 32);      // totalram (in mem_unit)
  b.writeBigUInt64LE(BigInt(k.mem.freeFrames), 40);   // freeram
  b.writeBigUInt64LE(0n, 48); b.writeBigUInt64LE(0n, 56); // shared, buffer
  b.writeBigUInt64LE(0n, 64); b.writeBigUInt64LE(0n, 72); // totalswap, freeswap
  b.writeUInt16LE(Math.min(k.tasks.size, 65535), 80);  // procs
  b.writeBigUInt64LE(0n, 88); b.writeBigUInt64LE(0n, 96); // totalhigh, freehigh
  b.writeUInt32LE(4096, 104);                          // mem_unit
  copyOut(t.mm, buf, b);
  return 0;
}

function findTask(t: Task, pid: number): Task | null {
  if (pid === 0) return t;
  const o = t.kernel.tasks.get(pid);
  return o && o.tid === o.tgid ? o : null;
}

function prlimit64(t: Task, pid: number, res: number, newp: number, oldp: number): number {
  const o = findTask(t, pid);
  if (o === null) return -ESRCH;
  if (res < 0 || res >= M.RLIM_NLIMITS) return -EINVAL;
  let ncur = 0, nmax = 0;
  if (newp !== 0) {
    ncur = readI64(t.mm, newp); nmax = readI64(t.mm, newp + 8);
    const inf = (v: number) => v === -1;
    if (!inf(nmax) && (inf(ncur) || ncur > nmax)) return -EINVAL;
    const curMax = o.rlim.max[res];
    if (t.cred.euid !== 0 && curMax !== RLIM_INFINITY && (inf(nmax) || nmax > curMax)) return -EPERM;
  }
  if (oldp !== 0) { writeI64(t.mm, oldp, o.rlim.cur[res]); writeI64(t.mm, oldp + 8, o.rlim.max[res]); }
  if (newp !== 0) {
    o.rlim.set(res, ncur, nmax);
    if (res === M.RLIMIT_STACK) o.mm.stackLimit = ncur === -1 ? 1 << 30 : ncur;
  }
  return 0;
}
const getrlimit = (t: Task, res: number, p: number) => prlimit64(t, 0, res, 0, p);
const setrlimit = (t: Task, res: number, p: number) => prlimit64(t, 0, res, p, 0);

function getrandom(t: Task, buf: number, len: number, flags: number): number {
  if ((flags & ~(M.GRND_NONBLOCK | M.GRND_RANDOM | M.GRND_INSECURE)) !== 0) return -EINVAL;
  if ((flags & (M.GRND_RANDOM | M.GRND_INSECURE)) === (M.GRND_RANDOM | M.GRND_INSECURE)) return -EINVAL;
  len = Math.min(len, 33554431);
  const b = new Uint8Array(Math.min(len, 65536));
  let done = 0;
  while (done < len) {
    const n = Math.min(b.length, len - done);
    t.kernel.random(b.subarray(0, n));
    copyOut(t.mm, buf + done, b, 0, n);
    done += n;
  }
  return done;
}

/** sched_yield: let the other runnable tasks run first (the slice ends here). */
function schedYield(t: Task): number { t.yieldSlice = true; return 0; }

/** sched_getaffinity: one CPU. Returns the size of the kernel's cpumask (8 bytes). */
function schedGetaffinity(t: Task, pid: number, len: number, mask: number): number {
  if (findTask(t, pid) === null && pid !== 0) return -ESRCH;
  if (len < 8 || (len & 7) !== 0) return -EINVAL;
  writeI64(t.mm, mask, 1);
  return 8;
}

/** sethostname/setdomainname: at most 64 bytes, root only. */
function setName(which: 'hostname' | 'domainname') {
  return (t: Task, name: number, len: number): number => {
    if (t.cred.euid !== 0) return -EPERM;
    if (len < 0 || len > 64) return -EINVAL;
    const b = new Uint8Array(len);
    copyIn(t.mm, name, b, 0, len);
    t.kernel[which] = Buffer.from(b).toString('latin1');
    return 0;
  };
}

// prctl options (linux/prctl.h)
const PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4,
  PR_SET_NAME = 15, PR_GET_NAME = 16, PR_SET_CHILD_SUBREAPER = 36, PR_GET_CHILD_SUBREAPER = 37,
  PR_SET_NO_NEW_PRIVS = 38, PR_GET_NO_NEW_PRIVS = 39;

function prctl(t: Task, op: number, a2: number): number {
  switch (op) {
    case PR_SET_NAME: {
      const b = new Uint8Array(16);
      copyIn(t.mm, a2, b, 0, 16);
      const end = b.indexOf(0);
      t.comm = Buffer.from(b.subarray(0, end < 0 ? 15 : Math.min(end, 15))).toString('latin1');
      return 0;
    }
    case PR_GET_NAME: {
      const b = new Uint8Array(16);
      b.set(Buffer.from(t.comm.slice(0, 15), 'latin1'));
      copyOut(t.mm, a2, b);
      return 0;
    }
    case PR_SET_PDEATHSIG: if (a2 < 0 || a2 > 64) return -EINVAL; t.pdeathSig = a2; return 0;
    case PR_GET_PDEATHSIG: writeU32(t.mm, a2, t.pdeathSig); return 0;
    case PR_GET_DUMPABLE: return t.dumpable;
    case PR_SET_DUMPABLE: if (a2 !== 0 && a2 !== 1) return -EINVAL; t.dumpable = a2; return 0;
    case PR_SET_CHILD_SUBREAPER: t.subreaper = a2 !== 0; return 0;
    case PR_GET_CHILD_SUBREAPER: writeU32(t.mm, a2, t.subreaper ? 1 : 0); return 0;
    case PR_SET_NO_NEW_PRIVS: if (a2 !== 1) return -EINVAL; t.noNewPrivs = true; return 0;
    case PR_GET_NO_NEW_PRIVS: return t.noNewPrivs ? 1 : 0;
    default: return -EINVAL;
  }
}

// syslog(2) actions (linux/syslog.h semantics; busybox dmesg uses READ_ALL and SIZE_BUFFER).
const SYSLOG_CLOSE = 0, SYSLOG_OPEN = 1, SYSLOG_READ = 2, SYSLOG_READ_ALL = 3, SYSLOG_READ_CLEAR = 4,
  SYSLOG_CLEAR = 5, SYSLOG_CONSOLE_OFF = 6, SYSLOG_CONSOLE_ON = 7, SYSLOG_CONSOLE_LEVEL = 8,
  SYSLOG_SIZE_UNREAD = 9, SYSLOG_SIZE_BUFFER = 10;
const LOG_BUF_LEN = 1 << 17;

function syslog(t: Task, type: number, buf: number, len: number): number {
  const k = t.kernel;
  const text = () => Buffer.from(k.dmesg.map((l) => `<6>${l}\n`).join(''), 'latin1');
  switch (type) {
    case SYSLOG_CLOSE: case SYSLOG_OPEN: return 0;
    case SYSLOG_READ: case SYSLOG_READ_ALL: case SYSLOG_READ_CLEAR: {
      if (t.cred.euid !== 0 && type !== SYSLOG_READ_ALL) return -EPERM;
      if (buf === 0 || len < 0) return -EINVAL;
      if (len === 0) return 0;
      const b = text();
      const n = Math.min(len, b.length);
      // READ_ALL returns the newest len bytes.
      copyOut(t.mm, buf, b.subarray(b.length - n));
      if (type !== SYSLOG_READ_ALL) k.dmesg.length = 0;
      return n;
    }
    case SYSLOG_CLEAR: if (t.cred.euid !== 0) return -EPERM; k.dmesg.length = 0; return 0;
    case SYSLOG_CONSOLE_OFF: case SYSLOG_CONSOLE_ON: return t.cred.euid === 0 ? 0 : -EPERM;
    case SYSLOG_CONSOLE_LEVEL: if (len < 1 || len > 8) return -EINVAL; return t.cred.euid === 0 ? 0 : -EPERM;
    case SYSLOG_SIZE_UNREAD: return text().length;
    case SYSLOG_SIZE_BUFFER: return LOG_BUF_LEN;
    default: return -EINVAL;
  }
}

export const processSyscalls: SyscallDefs = {
  ...schedSyscalls,
  [NR.exit]: def('exit', 'd', sysExit),
  [NR.exit_group]: def('exit_group', 'd', sysExitGroup),
  [NR.getpid]: def('getpid', '', getpid),
  [NR.getppid]: def('getppid', '', getppid),
  [NR.gettid]: def('gettid', '', gettid),
  [NR.getuid]: def('getuid', '', getuid),
  [NR.geteuid]: def('geteuid', '', geteuid),
  [NR.getgid]: def('getgid', '', getgid),
  [NR.getegid]: def('getegid', '', getegid),
  [NR.getresuid]: def('getresuid', 'ppp', getresuid),
  [NR.getresgid]: def('getresgid', 'ppp', getresgid),
  [NR.getgroups]: def('getgroups', 'dp', getgroups),
  [NR.set_tid_address]: def('set_tid_address', 'p', setTidAddress),
  [NR.uname]: def('uname', 'p', uname),
  [NR.sethostname]: def('sethostname', 'pd', setName('hostname')),
  [NR.setdomainname]: def('setdomainname', 'pd', setName('domainname')),
  [NR.sysinfo]: def('sysinfo', 'p', sysinfo),
  [NR.prlimit64]: def('prlimit64', 'ddpp', prlimit64),
  [NR.getrlimit]: def('getrlimit', 'dp', getrlimit),
  [NR.setrlimit]: def('setrlimit', 'dp', setrlimit),
  [NR.getrandom]: def('getrandom', 'pux', getrandom),
  [NR.sched_yield]: def('sched_yield', '', schedYield),
  [NR.prctl]: def('prctl', 'dxxxx', prctl, 'partial', 'NAME, PDEATHSIG, DUMPABLE, CHILD_SUBREAPER (recorded), NO_NEW_PRIVS; others EINVAL'),
  [NR.syslog]: def('syslog', 'dpd', syslog, 'partial', 'the log is kernel messages only; console level is accepted and ignored'),
  [NR.sched_getaffinity]: def('sched_getaffinity', 'dup', schedGetaffinity),
};

