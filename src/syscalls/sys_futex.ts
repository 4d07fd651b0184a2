// futex(2), set_robust_list/get_robust_list: decode and check, then kernel/futex.ts.
import type { Task } from '../kernel/task.js';
import { TaskState } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL, EAGAIN, EINTR, ENOSYS, ETIMEDOUT, ESRCH, EPERM } from '../abi/linux/errno.js';
import { readI32, writeU32, writeI64, UserFault } from '../mm/usercopy.js';
import { BLOCK } from '../lib/waitqueue.js';
import { futexKey, futexTable, futexDone } from '../kernel/futex.js';
import { readTimespec } from './sys_time.js';
import { registerCkptSide } from '../lib/ckptstate.js';

const FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_FD = 2, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4,
  FUTEX_WAKE_OP = 5, FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10, FUTEX_LOCK_PI2 = 13,
  FUTEX_WAIT_REQUEUE_PI = 11;
const FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;
const FUTEX_BITSET_MATCH_ANY = -1;

/** Linux's wake loop wakes at least one waiter even when asked for 0 or fewer. */
function wakeCount(n: number): number { return n <= 0 ? 1 : n; }

function futex(t: Task, uaddr: number, op: number, val: number, utime: number, uaddr2: number, val3: number): number {
  const cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  const priv = (op & FUTEX_PRIVATE_FLAG) !== 0;
  const clockRt = (op & FUTEX_CLOCK_REALTIME) !== 0;
  if (clockRt && cmd !== FUTEX_WAIT_BITSET && cmd !== FUTEX_WAIT_REQUEUE_PI && cmd !== FUTEX_LOCK_PI2) return -ENOSYS;
  switch (cmd) {
    case FUTEX_WAIT:
      return wait(t, uaddr, val, utime, FUTEX_BITSET_MATCH_ANY, priv, clockRt, false);
    case FUTEX_WAIT_BITSET:
      return wait(t, uaddr, val, utime, val3 | 0, priv, clockRt, true);
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
      const bits = cmd === FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3 | 0;
      if (bits === 0) return -EINVAL;
      if (uaddr % 4 !== 0) return -EINVAL;
      return futexTable(t).wake(futexKey(t.mm, uaddr, priv), wakeCount(val | 0), bits);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
      const nwake = val | 0, nreq = utime | 0;
      if (nwake < 0 || nreq < 0) return -EINVAL;
      if (uaddr % 4 !== 0 || uaddr2 % 4 !== 0) return -EINVAL;
      const k1 = futexKey(t.mm, uaddr, priv), k2 = futexKey(t.mm, uaddr2, priv);
      if (cmd === FUTEX_CMP_REQUEUE && readI32(t.mm, uaddr) !== (val3 | 0)) return -EAGAIN;
      return futexTable(t).requeue(k1, k2, nwake, nreq);
    }
    case FUTEX_WAKE_OP:
      return wakeOp(t, uaddr, val | 0, utime | 0, uaddr2, val3 | 0, priv);
    case FUTEX_FD:
    default:
      return -ENOSYS; // FUTEX_FD is gone from Linux; PI futexes are not implemented
  }
}

/**
 * FUTEX_WAIT / FUTEX_WAIT_BITSET. Re-executed after every wake-up (restart model): a
 * waiter woken by FUTEX_WAKE finds t.futexWoken; one moved by FUTEX_REQUEUE sleeps on
 * t.futexKey; a timer or stray wake re-checks the word and sleeps again, as Linux does.
 */
/** Where the sleeping FUTEX_WAIT was called (pc, sp): a re-execution comes from the same place. */
const site = new WeakMap<Task, { pc: number; sp: number }>();
registerCkptSide('futex.site', (o) => site.get(o as Task), (o, v) => { site.set(o as Task, v as { pc: number; sp: number }); });

function wait(t: Task, uaddr: number, val: number, utime: number, bitset: number, priv: boolean, clockRt: boolean, absolute: boolean): number {
  const pc = t.hart.pc, sp = t.hart.getNum(2);
  if (t.futexKey !== null) {
    // A signal handler's own futex wait while the interrupted one waits to restart:
    // the old wait is abandoned (it restarts from scratch after the handler, as Linux's).
    const s = site.get(t);
    if (s === undefined || s.pc !== pc || s.sp !== sp) futexDone(t);
  }
  site.set(t, { pc, sp });
  if (t.futexWoken) { futexDone(t); return 0; }
  if (t.interrupted) { futexDone(t); return -EINTR; }
  if (uaddr % 4 !== 0 || bitset === 0) { futexDone(t); return -EINVAL; }
  const k = t.kernel;
  const again = t.futexKey !== null;
  let deadline = again ? t.futexDeadline : -1;
  if (!again && utime !== 0) {
    let ns: number;
    try { ns = readTimespec(t, utime); } catch (e) { futexDone(t); throw e; }
    if (ns < 0) return -EINVAL;
    deadline = absolute ? (clockRt ? ns - k.clock.realOffsetNs : ns) : k.now() + ns;
  }
  let key: string;
  try {
    key = futexKey(t.mm, uaddr, priv);
    if (again && key !== t.futexKey) {
      // Requeued to another futex: keep sleeping there (no value to check).
      if (deadline >= 0 && k.now() >= deadline) { futexDone(t); return -ETIMEDOUT; }
      sleep(t, t.futexKey!, deadline);
      return BLOCK;
    }
    if (readI32(t.mm, uaddr) !== (val | 0)) { futexDone(t); return -EAGAIN; }
  } catch (e) {
    if (e instanceof UserFault) futexDone(t);
    throw e;
  }
  if (deadline >= 0 && k.now() >= deadline) { futexDone(t); return -ETIMEDOUT; }
  t.futexBitset = bitset;
  sleep(t, key, deadline);
  return BLOCK;
}

