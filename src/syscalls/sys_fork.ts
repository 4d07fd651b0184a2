// Process lifecycle syscalls: clone/clone3, execve, wait4/waitid, process groups and
// sessions, reboot. They decode and check arguments; kernel/ does the work.
import { accountReaped, childRusage } from './sys_rusage.js';
import type { Task } from '../kernel/task.js';
import { TaskState } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL, EPERM, ESRCH, ECHILD, EFAULT, E2BIG, EACCES, EBADF, EAGAIN, ENOENT, ENOTDIR, EEXIST, EMFILE } from '../abi/linux/errno.js';
import { readI32, readI64, readU32, readCBytes, readCString, writeU32, copyOut, zeroOut } from '../mm/usercopy.js';
import { BLOCK } from '../lib/waitqueue.js';
import { NORETURN } from './dispatch_consts.js';
import * as C from '../kernel/fork.js';
import { doExecve, ExecAt } from '../kernel/execve.js';
import { openExec, openExecPath } from '../fs/index.js';
import { groupAlive } from '../kernel/exit.js';
import { SigInfo, encodeSiginfo, CLD_EXITED, CLD_KILLED, CLD_DUMPED, CLD_STOPPED, CLD_CONTINUED } from '../kernel/siginfo.js';
import { SIGCHLD } from '../kernel/signal_state.js';
import { PidFdFile } from '../kernel/pidfd.js';
import { O_NONBLOCK } from '../abi/linux/fcntl.js';

const CSIGNAL = 0xff;

function clone(t: Task, flags: number, stack: number, ptid: number, tls: number, ctid: number): number {
  const f = flags >>> 0 & ~CSIGNAL;
  // Legacy clone returns the pidfd through parent_tid, so the two cannot be combined.
  if ((f & C.CLONE_PIDFD) && (f & C.CLONE_PARENT_SETTID)) return -EINVAL;
  return doClone(t, { flags: f, stack, parentTid: ptid, childTid: ctid, tls, exitSignal: flags & CSIGNAL }, ptid, false);
}

const CLONE_CLEAR_SIGHAND = 2 ** 32, CLONE_INTO_CGROUP = 2 ** 33;
const MAX_PID_NS_LEVEL = 32, PID_MAX = 4194304;

/** clone3(struct clone_args *, size). */
function clone3(t: Task, uargs: number, size: number): number {
  if (size < 64 || size > 4096) return -EINVAL;
  const flags = readI64(t.mm, uargs);
  const a: C.CloneArgs = {
    flags: flags % 2 ** 32, childTid: readI64(t.mm, uargs + 16), parentTid: readI64(t.mm, uargs + 24),
    exitSignal: readI64(t.mm, uargs + 32), stack: 0, tls: readI64(t.mm, uargs + 56),
  };
  const setTidPtr = size >= 80 ? readI64(t.mm, uargs + 64) : 0, setTidSize = size >= 80 ? readI64(t.mm, uargs + 72) : 0;
  const cgroup = size >= 88 ? readI64(t.mm, uargs + 80) : 0;
  // The high flag bits are past 32-bit JS bitwise reach: test them arithmetically.
  const intoCgroup = Math.floor(flags / CLONE_INTO_CGROUP) % 2 === 1;
  const clearSighand = Math.floor(flags / CLONE_CLEAR_SIGHAND) % 2 === 1;
  if (setTidSize > MAX_PID_NS_LEVEL || setTidSize < 0) return -EINVAL;
  if ((setTidPtr === 0) !== (setTidSize === 0)) return -EINVAL;
  if (a.exitSignal > 64 || a.exitSignal < 0) return -EINVAL;
  if (intoCgroup && (cgroup > 0x7fffffff || size < 88)) return -EINVAL;
  const tids: number[] = [];
  for (let i = 0; i < setTidSize; i++) tids.push(readI32(t.mm, setTidPtr + 4 * i));
  if (flags >= 2 ** 34 || flags < 0) return -EINVAL;
  if (clearSighand && (a.flags & C.CLONE_SIGHAND)) return -EINVAL;
  if ((a.flags & (C.CLONE_THREAD | C.CLONE_PARENT)) && a.exitSignal !== 0) return -EINVAL;
  if (a.flags & C.CLONE_DETACHED) return -EINVAL;
  const stack = readI64(t.mm, uargs + 40), ssize = readI64(t.mm, uargs + 48);
  if ((stack === 0) !== (ssize === 0)) return -EINVAL;
  a.stack = stack === 0 ? 0 : stack + ssize;
  const pidfd = readI64(t.mm, uargs + 8);
  if ((a.flags & C.CLONE_PIDFD) && (a.flags & C.CLONE_PARENT_SETTID) && pidfd === a.parentTid) return -EINVAL;
  // set_tid: one pid namespace level; root only (CAP_SYS_ADMIN / CAP_CHECKPOINT_RESTORE); a free pid.
  if (tids.length > 1) return -EINVAL;
  if (tids.length === 1) {
    const want = tids[0];
    if (want < 1 || want >= PID_MAX) return -EINVAL;
    if (t.cred.euid !== 0) return -EPERM;
    if (t.kernel.tasks.has(want)) return -EEXIST;
    a.setTid = want;
  }
  // No cgroup2 hierarchy exists, so no fd names a cgroup directory.
  if (intoCgroup) return -EBADF;
  return doClone(t, a, pidfd, clearSighand);
}

