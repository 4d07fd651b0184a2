// Scheduling and per-process attributes: sched_* policies and priorities, nice
// (get/setpriority), I/O priorities, affinity, getcpu, personality, membarrier,
// memory locking and capabilities. tuml is a uniprocessor (like UML) whose run queue is
// round robin: policies and priorities are kept with Linux's checks and reported back;
// memory is never swapped, so locked pages stay resident as mlock promises.
import type { Task } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EACCES, EINVAL, EPERM, ESRCH, ENOMEM, E2BIG } from '../abi/linux/errno.js';
import * as M from '../abi/linux/misc.js';
import { readI32, writeI64, writeU32, copyIn, copyOut } from '../mm/usercopy.js';
import { ACC_R } from '../mm/mmu.js';
import { RLIM_INFINITY } from '../kernel/limits.js';
import { registerCkptSide } from '../lib/ckptstate.js';

const SCHED_NORMAL = 0, SCHED_FIFO = 1, SCHED_RR = 2, SCHED_BATCH = 3, SCHED_IDLE = 5, SCHED_DEADLINE = 6;
const SCHED_RESET_ON_FORK = 0x40000000;
const PRIO_PROCESS = 0, PRIO_PGRP = 1, PRIO_USER = 2;
/** The round-robin quantum sched_rr_get_interval reports (Linux's RR_TIMESLICE: 100 ms). */
const RR_NS = 100_000_000;

const isRt = (p: number) => p === SCHED_FIFO || p === SCHED_RR;
const validPolicy = (p: number) => p === SCHED_NORMAL || p === SCHED_FIFO || p === SCHED_RR || p === SCHED_BATCH || p === SCHED_IDLE;

/** pid 0 is the caller; otherwise a task by tid (threads included, as sched_* take tids). */
function taskOf(t: Task, pid: number): Task | null {
  if (pid === 0) return t;
  if (pid < 0) return null;
  const o = t.kernel.tasks.get(pid);
  return o && o.state !== 3 /* Zombie */ && o.state !== 4 ? o : null;
}
/** May t change o's scheduling (Linux's check_same_owner or CAP_SYS_NICE)? */
function mayChange(t: Task, o: Task): boolean {
  return t.cred.euid === 0 || t.cred.euid === o.cred.uid || t.cred.euid === o.cred.euid;
}

function setSched(t: Task, pid: number, policy: number, prio: number, nice: number | null, resetOnFork: boolean): number {
  const o = taskOf(t, pid);
  if (!o) return -ESRCH;
  if (!validPolicy(policy)) return -EINVAL;
  if (isRt(policy) ? prio < 1 || prio > 99 : prio !== 0) return -EINVAL;
  if (!mayChange(t, o)) return -EPERM;
  if (t.cred.euid !== 0) {
    // Without CAP_SYS_NICE: real-time only up to RLIMIT_RTPRIO; no leaving SCHED_IDLE.
    const rt = t.rlim.cur[M.RLIMIT_RTPRIO];
    if (isRt(policy) && rt !== RLIM_INFINITY && prio > rt && prio > o.schedPriority) return -EPERM;
    if ((o.schedPolicy & ~SCHED_RESET_ON_FORK) === SCHED_IDLE && policy !== SCHED_IDLE) return -EPERM;
    if (nice !== null && nice < o.nice && !niceAllowed(t, nice)) return -EPERM;
    if ((o.schedPolicy & SCHED_RESET_ON_FORK) && !resetOnFork) return -EPERM;
  }
  o.schedPolicy = policy | (resetOnFork ? SCHED_RESET_ON_FORK : 0);
  o.schedPriority = prio;
  if (nice !== null) o.nice = nice;
  return 0;
}
/** Unprivileged lowering of nice: allowed down to 20 - RLIMIT_NICE. */
function niceAllowed(t: Task, nice: number): boolean {
  const lim = t.rlim.cur[M.RLIMIT_NICE];
  return lim === RLIM_INFINITY || 20 - Math.min(lim, 40) <= nice;
}

