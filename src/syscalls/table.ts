// The syscall table: number → {name, handler, status, note}, assembled from the
// sys_<family>.ts fragments. Numbers with no entry return ENOSYS (and say so in
// docs/syscalls.md, generated from this table).
import { SyscallDef, SyscallDefs } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { processSyscalls } from './sys_process.js';
import { mmSyscalls } from './sys_mm.js';
import { timeSyscalls } from './sys_time.js';
import { signalSyscalls } from './sys_signal.js';
import { forkSyscalls } from './sys_fork.js';
import { fsSyscalls } from './sys_fs.js';
import { pipeSyscalls } from './sys_pipe.js';
import { pollSyscalls } from './sys_poll.js';
import { mountSyscalls } from './sys_mount.js';
import { epollSyscalls } from './sys_epoll.js';
import { eventfdSyscalls } from './sys_eventfd.js';
import { timerSyscalls } from './sys_timer.js';
import { futexSyscalls } from './sys_futex.js';
import { credSyscalls } from './sys_cred.js';
import { socketSyscalls } from './sys_socket.js';
import { spliceSyscalls } from './sys_splice.js';
import { inotifySyscalls } from './sys_inotify.js';
import { rusageSyscalls } from './sys_rusage.js';
import { ipcSyscalls } from './sys_ipc.js';
import { msgSyscalls } from './sys_msg.js';
import { mqSyscalls } from './sys_mqueue.js';
import { aioSyscalls } from './sys_aio.js';
import { xattrSyscalls } from './sys_xattr.js';
import { misc2Syscalls } from './sys_misc2.js';

const fragments: SyscallDefs[] = [processSyscalls, mmSyscalls, timeSyscalls, signalSyscalls, forkSyscalls, fsSyscalls, pipeSyscalls, pollSyscalls, mountSyscalls, futexSyscalls, credSyscalls, socketSyscalls, epollSyscalls, eventfdSyscalls, timerSyscalls, spliceSyscalls, inotifySyscalls, rusageSyscalls, misc2Syscalls, xattrSyscalls, ipcSyscalls, msgSyscalls, mqSyscalls, aioSyscalls];

export const MAX_NR = 512;
/** Dense array indexed by syscall number; entries without a handler are ENOSYS. */
export const TABLE: SyscallDef[] = new Array(MAX_NR);

const nameOf = new Map<number, string>();
for (const [name, nr] of Object.entries(NR)) if (!nameOf.has(nr)) nameOf.set(nr, name);

export function registerSyscalls(defs: SyscallDefs): void {
  for (const [k, d] of Object.entries(defs)) TABLE[Number(k)] = d;
}
for (const f of fragments) registerSyscalls(f);
for (let i = 0; i < MAX_NR; i++) {
  if (TABLE[i] === undefined) {
    const n = nameOf.get(i);
    TABLE[i] = { name: n ?? `syscall_${i}`, handler: null, status: 'enosys', args: 'xxxxxx',
      note: n ? 'not implemented' : 'no such syscall on riscv64' };
  }
}

/** Syscalls that return EINTR after a handler even with SA_RESTART (signal(7)). */
export const NO_RESTART = new Set<number>([
  NR.nanosleep, NR.clock_nanosleep, NR.ppoll, NR.pselect6, NR.epoll_pwait, NR.epoll_pwait2,
  NR.rt_sigsuspend, NR.rt_sigtimedwait, NR.io_getevents, NR.io_pgetevents, NR.semop, NR.semtimedop, NR.msgrcv, NR.msgsnd,
]);