function doClone(t: Task, a: C.CloneArgs, pidfdPtr: number, clearSighand: boolean): number {
  // A vfork parent re-executes this syscall when woken: finish with the child's pid.
  if (t.vforkChild !== null) {
    const c = t.vforkChild;
    if (c.vforkDone !== null) { t.blockOn(c.vforkDone); return BLOCK; }
    t.vforkChild = null;
    return c.tid;
  }
  const f = a.flags;
  if ((f & C.CLONE_THREAD) && !(f & C.CLONE_SIGHAND)) return -EINVAL;
  if ((f & C.CLONE_SIGHAND) && !(f & C.CLONE_VM)) return -EINVAL;
  if ((f & (C.CLONE_NEWNS | C.CLONE_NEWUSER | C.CLONE_NEWPID | C.CLONE_NEWNET | C.CLONE_NEWUTS | C.CLONE_NEWIPC | C.CLONE_NEWCGROUP)) !== 0) return -EINVAL;
  if ((f & C.CLONE_PARENT) && t.tgid === 1) return -EINVAL;
  if (f & C.CLONE_PIDFD) {
    if (f & C.CLONE_DETACHED) return -EINVAL;
    if (t.files.fds().length >= t.files.limit) return -EMFILE;
    writeU32(t.mm, pidfdPtr, readU32(t.mm, pidfdPtr)); // EFAULT before any child exists
  }
  const c = C.copyProcess(t, a);
  if (clearSighand) {
    // CLONE_CLEAR_SIGHAND: handled signals go back to SIG_DFL; ignored ones stay ignored.
    const acts = c.sighand.actions;
    for (let s = 1; s < acts.length; s++) if (acts[s].handler !== 0 && acts[s].handler !== 1) c.sighand.reset(s);
  }
  if (f & C.CLONE_PIDFD) {
    // The pidfd (close-on-exec, a thread pidfd for CLONE_THREAD) goes into the parent's table.
    const fd = t.files.alloc(new PidFdFile(0, c, (f & C.CLONE_THREAD) !== 0), true);
    writeU32(t.mm, pidfdPtr, fd);
  }
  if (f & C.CLONE_VFORK) return BLOCK;
  return c.tid;
}

const MAX_ARGS = 0x7fffffff;

/** Read a NULL-terminated array of C strings. */
function readStrv(t: Task, p: number): Uint8Array[] | number {
  const out: Uint8Array[] = [];
  if (p === 0) return out;
  let total = 0;
  for (let i = 0; i < MAX_ARGS; i++) {
    const sp = readI64(t.mm, p + 8 * i);
    if (sp === 0) break;
    const s = readCBytes(t.mm, sp, 131072);
    if (s === null) return -E2BIG;
    total += s.length + 1;
    if (total > 2 * 1024 * 1024) return -E2BIG;
    out.push(s);
  }
  return out;
}

function execve(t: Task, path: number, argv: number, envp: number): number {
  const p = readCString(t.mm, path, 4096);
  if (p === null) return -EFAULT;
  const av = readStrv(t, argv);
  if (typeof av === 'number') return av;
  const ev = readStrv(t, envp);
  if (typeof ev === 'number') return ev;
  if (p.length === 0) return -2; // ENOENT
  const r = doExecve(t, p, av, ev);
  return r < 0 ? r : NORETURN;
}

