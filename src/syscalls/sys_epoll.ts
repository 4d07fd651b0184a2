// epoll_create1, epoll_ctl, epoll_pwait, epoll_pwait2 (riscv64 has no epoll_create or
// epoll_wait). The interest and ready lists live in fs/epoll.ts. A waiter sleeps on the
// epoll's queue (woken by every watched file's queue through its item) and re-executes;
// the deadline survives restarts in t.sleepUntil and the temporary signal mask uses the
// rt_sigsuspend save/restore, like ppoll.
import { Task } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL, EBADF, EINTR, EPERM, EEXIST, ENOENT, ELOOP } from '../abi/linux/errno.js';
import { O_CLOEXEC } from '../abi/linux/fcntl.js';
import {
  EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLLEXCLUSIVE, EPOLLEXCLUSIVE_OK_BITS, EPOLL_EVENT_SIZE,
} from '../abi/linux/events.js';
import { copyIn, copyOut, readI64, readPair } from '../mm/usercopy.js';
import { BLOCK } from '../lib/waitqueue.js';
import { EventPollFile } from '../fs/epoll.js';
import { InodeFile, File } from '../fs/vfs/file.js';
import { DevFile } from '../fs/vfs/devfile.js';

const KILLSTOP_LO = (1 << 8) | (1 << 18);
const EP_MAX_EVENTS = Math.floor(0x7fffffff / EPOLL_EVENT_SIZE);
const pair = new Int32Array(2);

function sysEpollCreate1(t: Task, flags: number): number {
  if (flags & ~O_CLOEXEC) return -EINVAL;
  const f = new EventPollFile();
  const fd = t.files.alloc(f, (flags & O_CLOEXEC) !== 0);
  if (fd < 0) { f.get(); f.put(); }
  return fd;
}

/** Linux's file_can_poll: regular files, directories and devices without poll are refused. */
function canPoll(f: File): boolean {
  if (f instanceof InodeFile) return false;
  if (f instanceof DevFile) return f.dev.poll !== undefined;
  return true;
}

function sysEpollCtl(t: Task, epfd: number, op: number, fd: number, evva: number): number {
  let events = 0, dlo = 0, dhi = 0;
  if (op !== EPOLL_CTL_DEL) {
    const b = new Uint8Array(EPOLL_EVENT_SIZE);
    copyIn(t.mm, evva, b, 0, b.length);
    const v = new DataView(b.buffer);
    events = v.getInt32(0, true); dlo = v.getInt32(8, true); dhi = v.getInt32(12, true);
  }
  const ep = t.files.get(epfd | 0), tf = t.files.get(fd | 0);
  if (!ep || !tf) return -EBADF;
  if (!canPoll(tf)) return -EPERM;
  if (ep === tf || !(ep instanceof EventPollFile)) return -EINVAL;
  if (events & EPOLLEXCLUSIVE) {
    if (op === EPOLL_CTL_MOD) return -EINVAL;
    if (op === EPOLL_CTL_ADD && (tf instanceof EventPollFile || (events & ~EPOLLEXCLUSIVE_OK_BITS) !== 0)) return -EINVAL;
  }
  if (op === EPOLL_CTL_ADD && tf instanceof EventPollFile && ep.wouldLoop(tf)) return -ELOOP;
  const it = ep.find(tf, fd | 0);
  switch (op) {
    case EPOLL_CTL_ADD:
      if (it) return -EEXIST;
      ep.insert(fd | 0, tf, events, dlo, dhi);
      return 0;
    case EPOLL_CTL_DEL:
      if (!it) return -ENOENT;
      ep.drop(it);
      return 0;
    case EPOLL_CTL_MOD:
      if (!it) return -ENOENT;
      if (it.events & EPOLLEXCLUSIVE) return -EINVAL;
      ep.modify(it, events, dlo, dhi);
      return 0;
    default: return -EINVAL;
  }
}

/** Install the temporary mask (once per call, kept across restarts). */
function setMask(t: Task, maskva: number, size: number): number {
  if (maskva === 0 || t.restoreMask) return 0;
  if (size !== 8) return -EINVAL;
  readPair(t.mm, maskva, pair);
  t.savedMaskLo = t.maskLo; t.savedMaskHi = t.maskHi; t.restoreMask = true;
  t.maskLo = pair[0] & ~KILLSTOP_LO; t.maskHi = pair[1];
  return 0;
}

