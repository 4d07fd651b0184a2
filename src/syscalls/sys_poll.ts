// ppoll(2) and pselect6(2) (riscv64 has no poll/select). Blocking model: when nothing is
// ready the task waits on every file's wait queue (and a timer for the deadline) and the
// call is re-executed from scratch on wake-up; the deadline survives restarts in
// t.sleepUntil, and the temporary signal mask uses the rt_sigsuspend save/restore.
import { Task, TaskState } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL, EBADF, EINTR } from '../abi/linux/errno.js';
import {
  POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDNORM, POLLRDBAND, POLLWRNORM, POLLWRBAND,
} from '../abi/linux/fs.js';
import { copyIn, copyOut, readI64, readPair } from '../mm/usercopy.js';
import { BLOCK, WaitQueue } from '../lib/waitqueue.js';
import type { File } from '../fs/vfs/file.js';

const SIGKILL_STOP_LO = (1 << 8) | (1 << 18); // SIGKILL (9) and SIGSTOP (19) cannot be blocked
const pair = new Int32Array(2);

/** Deadline handling: -1 = forever; otherwise an absolute monotonic ns kept across restarts. */
function deadline(t: Task, tsva: number): number | null {
  if (tsva === 0) return -1;
  if (t.sleepUntil >= 0) return t.sleepUntil;
  const sec = readI64(t.mm, tsva), nsec = readI64(t.mm, tsva + 8);
  if (sec < 0 || nsec < 0 || nsec > 999999999) return null;
  t.sleepUntil = t.kernel.now() + sec * 1e9 + nsec;
  return t.sleepUntil;
}

function writeRemaining(t: Task, tsva: number, until: number): void {
  if (tsva === 0 || until < 0) return;
  const left = Math.max(0, until - t.kernel.now());
  const b = new Uint8Array(16), v = new DataView(b.buffer);
  const s = Math.floor(left / 1e9), ns = Math.floor(left - s * 1e9);
  v.setUint32(0, s >>> 0, true); v.setUint32(4, Math.floor(s / 4294967296), true);
  v.setUint32(8, ns, true);
  try { copyOut(t.mm, tsva, b); } catch { /* Linux ignores a failing write-back */ }
}

/** Install the temporary mask (once per call, kept across restarts). */
function setMask(t: Task, maskva: number, size: number): number {
  if (maskva === 0 || t.restoreMask) return 0;
  if (size !== 8) return -EINVAL;
  readPair(t.mm, maskva, pair);
  t.savedMaskLo = t.maskLo; t.savedMaskHi = t.maskHi; t.restoreMask = true;
  t.maskLo = pair[0] & ~SIGKILL_STOP_LO; t.maskHi = pair[1];
  return 0;
}

/** The call completes without a signal handler running: put the old mask back. */
function finish(t: Task, maskva: number, tsva: number, until: number): void {
  if (maskva !== 0 && t.restoreMask) {
    t.maskLo = t.savedMaskLo; t.maskHi = t.savedMaskHi; t.restoreMask = false;
  }
  writeRemaining(t, tsva, until);
  t.sleepUntil = -1;
  if (t.sleepTimer !== null) { t.kernel.timers.cancel(t.sleepTimer); t.sleepTimer = null; }
}

function sleepOn(t: Task, queues: Set<WaitQueue>, until: number): number {
  for (const q of queues) t.blockOn(q);
  if (until >= 0) t.kernel.wakeAt(t, until);
  if (queues.size === 0 && until < 0) t.state = TaskState.Blocked;
  else if (queues.size === 0) t.kernel.sleepTask(t, until);
  return BLOCK;
}

function interrupted(t: Task, tsva: number): number {
  // A handler is about to run: EINTR; the saved mask is restored by the signal frame.
  writeRemaining(t, tsva, t.sleepUntil);
  t.sleepUntil = -1;
  return -EINTR;
}

// ---- ppoll -----------------------------------------------------------------------------

/**
 * The pollfd array of the call in progress, reused and grown as needed: a poll that
 * finds an event at once (the common case of an event loop) allocates nothing.
 */
let pollBuf = new Uint8Array(64 * 8), pollView = new DataView(pollBuf.buffer);

