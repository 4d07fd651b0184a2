// Event files: eventfd2, signalfd4, pidfd_open and pidfd_send_signal.
import { Task, TaskState } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL, EBADF, ESRCH, EPERM } from '../abi/linux/errno.js';
import { O_CLOEXEC, O_NONBLOCK } from '../abi/linux/fcntl.js';
import { EFD_SEMAPHORE, PIDFD_THREAD, PIDFD_SIGNAL_THREAD, PIDFD_SIGNAL_THREAD_GROUP, PIDFD_SIGNAL_PROCESS_GROUP } from '../abi/linux/events.js';
import { readPair, readI32, readI64 } from '../mm/usercopy.js';
import { EventFdFile } from '../fs/eventfd.js';
import { SignalFdFile } from '../kernel/signalfd.js';
import { PidFdFile } from '../kernel/pidfd.js';
import { sendSignal, groupOf } from '../kernel/signal.js';
import { SigInfo, SI_USER, SI_TKILL } from '../kernel/siginfo.js';
import * as S from '../kernel/signal_state.js';
import type { File } from '../fs/vfs/file.js';

const KILLSTOP_LO = S.sigBit(S.SIGKILL) | S.sigBit(S.SIGSTOP);
const pair = new Int32Array(2);

function install(t: Task, f: File, cloexec: boolean): number {
  const fd = t.files.alloc(f, cloexec);
  if (fd < 0) { f.get(); f.put(); }
  return fd;
}

function sysEventfd2(t: Task, initval: number, flags: number): number {
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE)) !== 0) return -EINVAL;
  return install(t, new EventFdFile(initval, flags, (flags & EFD_SEMAPHORE) !== 0), (flags & O_CLOEXEC) !== 0);
}

function sysSignalfd4(t: Task, fd: number, maskva: number, size: number, flags: number): number {
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK)) !== 0) return -EINVAL;
  if (size !== 8) return -EINVAL;
  readPair(t.mm, maskva, pair);
  const lo = pair[0] & ~KILLSTOP_LO, hi = pair[1];
  fd |= 0;
  if (fd === -1) return install(t, new SignalFdFile(t, flags, lo, hi), (flags & O_CLOEXEC) !== 0);
  const f = t.files.get(fd);
  if (!f) return -EBADF;
  if (!(f instanceof SignalFdFile)) return -EINVAL;
  f.maskLo = lo; f.maskHi = hi;
  t.sighand.signalfdWait.wakeAll();
  return fd;
}

function sysPidfdOpen(t: Task, pid: number, flags: number): number {
  if ((flags & ~(O_NONBLOCK | PIDFD_THREAD)) !== 0) return -EINVAL;
  pid |= 0;
  if (pid <= 0) return -EINVAL;
  const o = t.kernel.tasks.get(pid);
  if (!o || o.state === TaskState.Dead) return -ESRCH;
  // Without PIDFD_THREAD the pid must name a process (a thread-group leader).
  if ((flags & PIDFD_THREAD) === 0 && o.tid !== o.tgid) return -EINVAL;
  return install(t, new PidFdFile(flags & O_NONBLOCK, o, (flags & PIDFD_THREAD) !== 0), true);
}

/** kill(2)'s permission rule. */
function mayKill(t: Task, o: Task, sig: number): boolean {
  const c = t.cred, oc = o.cred;
  if (c.euid === 0) return true;
  if (c.euid === oc.uid || c.euid === oc.suid || c.uid === oc.uid || c.uid === oc.suid) return true;
  return sig === S.SIGCONT && t.sid === o.sid;
}

/** The task a pidfd (or an open /proc/PID directory) names, or null. */
function pidfdTarget(f: unknown): { task: Task; thread: boolean; exited: boolean } | null {
  if (f instanceof PidFdFile) return { task: f.target, thread: f.thread, exited: f.exited };
  const ino = (f as { inode?: { pidfdTask?: Task | null } } | null)?.inode;
  const task = ino?.pidfdTask;
  if (!task) return null;
  const dead = task.state === TaskState.Dead || task.kernel.tasks.get(task.tid) !== task || groupOf(task).length === 0;
  return { task, thread: false, exited: dead };
}