/** The call completes without a handler running: the old mask comes back, the deadline goes. */
function finish(t: Task, maskva: number, r: number): number {
  if (maskva !== 0 && t.restoreMask) {
    t.maskLo = t.savedMaskLo; t.maskHi = t.savedMaskHi; t.restoreMask = false;
  }
  t.sleepUntil = -1;
  if (t.sleepTimer !== null) { t.kernel.timers.cancel(t.sleepTimer); t.sleepTimer = null; }
  return r;
}

/** Common body; `until` is an absolute monotonic deadline or -1 for none. */
function epollWait(t: Task, epfd: number, evva: number, maxevents: number, until: number, maskva: number): number {
  maxevents |= 0;
  if (maxevents <= 0 || maxevents > EP_MAX_EVENTS) return finish(t, maskva, -EINVAL);
  const ep = t.files.get(epfd | 0);
  if (!ep) return finish(t, maskva, -EBADF);
  if (!(ep instanceof EventPollFile)) return finish(t, maskva, -EINVAL);
  const evs = ep.harvest(maxevents);
  if (evs.length > 0) {
    const b = new Uint8Array(evs.length * EPOLL_EVENT_SIZE);
    const v = new DataView(b.buffer);
    evs.forEach((e, i) => {
      v.setUint32(i * 16, e.events >>> 0, true);
      v.setInt32(i * 16 + 8, e.dataLo, true); v.setInt32(i * 16 + 12, e.dataHi, true);
    });
    copyOut(t.mm, evva, b);
    return finish(t, maskva, evs.length);
  }
  if (until >= 0 && t.kernel.now() >= until) return finish(t, maskva, 0);
  t.blockOn(ep.wq);
  if (until >= 0) t.kernel.wakeAt(t, until);
  return BLOCK;
}

function interrupted(t: Task): number {
  // A handler is about to run: EINTR; the saved mask is restored by the signal frame.
  t.sleepUntil = -1;
  if (t.sleepTimer !== null) { t.kernel.timers.cancel(t.sleepTimer); t.sleepTimer = null; }
  return -EINTR;
}

function sysEpollPwait(t: Task, epfd: number, evva: number, maxevents: number, timeout: number, maskva: number, masksize: number): number {
  if (t.interrupted) return interrupted(t);
  const e = setMask(t, maskva, masksize);
  if (e) return e;
  timeout |= 0;
  if (t.sleepUntil < 0 && timeout >= 0) t.sleepUntil = t.kernel.now() + timeout * 1e6;
  return epollWait(t, epfd, evva, maxevents, timeout < 0 ? -1 : t.sleepUntil, maskva);
}

function sysEpollPwait2(t: Task, epfd: number, evva: number, maxevents: number, tsva: number, maskva: number, masksize: number): number {
  if (t.interrupted) return interrupted(t);
  if (tsva !== 0 && t.sleepUntil < 0) {
    const sec = readI64(t.mm, tsva), nsec = readI64(t.mm, tsva + 8);
    if (sec < 0 || nsec < 0 || nsec > 999999999) return -EINVAL;
    t.sleepUntil = t.kernel.now() + sec * 1e9 + nsec;
  }
  const e = setMask(t, maskva, masksize);
  if (e) { t.sleepUntil = -1; return e; }
  return epollWait(t, epfd, evva, maxevents, tsva === 0 ? -1 : t.sleepUntil, maskva);
}

export const epollSyscalls: SyscallDefs = {
  [NR.epoll_create1]: def('epoll_create1', 'x', sysEpollCreate1),
  [NR.epoll_ctl]: def('epoll_ctl', 'fdfp', sysEpollCtl, 'supported', 'EPOLLEXCLUSIVE accepted (every waiter wakes); EPOLLWAKEUP ignored'),
  [NR.epoll_pwait]: def('epoll_pwait', 'fpddpu', sysEpollPwait),
  [NR.epoll_pwait2]: def('epoll_pwait2', 'fpdppu', sysEpollPwait2),
};
