// Event files: eventfd2, signalfd4, pidfd_open and pidfd_send_signal.
import { Task, TaskState } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL, EBADF, ESRCH, EPERM } from '../abi/linux/errno.js';
import { O_CLOEXEC, O_NONBLOCK } from '../abi/linux/fcntl.js';
import { EFD_SEMAPHORE, PIDFD_THREAD } from '../abi/linux/events.js';
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
  return install(t, new PidFdFile(flags & O_NONBLOCK, o), true);
}

/** kill(2)'s permission rule. */
function mayKill(t: Task, o: Task, sig: number): boolean {
  const c = t.cred, oc = o.cred;
  if (c.euid === 0) return true;
  if (c.euid === oc.uid || c.euid === oc.suid || c.uid === oc.uid || c.uid === oc.suid) return true;
  return sig === S.SIGCONT && t.sid === o.sid;
}

function sysPidfdSendSignal(t: Task, pidfd: number, sig: number, infova: number, flags: number): number {
  if (flags !== 0) return -EINVAL;
  const f = t.files.get(pidfd | 0);
  if (!f || !(f instanceof PidFdFile)) return -EBADF;
  if (sig < 0 || sig > S.NSIG) return -EINVAL;
  const o = f.target;
  if (f.exited) return -ESRCH;
  let info: SigInfo;
  if (infova !== 0) {
    const signo = readI32(t.mm, infova), code = readI32(t.mm, infova + 8);
    if (signo !== sig) return -EINVAL;
    if (o.tgid !== t.tgid && (code >= 0 || code === SI_TKILL)) return -EPERM;
    info = SigInfo.of(sig, code, readI32(t.mm, infova + 16), readI32(t.mm, infova + 20) >>> 0);
    info.value = readI64(t.mm, infova + 24);
  } else info = SigInfo.of(sig, SI_USER, t.tgid, t.cred.uid);
  const target = o.state === TaskState.Zombie ? (groupOf(o)[0] ?? o) : o;
  if (!mayKill(t, target, sig)) return -EPERM;
  if (sig !== 0) sendSignal(target, sig, info);
  return 0;
}

export const eventfdSyscalls: SyscallDefs = {
  [NR.eventfd2]: def('eventfd2', 'ux', sysEventfd2),
  [NR.signalfd4]: def('signalfd4', 'fpux', sysSignalfd4, 'supported', 'reads the calling thread\'s own and its process\'s pending signals'),
  [NR.pidfd_open]: def('pidfd_open', 'dx', sysPidfdOpen, 'partial', 'poll readiness on exit; no waitid(P_PIDFD)'),
  [NR.pidfd_send_signal]: def('pidfd_send_signal', 'fdpx', sysPidfdSendSignal, 'partial', 'flags must be 0'),
};