const AT_EMPTY_PATH = 0x1000, AT_SYMLINK_NOFOLLOW = 0x100, AT_FDCWD = -100;

/** execveat(2): a path relative to dirfd, or the file dirfd names (AT_EMPTY_PATH, fexecve). */
function execveat(t: Task, dirfd: number, path: number, argv: number, envp: number, flags: number): number {
  dirfd |= 0; flags >>>= 0;
  if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) return -EINVAL;
  const p = readCString(t.mm, path, 4096);
  if (p === null) return -EFAULT;
  const av = readStrv(t, argv);
  if (typeof av === 'number') return av;
  const ev = readStrv(t, envp);
  if (typeof ev === 'number') return ev;
  const follow = (flags & AT_SYMLINK_NOFOLLOW) === 0;
  if (p.length === 0 && !(flags & AT_EMPTY_PATH)) return -ENOENT;
  if (p.length === 0 && dirfd === AT_FDCWD) return -EACCES; // the cwd: a directory
  if (dirfd === AT_FDCWD || p.startsWith('/')) {
    if (follow) { const r = doExecve(t, p, av, ev); return r < 0 ? r : NORETURN; }
    const r = doExecve(t, p, av, ev, { open: () => openExec(t.fs, t.cred, p, t.fs.cwd, false), execfn: p, fdCloexec: false });
    return r < 0 ? r : NORETURN;
  }
  const f = t.files.get(dirfd);
  if (!f || f.path === null) return -EBADF;
  const at: ExecAt = p.length === 0
    ? { open: () => openExecPath(t.fs, t.cred, f.path!), execfn: `/dev/fd/${dirfd}`, fdCloexec: t.files.getCloexec(dirfd) }
    : { open: () => (f.inode?.isDir ? openExec(t.fs, t.cred, p, f.path!, follow) : -ENOTDIR), execfn: `/dev/fd/${dirfd}/${p}`, fdCloexec: t.files.getCloexec(dirfd) };
  const r = doExecve(t, p, av, ev, at);
  return r < 0 ? r : NORETURN;
}

// wait4/waitid options
const WNOHANG = 1, WUNTRACED = 2, WSTOPPED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x01000000,
  __WNOTHREAD = 0x20000000, __WALL = 0x40000000, __WCLONE = 0x80000000;
const P_ALL = 0, P_PID = 1, P_PGID = 2, P_PIDFD = 3;

interface WaitResult { child: Task; status: number; code: number; sigstatus: number; reap: boolean; }

/** Which children a wait selects (no closure per call): all, a pid, a process group, one task (pidfd). */
const SEL_ALL = 0, SEL_PID = 1, SEL_PGID = 2, SEL_TASK = 3;

function selects(c: Task, sel: number, id: number, target: Task | null): boolean {
  switch (sel) {
    case SEL_ALL: return true;
    case SEL_PID: return c.tgid === id;
    case SEL_PGID: return c.pgid === id;
    default: return c === target;
  }
}

/** Find a child selected by (sel, id, target) with a reportable state; null if none yet; -ECHILD if no candidates. */
function findWaitable(t: Task, sel: number, id: number, target: Task | null, opts: number, exited: boolean): WaitResult | null | number {
  let any = false;
  // Children of every thread in the group count (threads share children in Linux).
  for (const o of t.kernel.tasks.values()) {
    if (o.tgid !== t.tgid) continue;
    for (const c of o.children) {
      if (c.tid !== c.tgid) continue; // threads are not waited for here
      if (!selects(c, sel, id, target)) continue;
      const isClone = c.exitSignal !== SIGCHLD;
      if (!(opts & __WALL) && (isClone !== ((opts & __WCLONE) !== 0))) continue;
      any = true;
      // A zombie leader is reported only once its other threads are gone.
      if (c.state === TaskState.Zombie && exited && !groupAlive(c)) {
        const st = c.exitStatus, sig = st & 0x7f;
        return { child: c, status: st, code: sig === 0 ? CLD_EXITED : (st & 0x80 ? CLD_DUMPED : CLD_KILLED),
          sigstatus: sig === 0 ? (st >> 8) & 0xff : sig, reap: true };
      }
      if (c.reportStop && (opts & WUNTRACED) && c.state !== TaskState.Zombie) {
        return { child: c, status: 0x7f | (c.stopSig << 8), code: CLD_STOPPED, sigstatus: c.stopSig, reap: false };
      }
      if (c.reportCont && (opts & WCONTINUED) && c.state !== TaskState.Zombie) {
        return { child: c, status: 0xffff, code: CLD_CONTINUED, sigstatus: 18, reap: false };
      }
    }
  }
  return any ? null : -ECHILD;
}