function sysPidfdSendSignal(t: Task, pidfd: number, sig: number, infova: number, flags: number): number {
  const scopes = PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP;
  flags >>>= 0;
  if (flags & ~scopes) return -EINVAL;
  if (flags !== 0 && (flags & (flags - 1)) !== 0) return -EINVAL; // one scope at most
  const f = t.files.get(pidfd | 0);
  if (!f) return -EBADF;
  const p = pidfdTarget(f);
  if (p === null) return -EBADF;
  const o = p.task;
  // The scope: the flag, else the pidfd's kind (a PIDFD_THREAD pidfd names one thread).
  const scope = flags !== 0 ? flags : p.thread ? PIDFD_SIGNAL_THREAD : PIDFD_SIGNAL_THREAD_GROUP;
  let info: SigInfo;
  if (infova !== 0) {
    const signo = readI32(t.mm, infova), code = readI32(t.mm, infova + 8);
    if (signo !== sig) return -EINVAL;
    // Arbitrary siginfo only to oneself, and only process-wide.
    if ((o.tid !== t.tid || scope === PIDFD_SIGNAL_PROCESS_GROUP) && (code >= 0 || code === SI_TKILL)) return -EPERM;
    info = SigInfo.of(sig, code, readI32(t.mm, infova + 16), readI32(t.mm, infova + 20) >>> 0);
    info.value = readI64(t.mm, infova + 24);
  } else info = SigInfo.of(sig, scope === PIDFD_SIGNAL_THREAD ? SI_TKILL : SI_USER, t.tgid, t.cred.uid);
  if (sig < 0 || sig > S.NSIG) return -EINVAL;
  if (scope === PIDFD_SIGNAL_PROCESS_GROUP) {
    // kill_pgrp_info: the process group whose id is the pidfd's pid.
    const pg = o.tgid;
    let sent = 0, perm = 0;
    for (const q of t.kernel.tasks.values()) {
      if (q.tid !== q.tgid || q.pgid !== pg || q.state === TaskState.Zombie || q.state === TaskState.Dead) continue;
      if (!mayKill(t, q, sig)) { perm++; continue; }
      sent++;
      if (sig !== 0) sendSignal(q, sig, info);
    }
    return sent > 0 ? 0 : perm > 0 ? -EPERM : -ESRCH;
  }
  if (p.exited) return -ESRCH;
  if (scope === PIDFD_SIGNAL_THREAD) {
    if (o.state === TaskState.Zombie || o.state === TaskState.Dead) return -ESRCH;
    if (!mayKill(t, o, sig)) return -EPERM;
    if (sig !== 0) sendSignal(o, sig, info, true);
    return 0;
  }
  const target = o.state === TaskState.Zombie ? (groupOf(o)[0] ?? o) : o;
  if (!mayKill(t, target, sig)) return -EPERM;
  if (sig !== 0) sendSignal(target, sig, info);
  return 0;
}

export const eventfdSyscalls: SyscallDefs = {
  [NR.eventfd2]: def('eventfd2', 'ux', sysEventfd2),
  [NR.signalfd4]: def('signalfd4', 'fpux', sysSignalfd4, 'supported', 'reads the calling thread\'s own and its process\'s pending signals'),
  [NR.pidfd_open]: def('pidfd_open', 'dx', sysPidfdOpen, 'supported', 'PIDFD_NONBLOCK, PIDFD_THREAD; poll readiness on exit; waitid(P_PIDFD)'),
  [NR.pidfd_send_signal]: def('pidfd_send_signal', 'fdpx', sysPidfdSendSignal, 'supported', 'pidfds and open /proc/PID directories; PIDFD_SIGNAL_THREAD, _THREAD_GROUP, _PROCESS_GROUP'),
};
