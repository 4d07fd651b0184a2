// POSIX message queues (mq_overview(7)): mq_open, mq_unlink, mq_timedsend,
// mq_timedreceive, mq_notify, mq_getsetattr, after Linux's ipc/mqueue.c. The queues
// are inodes of fs/mqueue.ts. A sleeping receiver is handed the next message directly
// and a sleeping sender's message moves in when a receive makes room (Linux's
// pipelined send/receive), so waiters are served in arrival order.
import type { Task } from '../kernel/task.js';
import { TaskState } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import {
  EACCES, EBADF, EBUSY, EEXIST, EINTR, EINVAL, EAGAIN, EMSGSIZE, ENAMETOOLONG, ENOENT, ENOTSOCK, EPERM, ETIMEDOUT,
} from '../abi/linux/errno.js';
import { O_ACCMODE, O_CREAT, O_EXCL, O_NONBLOCK, O_RDONLY, O_WRONLY } from '../abi/linux/fcntl.js';
import { SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD } from '../abi/linux/events.js';
import { CLOCK_REALTIME } from '../abi/linux/misc.js';
import { copyIn, copyOut, readCBytes, readI64, writeU32 } from '../mm/usercopy.js';
import { BLOCK, WaitQueue } from '../lib/waitqueue.js';
import { MqDir, MqFile, MqInode, MqMsg, MqSleeper, mqMount, MQ_PRIO_MAX, NOTIFY_COOKIE_LEN, NOTIFY_WOKENUP } from '../fs/mqueue.js';
import { permission, MAY_READ, MAY_WRITE } from '../fs/vfs/inode.js';
import { Dentry } from '../fs/vfs/dentry.js';
import { NetlinkSocket } from '../net/inet/netlink.js';
import { Socket } from '../net/socket.js';
import { sendSignal } from '../kernel/signal.js';
import { SigInfo, SI_MESGQ } from '../kernel/siginfo.js';
import { clockNs } from './sys_time.js';

const NAME_MAX = 255, _NSIG = 64;
const RLIMIT_MSGQUEUE = 12;

/** A sleep in send/receive, with the wait queue only a hand-off (or timer/signal) wakes. */
interface Sleep extends MqSleeper { q: MqInode; wq: WaitQueue; send: boolean; }
const sleeping = new WeakMap<Task, Sleep>();

/** The queue name: lookup_one_len's rules (EACCES) and NAME_MAX. */
function readName(t: Task, va: number): string | number {
  const b = readCBytes(t.mm, va, 4096);
  if (b === null) return -ENAMETOOLONG;
  const name = Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
  if (name === '' || name === '.' || name === '..' || name.includes('/')) return -EACCES;
  if (name.length > NAME_MAX) return -ENAMETOOLONG;
  return name;
}

function mqFile(t: Task, fd: number): MqFile | number {
  const f = t.files.get(fd | 0);
  return f instanceof MqFile ? f : -EBADF;
}

function mqOpen(t: Task, nameVa: number, oflag: number, mode: number, attrVa: number): number {
  oflag |= 0;
  let attr: [number, number] | null = null;
  if (attrVa !== 0) attr = [readI64(t.mm, attrVa + 8), readI64(t.mm, attrVa + 16)];
  const name = readName(t, nameVa);
  if (typeof name === 'number') return name;
  const m = mqMount();
  const dir = m.sb.root as unknown as MqDir;
  let q = dir.entries.get(name);
  if (q === undefined) {
    if (!(oflag & O_CREAT)) return -ENOENT;
    const lim = t.rlim.cur[RLIMIT_MSGQUEUE];
    const r = dir.newQueue(name, mode & ~t.fs.umask & 0o7777, t.cred, oflag & O_CREAT ? attr : null, lim, t.cred.euid === 0);
    if (typeof r === 'number') return r;
    q = r;
  } else {
    if ((oflag & (O_CREAT | O_EXCL)) === (O_CREAT | O_EXCL)) return -EEXIST;
    const acc = oflag & O_ACCMODE;
    if (acc === O_ACCMODE) return -EINVAL;
    const e = permission(q, t.cred, acc === O_RDONLY ? MAY_READ : acc === O_WRONLY ? MAY_WRITE : MAY_READ | MAY_WRITE);
    if (e) return e;
  }
  const d = m.root.children.get(name) ?? new Dentry(name, m.root, q);
  if (d.inode !== q) return -ENOENT;
  m.root.children.set(name, d);
  // O_RDWR|O_WRONLY on a new queue opens it for neither (OPEN_FMODE), as Linux.
  const f = new MqFile(oflag & ~(O_CREAT | O_EXCL), { mnt: m, d }, q);
  if ((oflag & O_ACCMODE) === O_ACCMODE) f.noAccess = true;
  const fd = t.files.alloc(f, true); // mq_open's fds are always close-on-exec
  if (fd < 0) { f.get(); f.put(); }
  return fd;
}