function consume(t: Task, r: WaitResult, nowait: boolean): void {
  if (nowait) return;
  if (r.reap) { accountReaped(t, r.child); t.kernel.reap(r.child); }
  else if (r.code === CLD_STOPPED) r.child.reportStop = false;
  else r.child.reportCont = false;
}

function writeRusage(t: Task, p: number, c: Task | null): void {
  if (p === 0) return;
  if (c) copyOut(t.mm, p, childRusage(c));
  else zeroOut(t.mm, p, 144);
}

function wait4(t: Task, pid: number, status: number, options: number, rusage: number): number {
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE)) return -EINVAL;
  pid |= 0;
  const sel = pid === -1 ? SEL_ALL : pid > 0 ? SEL_PID : SEL_PGID;
  const r = findWaitable(t, sel, pid > 0 ? pid : pid === 0 ? t.pgid : -pid, null, options, true);
  if (typeof r === 'number') return r;
  if (r === null) {
    if (options & WNOHANG) return 0;
    t.blockOn(t.childWait);
    return BLOCK;
  }
  if (status !== 0) writeU32(t.mm, status, r.status);
  writeRusage(t, rusage, r.child);
  const tid = r.child.tgid;
  consume(t, r, false);
  return tid;
}

function waitid(t: Task, idtype: number, id: number, infop: number, options: number, rusage: number): number {
  if (options & ~(WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | __WNOTHREAD | __WALL | __WCLONE)) return -EINVAL;
  if (!(options & (WEXITED | WSTOPPED | WCONTINUED))) return -EINVAL;
  let sel: number, sid = 0, target: Task | null = null;
  let nonblockFd = false;
  if (idtype === P_ALL) sel = SEL_ALL;
  else if (idtype === P_PID) { if (id <= 0) return -EINVAL; sel = SEL_PID; sid = id; }
  else if (idtype === P_PGID) { if (id < 0) return -EINVAL; sel = SEL_PGID; sid = id === 0 ? t.pgid : id; }
  else if (idtype === P_PIDFD) {
    if ((id | 0) < 0) return -EINVAL;
    const f = t.files.get(id | 0);
    if (!(f instanceof PidFdFile)) return -EBADF;
    sel = SEL_TASK; target = f.target;
    nonblockFd = (f.flags & O_NONBLOCK) !== 0;
  } else return -EINVAL;
  const opts = (options & WSTOPPED ? WUNTRACED : 0) | (options & (WCONTINUED | __WALL | __WCLONE));
  const r = findWaitable(t, sel, sid, target, opts, (options & WEXITED) !== 0);
  if (typeof r === 'number') return r;
  if (r === null) {
    if (options & WNOHANG) { if (infop !== 0) zeroOut(t.mm, infop, 128); return 0; }
    if (nonblockFd) return -EAGAIN; // a PIDFD_NONBLOCK pidfd never waits
    t.blockOn(t.childWait);
    return BLOCK;
  }
  if (infop !== 0) {
    const info = SigInfo.of(SIGCHLD, r.code, r.child.tgid, r.child.cred.uid);
    info.status = r.sigstatus;
    copyOut(t.mm, infop, encodeSiginfo(info));
  }
  writeRusage(t, rusage, r.child);
  consume(t, r, (options & WNOWAIT) !== 0);
  return 0;
}

function leaders(t: Task): Task[] {
  return [...t.kernel.tasks.values()].filter((o) => o.tid === o.tgid && o.state !== TaskState.Dead);
}