function schedSetscheduler(t: Task, pid: number, policy: number, param: number): number {
  if (param === 0 || pid < 0) return -EINVAL;
  policy |= 0;
  if (policy < 0) return -EINVAL;
  const reset = (policy & SCHED_RESET_ON_FORK) !== 0;
  return setSched(t, pid, policy & ~SCHED_RESET_ON_FORK, readI32(t.mm, param), null, reset);
}
function schedSetparam(t: Task, pid: number, param: number): number {
  if (param === 0 || pid < 0) return -EINVAL;
  const o = taskOf(t, pid);
  if (!o) return -ESRCH;
  const reset = (o.schedPolicy & SCHED_RESET_ON_FORK) !== 0;
  return setSched(t, pid, o.schedPolicy & ~SCHED_RESET_ON_FORK, readI32(t.mm, param), null, reset);
}
function schedGetscheduler(t: Task, pid: number): number {
  if (pid < 0) return -EINVAL;
  const o = taskOf(t, pid);
  return o ? o.schedPolicy : -ESRCH;
}
function schedGetparam(t: Task, pid: number, param: number): number {
  if (param === 0 || pid < 0) return -EINVAL;
  const o = taskOf(t, pid);
  if (!o) return -ESRCH;
  writeU32(t.mm, param, o.schedPriority);
  return 0;
}
function prioMax(_t: Task, policy: number): number { return isRt(policy) ? 99 : validPolicy(policy) || policy === SCHED_DEADLINE ? 0 : -EINVAL; }
function prioMin(_t: Task, policy: number): number { return isRt(policy) ? 1 : validPolicy(policy) || policy === SCHED_DEADLINE ? 0 : -EINVAL; }
function rrInterval(t: Task, pid: number, ts: number): number {
  if (pid < 0) return -EINVAL;
  const o = taskOf(t, pid);
  if (!o) return -ESRCH;
  const ns = (o.schedPolicy & ~SCHED_RESET_ON_FORK) === SCHED_FIFO ? 0 : RR_NS;
  writeI64(t.mm, ts, Math.floor(ns / 1e9)); writeI64(t.mm, ts + 8, ns % 1e9);
  return 0;
}
/** sched_setaffinity: the mask must include CPU 0, the only one. */
function schedSetaffinity(t: Task, pid: number, len: number, mask: number): number {
  const o = taskOf(t, pid);
  if (!o) return -ESRCH;
  if (!mayChange(t, o)) return -EPERM;
  if (len <= 0) return -EINVAL;
  const b = new Uint8Array(1);
  copyIn(t.mm, mask, b, 0, 1);
  return (b[0] & 1) ? 0 : -EINVAL;
}

// struct sched_attr (SCHED_ATTR_SIZE_VER0 = 48 bytes)
const SCHED_ATTR_SIZE_VER0 = 48;
const SCHED_FLAG_RESET_ON_FORK = 1;
function schedSetattr(t: Task, pid: number, attr: number, flags: number): number {
  if (attr === 0 || pid < 0 || flags !== 0) return -EINVAL;
  let size = readI32(t.mm, attr) >>> 0;
  if (size === 0) size = SCHED_ATTR_SIZE_VER0;
  if (size < SCHED_ATTR_SIZE_VER0 || size > 4096) { writeU32(t.mm, attr, SCHED_ATTR_SIZE_VER0); return -E2BIG; }
  const b = new Uint8Array(size);
  copyIn(t.mm, attr, b, 0, size);
  for (let i = SCHED_ATTR_SIZE_VER0; i < size; i++) if (b[i] !== 0) { writeU32(t.mm, attr, SCHED_ATTR_SIZE_VER0); return -E2BIG; }
  const dv = new DataView(b.buffer);
  const policy = dv.getUint32(4, true);
  const fl = Number(dv.getBigUint64(8, true));
  const nice = dv.getInt32(16, true);
  const prio = dv.getUint32(20, true);
  if (fl & ~SCHED_FLAG_RESET_ON_FORK) return -EINVAL;
  if (policy === SCHED_DEADLINE) return t.cred.euid === 0 ? -EINVAL : -EPERM; // no deadline scheduler
  const n = policy === SCHED_NORMAL || policy === SCHED_BATCH ? Math.max(-20, Math.min(19, nice)) : null;
  return setSched(t, pid, policy, prio, n, (fl & SCHED_FLAG_RESET_ON_FORK) !== 0);
}
function schedGetattr(t: Task, pid: number, attr: number, size: number, flags: number): number {
  if (attr === 0 || pid < 0 || flags !== 0 || size < SCHED_ATTR_SIZE_VER0 || size > 4096) return -EINVAL;
  const o = taskOf(t, pid);
  if (!o) return -ESRCH;
  const b = new Uint8Array(SCHED_ATTR_SIZE_VER0);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, SCHED_ATTR_SIZE_VER0, true);
  dv.setUint32(4, o.schedPolicy & ~SCHED_RESET_ON_FORK, true);
  dv.setBigUint64(8, (o.schedPolicy & SCHED_RESET_ON_FORK) ? 1n : 0n, true);
  dv.setInt32(16, o.nice, true);
  dv.setUint32(20, o.schedPriority, true);
  copyOut(t.mm, attr, b);
  return 0;
}

