// System V message queues (msgget/msgsnd/msgrcv/msgctl, msgop(2), msgctl(2)): the
// queue objects live in kernel/sysvipc.ts; this file applies Linux's ipc/msg.c rules.
import type { Task } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL, EACCES, EPERM, E2BIG, EAGAIN, EINTR, ENOSPC, ENOMSG, EIDRM } from '../abi/linux/errno.js';
import { copyIn, copyOut, readI64, writeI64 } from '../mm/usercopy.js';
import { BLOCK } from '../lib/waitqueue.js';
import {
  MsgQueue, ipcNs, ipcPermits, ipcOwner, IPC_NOWAIT, IPC_RMID, IPC_SET, IPC_STAT, IPC_INFO,
  MSGMAX, MSGMNB, MSGMNI, MSG_NOERROR, MSG_EXCEPT, MSG_COPY, IPCMNI,
} from '../kernel/sysvipc.js';
import { initPerm, writePerm, setPerm, ipcget } from './sys_ipc.js';

const S_IRUGO = 0o444, S_IWUGO = 0o222;
const IPC_64 = 0x100;
const MSG_STAT = 11, MSG_INFO = 12, MSG_STAT_ANY = 13;
const MSGSSZ = 16, MSGPOOL = MSGMNI * MSGMNB / 1024, MSGSEG = 0xffff;
const LONG_MAX = 2 ** 63 - 1;

/** The queue a task slept on in msgsnd/msgrcv (to report EIDRM after IPC_RMID woke it). */
const sleptOn = new WeakMap<Task, MsgQueue>();

function msgget(t: Task, key: number, flg: number): number {
  const ns = ipcNs(t);
  return ipcget(t, ns.msgs, key, flg, () => {
    if (ns.msgs.size >= MSGMNI) return -ENOSPC;
    const id = ns.newId(ns.msgs);
    if (id < 0) return -ENOSPC;
    const q = new MsgQueue();
    initPerm(t, ns, q.perm, key | 0, flg, id);
    q.ctime = ns.realSec();
    ns.msgs.set(id, q);
    return q;
  }, () => 0);
}

/** Blocking helpers shared by send and receive: EIDRM after a wake by IPC_RMID, EINTR on a signal. */
function wasRemoved(t: Task, id: number): boolean {
  const q = sleptOn.get(t);
  if (q === undefined) return false;
  sleptOn.delete(t);
  return q.perm.deleted && q.perm.id === id;
}

function msgsnd(t: Task, id: number, msgp: number, size: number, flg: number): number {
  id |= 0; flg |= 0;
  const removed = wasRemoved(t, id);
  const type = readI64(t.mm, msgp);
  if (size > MSGMAX || size < 0 || id < 0) return -EINVAL;
  if (type < 1) return -EINVAL;
  const text = new Uint8Array(size);
  copyIn(t.mm, msgp + 8, text, 0, size);
  if (removed) return -EIDRM;
  const ns = ipcNs(t);
  const q = ns.msgs.get(id);
  if (q === undefined) return -EINVAL;
  if (!ipcPermits(t, q.perm, S_IWUGO)) return -EACCES;
  if (size + q.cbytes > q.qbytes || 1 + q.msgs.length > q.qbytes) {
    if (flg & IPC_NOWAIT) return -EAGAIN;
    if (t.interrupted) return -EINTR;
    sleptOn.set(t, q);
    t.blockOn(q.swq);
    return BLOCK;
  }
  q.lspid = t.tgid; q.stime = ns.realSec();
  q.msgs.push({ type, text });
  q.cbytes += size;
  q.rwq.wakeAll();
  return 0;
}

/** find_msg: the index of the message msgrcv takes, or -1. */
function findMsg(q: MsgQueue, typ: number, flg: number): number {
  const m = q.msgs;
  if (flg & MSG_COPY) return typ < m.length ? typ : -1;
  if (typ === 0) return m.length > 0 ? 0 : -1;
  if (typ < 0) { // the lowest type ≤ |typ|, first of equals
    const lim = typ === -(2 ** 63) ? LONG_MAX : -typ;
    let best = -1;
    for (let i = 0; i < m.length; i++) if (m[i].type <= lim && (best < 0 || m[i].type < m[best].type)) best = i;
    return best;
  }
  const except = (flg & MSG_EXCEPT) !== 0;
  for (let i = 0; i < m.length; i++) if ((m[i].type === typ) !== except) return i;
  return -1;
}