function setpgid(t: Task, pid: number, pgid: number): number {
  pid |= 0; pgid |= 0;
  if (pgid < 0) return -EINVAL;
  const target = pid === 0 ? t : t.kernel.tasks.get(pid);
  if (!target || target.tid !== target.tgid) return -ESRCH;
  const isChild = target.parent && target.parent.tgid === t.tgid;
  if (target.tgid !== t.tgid && !isChild) return -ESRCH;
  if (isChild && target.execed) return -EACCES;
  if (target.sid === target.tgid) return -EPERM;           // session leader
  if (target.sid !== t.sid) return -EPERM;
  const g = pgid === 0 ? target.tgid : pgid;
  if (g !== target.tgid && !leaders(t).some((o) => o.pgid === g && o.sid === t.sid)) return -EPERM;
  for (const o of t.kernel.tasks.values()) if (o.tgid === target.tgid) o.pgid = g;
  return 0;
}

function getpgid(t: Task, pid: number): number {
  const o = pid === 0 ? t : t.kernel.tasks.get(pid);
  return o && o.state !== TaskState.Dead ? o.pgid : -ESRCH;
}

function getsid(t: Task, pid: number): number {
  const o = pid === 0 ? t : t.kernel.tasks.get(pid);
  return o && o.state !== TaskState.Dead ? o.sid : -ESRCH;
}

function setsid(t: Task): number {
  if (leaders(t).some((o) => o.pgid === t.tgid)) return -EPERM;
  for (const o of t.kernel.tasks.values()) if (o.tgid === t.tgid) { o.sid = t.tgid; o.pgid = t.tgid; o.ctty = null; }
  return t.tgid;
}

const REBOOT_MAGIC1 = 0xfee1dead;
const REBOOT_MAGIC2 = [672274793, 85072278, 369367448, 537993216];
const CMD_RESTART = 0x01234567, CMD_HALT = 0xcdef0123, CMD_POWER_OFF = 0x4321fedc, CMD_CAD_ON = 0x89abcdef,
  CMD_CAD_OFF = 0, CMD_RESTART2 = 0xa1b2c3d4;

function reboot(t: Task, m1: number, m2: number, cmd: number): number {
  if ((m1 >>> 0) !== REBOOT_MAGIC1 || !REBOOT_MAGIC2.includes(m2 >>> 0)) return -EINVAL;
  if (t.cred.euid !== 0) return -EPERM;
  const k = t.kernel;
  switch (cmd >>> 0) {
    case CMD_CAD_ON: k.cadEnabled = true; return 0;
    case CMD_CAD_OFF: k.cadEnabled = false; return 0;
    case CMD_HALT: k.log('reboot: System halted', false); k.haltStatus = 0; return NORETURN;
    case CMD_POWER_OFF: k.log('reboot: Power down', false); k.haltStatus = 0; return NORETURN;
    case CMD_RESTART: case CMD_RESTART2: k.log('reboot: Restarting system', false); k.rebootRequested = true; k.haltStatus = 0; return NORETURN;
    default: return -EINVAL;
  }
}

export const forkSyscalls: SyscallDefs = {
  [NR.clone]: def('clone', 'xppxp', clone, 'partial', 'processes and threads (CLONE_VM/FS/FILES/SIGHAND/THREAD/SYSVSEM/SETTLS/VFORK/*TID, CLONE_PIDFD); namespaces are EINVAL'),
  [NR.clone3]: def('clone3', 'pu', clone3, 'partial', 'as clone, with CLONE_PIDFD, set_tid and CLONE_CLEAR_SIGHAND; CLONE_INTO_CGROUP: EBADF (there is no cgroup2 hierarchy); namespaces are EINVAL'),
  [NR.execve]: def('execve', 'spp', execve),
  [NR.execveat]: def('execveat', 'fsppx', execveat, 'supported', 'dirfd-relative paths, AT_EMPTY_PATH (fexecve, also on O_PATH fds), AT_SYMLINK_NOFOLLOW; scripts through a close-on-exec fd: ENOENT'),
  [NR.wait4]: def('wait4', 'dpxp', wait4),
  [NR.waitid]: def('waitid', 'ddpxp', waitid),
  [NR.setpgid]: def('setpgid', 'dd', setpgid),
  [NR.getpgid]: def('getpgid', 'd', getpgid),
  [NR.getsid]: def('getsid', 'd', getsid),
  [NR.setsid]: def('setsid', '', setsid),
  [NR.reboot]: def('reboot', 'xxxp', reboot),
};