/** The tasks get/setpriority's (which, who) names: thread groups' leaders' threads. */
function prioTargets(t: Task, which: number, who: number): Task[] | number {
  const all = [...t.kernel.tasks.values()].filter((o) => o.state !== 3 && o.state !== 4);
  switch (which) {
    case PRIO_PROCESS: { const o = taskOf(t, who); return o ? [o] : []; }
    case PRIO_PGRP: { const g = who === 0 ? t.pgid : who; return all.filter((o) => o.pgid === g); }
    case PRIO_USER: { const u = who === 0 ? t.cred.uid : who; return all.filter((o) => o.cred.uid === u); }
    default: return -EINVAL;
  }
}
/** getpriority returns 20 - nice (1..40), as the raw syscall does. */
function getpriority(t: Task, which: number, who: number): number {
  const ts = prioTargets(t, which, who | 0);
  if (typeof ts === 'number') return ts;
  if (ts.length === 0) return -ESRCH;
  return 20 - Math.min(...ts.map((o) => o.nice));
}
function setpriority(t: Task, which: number, who: number, nice: number): number {
  const ts = prioTargets(t, which, who | 0);
  if (typeof ts === 'number') return ts;
  if (ts.length === 0) return -ESRCH;
  const n = Math.max(-20, Math.min(19, nice | 0));
  let err = 0;
  for (const o of ts) {
    if (!mayChange(t, o)) { err = -EPERM; continue; }
    if (n < o.nice && t.cred.euid !== 0 && !niceAllowed(t, n)) { err = -EACCES; continue; }
    o.nice = n;
  }
  return err;
}

// I/O priorities (linux/ioprio.h): class in the top 3 of 16 bits.
const IOPRIO_CLASS_SHIFT = 13, IOPRIO_CLASS_NONE = 0, IOPRIO_CLASS_RT = 1, IOPRIO_CLASS_BE = 2, IOPRIO_CLASS_IDLE = 3;
const IOPRIO_WHO_PROCESS = 1;
function ioprioSet(t: Task, which: number, who: number, prio: number): number {
  const cls = (prio >>> IOPRIO_CLASS_SHIFT) & 7, data = prio & 0x1fff;
  if (cls === IOPRIO_CLASS_RT && t.cred.euid !== 0) return -EPERM;
  if (cls === IOPRIO_CLASS_RT || cls === IOPRIO_CLASS_BE) { if (data >= 8) return -EINVAL; }
  else if (cls !== IOPRIO_CLASS_IDLE && !(cls === IOPRIO_CLASS_NONE && data === 0)) return -EINVAL;
  const ts = prioTargets(t, which - IOPRIO_WHO_PROCESS, who | 0);
  if (typeof ts === 'number') return ts;
  if (ts.length === 0) return -ESRCH;
  for (const o of ts) { if (!mayChange(t, o)) return -EPERM; o.ioprio = prio; }
  return 0;
}
function ioprioGet(t: Task, which: number, who: number): number {
  const ts = prioTargets(t, which - IOPRIO_WHO_PROCESS, who | 0);
  if (typeof ts === 'number') return ts;
  if (ts.length === 0) return -ESRCH;
  // A task without one set reports best effort at the level its nice value gives.
  const eff = (o: Task) => o.ioprio || ((IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT) | Math.floor((o.nice + 20) / 5));
  return Math.min(...ts.map(eff));
}

/** getcpu: always CPU 0 on node 0. */
function getcpu(t: Task, cpu: number, node: number): number {
  if (cpu !== 0) writeU32(t.mm, cpu, 0);
  if (node !== 0) writeU32(t.mm, node, 0);
  return 0;
}

/** personality: 0xffffffff queries; otherwise sets and returns the old persona. */
function personality(t: Task, persona: number): number {
  const old = t.personality;
  if ((persona >>> 0) !== 0xffffffff) {
    for (const o of t.kernel.tasks.values()) if (o.tgid === t.tgid) o.personality = persona >>> 0;
  }
  return old;
}