function sysPpoll(t: Task, fdsva: number, nfds: number, tsva: number, maskva: number, masksize: number): number {
  if (t.interrupted) return interrupted(t, tsva);
  nfds >>>= 0;
  if (nfds > t.files.limit) return -EINVAL;
  const until = deadline(t, tsva);
  if (until === null) return -EINVAL;
  const e = setMask(t, maskva, masksize);
  if (e) { t.sleepUntil = -1; return e; }
  const len = nfds * 8;
  if (len > pollBuf.length) { pollBuf = new Uint8Array(len); pollView = new DataView(pollBuf.buffer); }
  const v = pollView;
  if (nfds) copyIn(t.mm, fdsva, pollBuf, 0, len);
  let count = 0;
  for (let i = 0; i < nfds; i++) {
    const fd = v.getInt32(i * 8, true);
    const events = v.getUint16(i * 8 + 4, true);
    let rev = 0;
    if (fd >= 0) {
      const f = t.files.get(fd);
      rev = f ? f.poll() & (events | POLLERR | POLLHUP) : POLLNVAL;
    }
    v.setUint16(i * 8 + 6, rev, true);
    if (rev) count++;
  }
  const now = t.kernel.now();
  if (count > 0 || (until >= 0 && now >= until)) {
    if (nfds) copyOut(t.mm, fdsva, pollBuf, 0, len);
    finish(t, maskva, tsva, until);
    return count;
  }
  // Nothing ready: wait on every polled file's queue (gathered only now, for sleepers).
  const queues = new Set<WaitQueue>();
  for (let i = 0; i < nfds; i++) {
    const fd = v.getInt32(i * 8, true);
    const q = fd >= 0 ? t.files.get(fd)?.waitQueue : undefined;
    if (q) queues.add(q);
  }
  return sleepOn(t, queues, until);
}

// ---- pselect6 --------------------------------------------------------------------------

const IN_SET = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
const OUT_SET = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
const EX_SET = POLLPRI;

function readSet(t: Task, va: number, bytes: number): Uint8Array | null {
  if (va === 0) return null;
  const b = new Uint8Array(bytes);
  copyIn(t.mm, va, b, 0, bytes);
  return b;
}

function sysPselect6(t: Task, n: number, inva: number, outva: number, exva: number, tsva: number, sigva: number): number {
  if (t.interrupted) return interrupted(t, tsva);
  n |= 0;
  if (n < 0) return -EINVAL;
  if (n > t.files.limit) n = t.files.limit;
  const bytes = Math.ceil(n / 64) * 8;
  const until = deadline(t, tsva);
  if (until === null) return -EINVAL;
  if (sigva !== 0) {
    // struct { const sigset_t *ss; size_t ss_len; }
    const ss = readI64(t.mm, sigva), len = readI64(t.mm, sigva + 8);
    const e = setMask(t, ss, len);
    if (e) { t.sleepUntil = -1; return e; }
    sigva = ss;
  }
  const ins = readSet(t, inva, bytes), outs = readSet(t, outva, bytes), exs = readSet(t, exva, bytes);
  const rin = new Uint8Array(bytes), rout = new Uint8Array(bytes), rex = new Uint8Array(bytes);
  const queues = new Set<WaitQueue>();
  let count = 0;
  for (let fd = 0; fd < n; fd++) {
    const byte = fd >> 3, bit = 1 << (fd & 7);
    const wi = ins !== null && (ins[byte] & bit) !== 0;
    const wo = outs !== null && (outs[byte] & bit) !== 0;
    const we = exs !== null && (exs[byte] & bit) !== 0;
    if (!wi && !wo && !we) continue;
    const f: File | null = t.files.get(fd);
    if (!f) { if (sigva !== 0 && t.restoreMask) finish(t, sigva, 0, -1); t.sleepUntil = -1; return -EBADF; }
    const m = f.poll();
    if (wi && (m & IN_SET)) { rin[byte] |= bit; count++; }
    if (wo && (m & OUT_SET)) { rout[byte] |= bit; count++; }
    if (we && (m & EX_SET)) { rex[byte] |= bit; count++; }
    const q = f.waitQueue;
    if (q) queues.add(q);
  }
  if (count > 0 || (until >= 0 && t.kernel.now() >= until)) {
    if (ins) copyOut(t.mm, inva, rin);
    if (outs) copyOut(t.mm, outva, rout);
    if (exs) copyOut(t.mm, exva, rex);
    finish(t, sigva, tsva, until);
    return count;
  }
  return sleepOn(t, queues, until);
}

export const pollSyscalls: SyscallDefs = {
  [NR.ppoll]: def('ppoll', 'puppu', sysPpoll),
  [NR.pselect6]: def('pselect6', 'dppppp', sysPselect6),
};
void EBADF;