function mqUnlink(t: Task, nameVa: number): number {
  const name = readName(t, nameVa);
  if (typeof name === 'number') return name;
  const m = mqMount();
  const dir = m.sb.root as unknown as MqDir;
  const q = dir.entries.get(name);
  if (q === undefined) return -ENOENT;
  // may_delete in the sticky 1777 root: owner of the queue or of the directory (or root).
  const u = t.cred.fsuid;
  if (u !== 0 && u !== q.uid && u !== dir.uid) return -EPERM;
  const d = m.root.children.get(name);
  if (d) { d.unlinked = true; m.root.children.delete(name); }
  return dir.unlink(name, q);
}

/** mq_timed*'s timeout: an absolute CLOCK_REALTIME time as a monotonic deadline (≥ 0),
 *  NO_TIMEOUT for a null pointer, or BAD_TIMEOUT for an invalid timespec (EINVAL). */
const NO_TIMEOUT = -1, BAD_TIMEOUT = -2;
function deadlineOf(t: Task, va: number): number {
  if (va === 0) return NO_TIMEOUT;
  const sec = readI64(t.mm, va), nsec = readI64(t.mm, va + 8);
  if (sec < 0 || nsec < 0 || nsec >= 1e9) return BAD_TIMEOUT;
  const realNow = clockNs(t, CLOCK_REALTIME);
  return Math.max(0, t.kernel.now() + (sec * 1e9 + nsec - realNow));
}

/** Take back the task's earlier sleep record (it re-executes): the record, if a hand-off completed it. */
function settle(t: Task): Sleep | null {
  const s = sleeping.get(t);
  if (s === undefined) return null;
  sleeping.delete(t);
  const list = s.send ? s.q.senders : s.q.receivers;
  const i = list.indexOf(s);
  if (i >= 0) list.splice(i, 1);
  return s.done ? s : null;
}

/** First sleeper in `list` still asleep in its call (dropping stale entries). */
function firstSleeper(list: MqSleeper[]): Sleep | null {
  while (list.length > 0) {
    const s = list.shift() as Sleep;
    const task = s.who as Task;
    if (task.state === TaskState.Blocked && task.waitingOn.includes(s.wq)) return s;
  }
  return null;
}

function sleep(t: Task, q: MqInode, send: boolean, msg: MqMsg | null, deadline: number): number {
  const s: Sleep = { who: t, msg, done: false, q, wq: new WaitQueue(), send };
  (send ? q.senders : q.receivers).push(s);
  sleeping.set(t, s);
  t.blockOn(s.wq);
  if (deadline >= 0) t.kernel.wakeAt(t, deadline);
  return BLOCK;
}

/** __do_notify: the queue just became non-empty and nobody was waiting. */
function doNotify(t: Task, q: MqInode): void {
  if (q.notifyOwner === 0 || q.msgs.length !== 1) return;
  if (q.notifyKind === SIGEV_SIGNAL && q.notifySigno !== 0) {
    const owner = t.kernel.tasks.get(q.notifyOwner);
    if (owner && owner.state !== TaskState.Zombie && owner.state !== TaskState.Dead) {
      const info = SigInfo.of(q.notifySigno, SI_MESGQ, t.tgid, t.cred.uid);
      info.value = q.notifyValue;
      sendSignal(owner, q.notifySigno, info);
    }
  } else if (q.notifyKind === SIGEV_THREAD && q.notifySock && q.notifyCookie) {
    const c = q.notifyCookie.slice();
    c[NOTIFY_COOKIE_LEN - 1] = NOTIFY_WOKENUP;
    q.notifySock.deliverRaw(c);
  }
  q.notifyOwner = 0; q.notifyFiles = null; q.notifySock = null; q.notifyCookie = null;
}

function mqTimedsend(t: Task, fd: number, ptr: number, len: number, prio: number, tsVa: number): number {
  const deadline = deadlineOf(t, tsVa);
  if (deadline === BAD_TIMEOUT) return -EINVAL;
  prio >>>= 0;
  if (prio >= MQ_PRIO_MAX) return -EINVAL;
  const f = mqFile(t, fd);
  if (typeof f === 'number') return f;
  if (!f.writable) return -EBADF;
  const q = f.inode;
  if (len > q.msgsize) return -EMSGSIZE;
  const data = new Uint8Array(len);
  copyIn(t.mm, ptr, data, 0, len);
  if (settle(t) !== null) return 0; // a receive moved our message into the queue
  if (t.interrupted) return -EINTR;
  if (q.msgs.length >= q.maxmsg) {
    if (f.flags & O_NONBLOCK) return -EAGAIN;
    if (deadline >= 0 && t.kernel.now() >= deadline) return -ETIMEDOUT;
    return sleep(t, q, true, { prio, data }, deadline);
  }
  const r = firstSleeper(q.receivers);
  if (r !== null) { r.msg = { prio, data }; r.done = true; r.wq.wakeAll(); } else { q.insert({ prio, data }); doNotify(t, q); }
  q.touchM(); q.touchA();
  q.wq.wakeAll();
  return 0;
}