function msgrcv(t: Task, id: number, msgp: number, size: number, typ: number, flg: number): number {
  id |= 0; flg |= 0;
  const removed = wasRemoved(t, id);
  if (id < 0 || size < 0) return -EINVAL;
  if ((flg & MSG_COPY) && ((flg & MSG_EXCEPT) || !(flg & IPC_NOWAIT))) return -EINVAL;
  if (removed) return -EIDRM;
  const ns = ipcNs(t);
  const q = ns.msgs.get(id);
  if (q === undefined) return -EINVAL;
  if (!ipcPermits(t, q.perm, S_IRUGO)) return -EACCES;
  const i = findMsg(q, typ, flg);
  if (i < 0) {
    if (flg & IPC_NOWAIT) return -ENOMSG;
    if (t.interrupted) return -EINTR;
    sleptOn.set(t, q);
    t.blockOn(q.rwq);
    return BLOCK;
  }
  const m = q.msgs[i];
  if (size < m.text.length && !(flg & MSG_NOERROR)) return -E2BIG;
  if (flg & MSG_COPY) {
    // The copy buffer is min(size, MSGMAX) bytes; a longer message does not fit.
    if (m.text.length > Math.min(size, MSGMAX)) return -EINVAL;
  } else {
    q.msgs.splice(i, 1);
    q.cbytes -= m.text.length;
    q.rtime = ns.realSec(); q.lrpid = t.tgid;
    q.swq.wakeAll();
  }
  const n = Math.min(size, m.text.length);
  writeI64(t.mm, msgp, m.type);
  copyOut(t.mm, msgp + 8, m.text.subarray(0, n));
  return n;
}

function msgctl(t: Task, id: number, cmd: number, buf: number): number {
  id |= 0; cmd = (cmd | 0) & ~IPC_64;
  if (id < 0 || cmd < 0) return -EINVAL;
  const ns = ipcNs(t);
  switch (cmd) {
    case IPC_INFO: case MSG_INFO: {
      const raw = new Uint8Array(32);
      const d = new DataView(raw.buffer);
      let hdrs = 0, bytes = 0;
      for (const q of ns.msgs.values()) { hdrs += q.msgs.length; bytes += q.cbytes; }
      d.setInt32(0, cmd === MSG_INFO ? ns.msgs.size : MSGPOOL, true);
      d.setInt32(4, cmd === MSG_INFO ? hdrs : MSGMNB, true);
      d.setInt32(8, MSGMAX, true); d.setInt32(12, MSGMNB, true); d.setInt32(16, MSGMNI, true);
      d.setInt32(20, MSGSSZ, true);
      d.setInt32(24, cmd === MSG_INFO ? bytes : MSGMNB, true);
      d.setUint16(28, MSGSEG, true);
      copyOut(t.mm, buf, raw);
      return Math.max(0, ns.maxIdx(ns.msgs));
    }
    case IPC_STAT: case MSG_STAT: case MSG_STAT_ANY: {
      const q = cmd === IPC_STAT ? ns.msgs.get(id) : ns.byIdx(ns.msgs, id % IPCMNI);
      if (q === undefined) return -EINVAL;
      if (cmd !== MSG_STAT_ANY && !ipcPermits(t, q.perm, S_IRUGO)) return -EACCES;
      const raw = new Uint8Array(120);
      const d = new DataView(raw.buffer);
      writePerm(d, q.perm);
      d.setInt32(48, q.stime, true); d.setInt32(52, Math.floor(q.stime / 2 ** 32), true);
      d.setInt32(56, q.rtime, true); d.setInt32(60, Math.floor(q.rtime / 2 ** 32), true);
      d.setInt32(64, q.ctime, true); d.setInt32(68, Math.floor(q.ctime / 2 ** 32), true);
      d.setUint32(72, q.cbytes, true);
      d.setUint32(80, q.msgs.length, true);
      d.setUint32(88, q.qbytes % 2 ** 32, true); d.setUint32(92, Math.floor(q.qbytes / 2 ** 32), true);
      d.setInt32(96, q.lspid, true); d.setInt32(100, q.lrpid, true);
      copyOut(t.mm, buf, raw);
      return cmd === IPC_STAT ? 0 : q.perm.id;
    }
    case IPC_SET: {
      const raw = new Uint8Array(120);
      copyIn(t.mm, buf, raw, 0, raw.length);
      const d = new DataView(raw.buffer);
      const qbytes = d.getUint32(88, true) + d.getUint32(92, true) * 2 ** 32;
      const q = ns.msgs.get(id);
      if (q === undefined) return -EINVAL;
      if (!ipcOwner(t, q.perm)) return -EPERM;
      if (qbytes > MSGMNB && t.cred.euid !== 0) return -EPERM; // CAP_SYS_RESOURCE
      setPerm(t, q.perm, buf);
      q.qbytes = qbytes;
      q.ctime = ns.realSec();
      q.rwq.wakeAll(); q.swq.wakeAll(); // receivers recheck permissions, senders the new limit
      return 0;
    }
    case IPC_RMID: {
      const q = ns.msgs.get(id);
      if (q === undefined) return -EINVAL;
      if (!ipcOwner(t, q.perm)) return -EPERM;
      ns.removeMsg(q);
      return 0;
    }
    default: return -EINVAL;
  }
}

export const msgSyscalls: SyscallDefs = {
  [NR.msgget]: def('msgget', 'xo', msgget),
  [NR.msgsnd]: def('msgsnd', 'dpux', msgsnd),
  [NR.msgrcv]: def('msgrcv', 'dpudx', msgrcv, 'supported', 'types 0/>0/<0, MSG_EXCEPT, MSG_NOERROR, MSG_COPY; several waiting receivers: the first to run after the wake takes the message'),
  [NR.msgctl]: def('msgctl', 'ddp', msgctl, 'supported', 'IPC_STAT/SET/RMID, IPC_INFO, MSG_INFO, MSG_STAT(_ANY)'),
};