// membarrier (linux/membarrier.h). On one CPU every other thread is descheduled at a
// syscall boundary, so each barrier already holds when the call is made.
const MB_QUERY = 0, MB_GLOBAL = 1, MB_GLOBAL_EXPEDITED = 2, MB_REGISTER_GLOBAL_EXPEDITED = 4,
  MB_PRIVATE_EXPEDITED = 8, MB_REGISTER_PRIVATE_EXPEDITED = 16, MB_PRIVATE_EXPEDITED_SYNC_CORE = 32,
  MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE = 64, MB_PRIVATE_EXPEDITED_RSEQ = 128, MB_REGISTER_PRIVATE_EXPEDITED_RSEQ = 256;
const MB_SUPPORTED = MB_GLOBAL | MB_GLOBAL_EXPEDITED | MB_REGISTER_GLOBAL_EXPEDITED | MB_PRIVATE_EXPEDITED |
  MB_REGISTER_PRIVATE_EXPEDITED | MB_PRIVATE_EXPEDITED_SYNC_CORE | MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE;
const mbRegistered = new WeakMap<object, number>();
registerCkptSide('membarrier', (o) => mbRegistered.get(o), (o, v) => { mbRegistered.set(o, v as number); });
function membarrier(t: Task, cmd: number, flags: number): number {
  if (flags !== 0) return -EINVAL;
  switch (cmd) {
    case MB_QUERY: return MB_SUPPORTED;
    case MB_GLOBAL: case MB_GLOBAL_EXPEDITED: return 0;
    case MB_REGISTER_GLOBAL_EXPEDITED: case MB_REGISTER_PRIVATE_EXPEDITED: case MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
      mbRegistered.set(t.mm, (mbRegistered.get(t.mm) ?? 0) | cmd);
      return 0;
    case MB_PRIVATE_EXPEDITED: case MB_PRIVATE_EXPEDITED_SYNC_CORE:
      // Linux: EPERM unless the process registered its intent first.
      return ((mbRegistered.get(t.mm) ?? 0) & (cmd << 1)) ? 0 : -EPERM;
    case MB_PRIVATE_EXPEDITED_RSEQ: case MB_REGISTER_PRIVATE_EXPEDITED_RSEQ: return -EINVAL; // no rseq
    default: return -EINVAL;
  }
}

// Memory locking. Every page is resident (there is no swap); mlock checks the range is
// mapped and RLIMIT_MEMLOCK, and faults the pages in, as Linux populates them.
const MCL_CURRENT = 1, MCL_FUTURE = 2, MCL_ONFAULT = 4, MLOCK_ONFAULT = 1;
const PAGE = 4096;
function rangeMapped(t: Task, start: number, end: number): boolean {
  for (let va = start; va < end;) {
    const v = t.mm.find(va);
    if (!v) return false;
    va = v.end;
  }
  return true;
}
function lockRange(t: Task, addr: number, len: number, populate: boolean): number {
  const start = addr - (addr % PAGE);
  const end = Math.ceil((addr + len) / PAGE) * PAGE;
  if (len === 0) return 0;
  if (end < start || end > 2 ** 47) return -ENOMEM;
  const lim = t.rlim.cur[M.RLIMIT_MEMLOCK];
  if (t.cred.euid !== 0 && lim !== RLIM_INFINITY && end - start > lim) return lim === 0 ? -EPERM : -ENOMEM;
  if (!rangeMapped(t, start, end)) return -ENOMEM;
  if (populate) {
    for (let va = start; va < end; va += PAGE) {
      const v = t.mm.find(va);
      // Best effort, as Linux's populate: a file page past EOF is simply not brought in.
      if (v && v.prot !== 0) t.mm.fault(va, ACC_R);
    }
  }
  return 0;
}
const mlock = (t: Task, addr: number, len: number) => lockRange(t, addr, len, true);
function mlock2(t: Task, addr: number, len: number, flags: number): number {
  if (flags & ~MLOCK_ONFAULT) return -EINVAL;
  return lockRange(t, addr, len, (flags & MLOCK_ONFAULT) === 0);
}
function munlock(t: Task, addr: number, len: number): number {
  const start = addr - (addr % PAGE), end = Math.ceil((addr + len) / PAGE) * PAGE;
  if (len === 0) return 0;
  return rangeMapped(t, start, end) ? 0 : -ENOMEM;
}
function mlockall(t: Task, flags: number): number {
  if (flags === 0 || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags === MCL_ONFAULT) return -EINVAL;
  const lim = t.rlim.cur[M.RLIMIT_MEMLOCK];
  if (t.cred.euid !== 0 && lim === 0) return -EPERM;
  t.mlockAll = flags;
  return 0;
}
function munlockall(t: Task): number { t.mlockAll = 0; return 0; }