function mqTimedreceive(t: Task, fd: number, ptr: number, len: number, prioVa: number, tsVa: number): number {
  const deadline = deadlineOf(t, tsVa);
  if (deadline === BAD_TIMEOUT) return -EINVAL;
  const f = mqFile(t, fd);
  if (typeof f === 'number') return f;
  if (!f.readable) return -EBADF;
  const q = f.inode;
  if (len < q.msgsize) return -EMSGSIZE;
  let m: MqMsg;
  const done = settle(t);
  if (done !== null) m = done.msg!;
  else {
    if (t.interrupted) return -EINTR;
    if (q.msgs.length === 0) {
      if (f.flags & O_NONBLOCK) return -EAGAIN;
      if (deadline >= 0 && t.kernel.now() >= deadline) return -ETIMEDOUT;
      return sleep(t, q, false, null, deadline);
    }
    m = q.take();
    q.touchM(); q.touchA();
    const s = firstSleeper(q.senders); // pipelined_receive: a waiting sender's message moves in
    if (s !== null) { q.insert(s.msg!); s.done = true; s.wq.wakeAll(); }
    q.wq.wakeAll();
  }
  if (prioVa !== 0) writeU32(t.mm, prioVa, m.prio);
  copyOut(t.mm, ptr, m.data);
  return m.data.length;
}

function mqNotify(t: Task, fd: number, sevVa: number): number {
  let kind = 0, signo = 0, value = 0;
  let sock: NetlinkSocket | null = null, cookie: Uint8Array | null = null;
  if (sevVa !== 0) {
    const raw = new Uint8Array(16);
    copyIn(t.mm, sevVa, raw, 0, 16);
    const d = new DataView(raw.buffer);
    value = readI64(t.mm, sevVa);
    signo = d.getInt32(8, true); kind = d.getInt32(12, true);
    if (kind !== SIGEV_NONE && kind !== SIGEV_SIGNAL && kind !== SIGEV_THREAD) return -EINVAL;
    if (kind === SIGEV_SIGNAL && (signo < 0 || signo > _NSIG)) return -EINVAL;
    if (kind === SIGEV_THREAD) {
      cookie = new Uint8Array(NOTIFY_COOKIE_LEN);
      copyIn(t.mm, value, cookie, 0, NOTIFY_COOKIE_LEN);
      const sf = t.files.get(signo);
      if (!sf) return -EBADF;
      if (!(sf instanceof Socket)) return -ENOTSOCK;
      if (!(sf instanceof NetlinkSocket)) return -EINVAL;
      sock = sf;
    }
  }
  const f = mqFile(t, fd);
  if (typeof f === 'number') return f;
  const q = f.inode;
  if (sevVa === 0) {
    if (q.notifyOwner === t.tgid) { q.removeNotification(); q.touchA(); q.touchC(); }
    return 0;
  }
  if (q.notifyOwner !== 0) return -EBUSY;
  q.notifyKind = kind; q.notifySigno = signo; q.notifyValue = value;
  q.notifySock = sock; q.notifyCookie = cookie;
  q.notifyOwner = t.tgid; q.notifyFiles = t.files;
  q.touchA(); q.touchC();
  return 0;
}

function mqGetsetattr(t: Task, fd: number, newVa: number, oldVa: number): number {
  let newFlags = -1;
  if (newVa !== 0) {
    newFlags = readI64(t.mm, newVa);
    if (newFlags & ~O_NONBLOCK || newFlags < 0) return -EINVAL;
  }
  const f = mqFile(t, fd);
  if (typeof f === 'number') return f;
  const q = f.inode;
  const old = new Uint8Array(64);
  const d = new DataView(old.buffer);
  d.setUint32(0, f.flags & O_NONBLOCK, true);
  d.setUint32(8, q.maxmsg, true); d.setUint32(16, q.msgsize, true); d.setUint32(24, q.msgs.length, true);
  if (newFlags >= 0) {
    f.flags = (f.flags & ~O_NONBLOCK) | newFlags;
    q.touchA(); q.touchC();
  }
  if (oldVa !== 0) copyOut(t.mm, oldVa, old);
  return 0;
}

export const mqSyscalls: SyscallDefs = {
  [NR.mq_open]: def('mq_open', 'sxop', mqOpen, 'supported', 'queues live in the mqueue filesystem (mount -t mqueue none /dev/mqueue shows them); /proc/sys/fs/mqueue limits are the defaults (10 messages, 8192 bytes, 256 queues), fixed; open(O_CREAT) on a mounted mqueue fs does not charge RLIMIT_MSGQUEUE'),
  [NR.mq_unlink]: def('mq_unlink', 's', mqUnlink),
  [NR.mq_timedsend]: def('mq_timedsend', 'dpuup', mqTimedsend),
  [NR.mq_timedreceive]: def('mq_timedreceive', 'dpupp', mqTimedreceive),
  [NR.mq_notify]: def('mq_notify', 'dp', mqNotify, 'supported', 'SIGEV_SIGNAL, SIGEV_NONE, and SIGEV_THREAD through a netlink socket (glibc\'s helper thread)'),
  [NR.mq_getsetattr]: def('mq_getsetattr', 'dpp', mqGetsetattr),
};