function sleep(t: Task, key: string, deadline: number): void {
  t.futexKey = key;
  t.futexDeadline = deadline;
  t.futexTimed = deadline >= 0;
  futexTable(t).enqueue(t, key);
  if (!t.waitingOn.includes(t.futexQ)) t.blockOn(t.futexQ);
  else t.state = TaskState.Blocked; // still on the queue (e.g. continued after a stop)
  if (deadline >= 0) t.kernel.wakeAt(t, deadline);
}

// FUTEX_WAKE_OP encoding (linux/futex.h).
const OP_SET = 0, OP_ADD = 1, OP_OR = 2, OP_ANDN = 3, OP_XOR = 4, OP_OPARG_SHIFT = 8;
const CMP_EQ = 0, CMP_NE = 1, CMP_LT = 2, CMP_LE = 3, CMP_GT = 4, CMP_GE = 5;

function sext12(v: number): number { return (v << 20) >> 20; }

function wakeOp(t: Task, uaddr: number, nwake: number, nwake2: number, uaddr2: number, enc: number, priv: boolean): number {
  if (uaddr % 4 !== 0 || uaddr2 % 4 !== 0) return -EINVAL;
  const op = (enc >>> 28) & 15, cmp = (enc >>> 24) & 15;
  let oparg = sext12((enc >>> 12) & 0xfff);
  const cmparg = sext12(enc & 0xfff);
  if (op & OP_OPARG_SHIFT) {
    if (oparg < 0 || oparg > 31) oparg &= 31;
    oparg = 1 << oparg;
  }
  if ((op & 7) > OP_XOR || cmp > CMP_GE) return -ENOSYS;
  const k1 = futexKey(t.mm, uaddr, priv), k2 = futexKey(t.mm, uaddr2, priv);
  // The atomic operation on *uaddr2 (we are the only CPU: read-modify-write is atomic).
  const old = readI32(t.mm, uaddr2);
  let nv: number;
  switch (op & 7) {
    case OP_SET: nv = oparg; break;
    case OP_ADD: nv = old + oparg; break;
    case OP_OR: nv = old | oparg; break;
    case OP_ANDN: nv = old & ~oparg; break;
    default: nv = old ^ oparg; break;
  }
  writeU32(t.mm, uaddr2, nv | 0);
  let ok: boolean;
  switch (cmp) {
    case CMP_EQ: ok = old === cmparg; break;
    case CMP_NE: ok = old !== cmparg; break;
    case CMP_LT: ok = old < cmparg; break;
    case CMP_LE: ok = old <= cmparg; break;
    case CMP_GT: ok = old > cmparg; break;
    default: ok = old >= cmparg; break;
  }
  const ft = futexTable(t);
  let n = ft.wake(k1, wakeCount(nwake));
  if (ok) n += ft.wake(k2, wakeCount(nwake2));
  return n;
}

/** set_robust_list(head, len): len must be sizeof(struct robust_list_head). */
function setRobustList(t: Task, head: number, len: number): number {
  if (len !== 24) return -EINVAL;
  t.robustList = head; t.robustLen = len;
  return 0;
}

function getRobustList(t: Task, pid: number, headp: number, lenp: number): number {
  pid |= 0;
  const o = pid === 0 ? t : t.kernel.tasks.get(pid);
  if (!o || o.state === TaskState.Dead) return -ESRCH;
  if (o !== t && o.cred.uid !== t.cred.euid && t.cred.euid !== 0) return -EPERM;
  writeI64(t.mm, headp, o.robustList);
  writeI64(t.mm, lenp, 24);
  return 0;
}

/** For the run loop: a timed futex wait interrupted by a handler returns EINTR, never restarts. */
export function futexNoRestart(t: Task): boolean { return t.futexTimed; }

export const futexSyscalls: SyscallDefs = {
  [NR.futex]: def('futex', 'pxdpxx', futex, 'partial',
    'WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP, WAIT_BITSET, WAKE_BITSET (private, shared across processes, CLOCK_REALTIME); PI operations are ENOSYS'),
  [NR.set_robust_list]: def('set_robust_list', 'pu', setRobustList, 'supported', 'the list is walked when the thread dies (FUTEX_OWNER_DIED)'),
  [NR.get_robust_list]: def('get_robust_list', 'dpp', getRobustList),
};