// Capabilities (linux/capability.h): root holds every capability, others none, as
// Linux's set*uid rules leave them without file capabilities or securebits.
const CAP_V1 = 0x19980330, CAP_V2 = 0x20071026, CAP_V3 = 0x20080522;
const CAP_LAST = 40;
function capWords(t: Task): [number, number] {
  return t.cred.euid === 0 ? [0xffffffff, (1 << (CAP_LAST - 31)) - 1] : [0, 0];
}
function capHeader(t: Task, hdr: number): number {
  const v = readI32(t.mm, hdr) >>> 0;
  if (v !== CAP_V1 && v !== CAP_V2 && v !== CAP_V3) { writeU32(t.mm, hdr, CAP_V3); return -EINVAL; }
  return v === CAP_V1 ? 1 : 2;
}
function capget(t: Task, hdr: number, data: number): number {
  const n = capHeader(t, hdr);
  if (n < 0) return data === 0 ? 0 : n;
  const pid = readI32(t.mm, hdr + 4);
  const o = taskOf(t, pid);
  if (!o) return -ESRCH;
  if (data === 0) return 0;
  const w = capWords(o);
  for (let i = 0; i < n; i++) {
    writeU32(t.mm, data + 12 * i, w[i]);     // effective
    writeU32(t.mm, data + 12 * i + 4, w[i]); // permitted
    writeU32(t.mm, data + 12 * i + 8, 0);    // inheritable
  }
  return 0;
}
function capset(t: Task, hdr: number, data: number): number {
  const n = capHeader(t, hdr);
  if (n < 0) return n;
  const pid = readI32(t.mm, hdr + 4);
  if (pid !== 0 && pid !== t.tid) return -EPERM;
  const w = capWords(t);
  for (let i = 0; i < n; i++) {
    const eff = readI32(t.mm, data + 12 * i) >>> 0, perm = readI32(t.mm, data + 12 * i + 4) >>> 0;
    const inh = readI32(t.mm, data + 12 * i + 8) >>> 0;
    // No raising beyond the permitted set; effective within the new permitted set.
    if ((perm & ~w[i]) !== 0 || (eff & ~perm) !== 0 || (inh & ~w[i]) !== 0) return -EPERM;
    // Dropping capabilities is a change tuml's uid-based credentials cannot express.
    if (perm !== w[i] || eff !== w[i]) return -EPERM;
  }
  return 0;
}

export const schedSyscalls: SyscallDefs = {
  [NR.sched_setscheduler]: def('sched_setscheduler', 'ddp', schedSetscheduler),
  [NR.sched_getscheduler]: def('sched_getscheduler', 'd', schedGetscheduler),
  [NR.sched_setparam]: def('sched_setparam', 'dp', schedSetparam),
  [NR.sched_getparam]: def('sched_getparam', 'dp', schedGetparam),
  [NR.sched_get_priority_max]: def('sched_get_priority_max', 'd', prioMax),
  [NR.sched_get_priority_min]: def('sched_get_priority_min', 'd', prioMin),
  [NR.sched_rr_get_interval]: def('sched_rr_get_interval', 'dp', rrInterval),
  [NR.sched_setaffinity]: def('sched_setaffinity', 'dup', schedSetaffinity),
  [NR.sched_setattr]: def('sched_setattr', 'dpx', schedSetattr, 'partial', 'SCHED_DEADLINE is refused (no deadline scheduler)'),
  [NR.sched_getattr]: def('sched_getattr', 'dpux', schedGetattr),
  [NR.getpriority]: def('getpriority', 'dd', getpriority),
  [NR.setpriority]: def('setpriority', 'ddd', setpriority),
  [NR.ioprio_set]: def('ioprio_set', 'ddx', ioprioSet),
  [NR.ioprio_get]: def('ioprio_get', 'dd', ioprioGet),
  [NR.getcpu]: def('getcpu', 'ppp', getcpu),
  [NR.personality]: def('personality', 'x', personality),
  [NR.membarrier]: def('membarrier', 'xxd', membarrier),
  [NR.mlock]: def('mlock', 'xu', mlock),
  [NR.mlock2]: def('mlock2', 'xux', mlock2),
  [NR.munlock]: def('munlock', 'xu', munlock),
  [NR.mlockall]: def('mlockall', 'x', mlockall),
  [NR.munlockall]: def('munlockall', '', munlockall),
  [NR.capget]: def('capget', 'pp', capget),
  [NR.capset]: def('capset', 'pp', capset, 'partial', 'only the sets the credentials give (root: all, others: none)'),
};
