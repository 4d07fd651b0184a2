// Socket syscalls: decode the arguments (sockaddr, msghdr, iovecs, cmsgs), check them,
// and call the Socket's methods (net/socket.ts). SO_RCVTIMEO/SO_SNDTIMEO deadlines, SIGPIPE
// and fd installation for SCM_RIGHTS live here; everything family-specific is in net/.
import { Task, TaskState } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import {
  EBADF, EINVAL, ENOTSOCK, EAFNOSUPPORT, EPIPE, EAGAIN, EMSGSIZE, ENOBUFS, EPERM, EFAULT,
} from '../abi/linux/errno.js';
import { O_NONBLOCK, O_RDWR } from '../abi/linux/fcntl.js';
import {
  SOCK_TYPE_MASK, SOCK_NONBLOCK, SOCK_CLOEXEC, AF_MAX, MSG_DONTWAIT, MSG_NOSIGNAL, MSG_CMSG_CLOEXEC,
  MSG_CTRUNC, MSG_WAITFORONE, SOCKADDR_MAX, SOL_SOCKET, SCM_RIGHTS, SCM_CREDENTIALS, SCM_MAX_FD,
  MSGHDR_NAME, MSGHDR_NAMELEN, MSGHDR_IOV, MSGHDR_IOVLEN, MSGHDR_CONTROL, MSGHDR_CONTROLLEN,
  MSGHDR_FLAGS, MMSGHDR_SIZE, CMSGHDR_SIZE, cmsgAlign, cmsgLen, cmsgSpace, UCRED_SIZE, SO_ATTACH_FILTER, SOCK_FPROG_SIZE,
} from '../abi/linux/socket.js';
import { BPF_MAXINSNS } from '../net/bpf.js';
import { copyOut, readBytes, readI32, readI64, readU32, writeU32 } from '../mm/usercopy.js';
import { BLOCK } from '../lib/waitqueue.js';
import type { File } from '../fs/vfs/file.js';
import { Socket, Cmsg, RecvMsg, SendMsg, createSocket, createSocketPair } from '../net/index.js';
import { sendSignal } from '../kernel/signal.js';
import { SigInfo, SI_USER } from '../kernel/siginfo.js';
import { MAX_RW_COUNT, UIO_MAXIOV } from '../abi/linux/fs.js';
import { readIov, iovTotal, gather, scatter } from './iovec.js';

const SIGPIPE = 13;

// ---- helpers -------------------------------------------------------------------------

function sockOf(t: Task, fd: number): Socket | number {
  const f = t.files.get(fd | 0);
  if (!f) return -EBADF;
  return f instanceof Socket ? f : -ENOTSOCK;
}

/** A guest sockaddr of len bytes (null when absent). */
function readAddr(t: Task, va: number, len: number): Uint8Array | null | number {
  len |= 0;
  if (len < 0 || len > SOCKADDR_MAX) return -EINVAL;
  if (va === 0 || len === 0) return len === 0 ? null : -EFAULT;
  return readBytes(t.mm, va, len);
}

/** Store an address for the guest: *lenva is the buffer size in, the full size out. */
function writeAddr(t: Task, va: number, lenva: number, a: Uint8Array | null): number {
  if (va === 0 || lenva === 0) return 0;
  const cap = readI32(t.mm, lenva);
  if (cap < 0) return -EINVAL;
  const n = a ? a.length : 0;
  if (a && n) copyOut(t.mm, va, a, 0, Math.min(cap, n));
  writeU32(t.mm, lenva, n);
  return 0;
}

/** Apply SO_RCVTIMEO/SO_SNDTIMEO to an operation's result (BLOCK keeps the deadline). */
function timed<T>(t: Task, timeoNs: number, r: T | number): T | number {
  if (r !== BLOCK) { done(t); return r; }
  if (timeoNs > 0) {
    const now = t.kernel.now();
    if (t.sleepUntil < 0) t.sleepUntil = now + timeoNs;
    else if (now >= t.sleepUntil) {
      // Time is up: leave the wait queues the operation joined.
      for (const q of t.waitingOn) q.remove(t);
      t.waitingOn.length = 0;
      t.state = TaskState.Runnable;
      done(t);
      return -EAGAIN;
    }
    t.kernel.wakeAt(t, t.sleepUntil);
  }
  return BLOCK;
}
function done(t: Task): void {
  t.sleepUntil = -1;
  if (t.sleepTimer !== null) { t.kernel.timers.cancel(t.sleepTimer); t.sleepTimer = null; }
}

function epipe(t: Task, r: number, flags: number): number {
  if (r === -EPIPE && !(flags & MSG_NOSIGNAL)) sendSignal(t, SIGPIPE, SigInfo.of(SIGPIPE, SI_USER, t.pid, t.cred.uid), true);
  return r;
}

function dropFiles(files: File[]): void { for (const f of files) f.put(); }

/** Decode msg_control for sending. */
function readControl(t: Task, va: number, len: number): Cmsg[] | number {
  const out: Cmsg[] = [];
  if (len === 0) return out;
  if (len > 0x7fffffff) return -ENOBUFS;
  if (len < CMSGHDR_SIZE) return -EINVAL;
  const raw = readBytes(t.mm, va, Math.min(len, 1 << 20));
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let off = 0;
  while (off + CMSGHDR_SIZE <= raw.length) {
    const clen = v.getUint32(off, true) + v.getUint32(off + 4, true) * 2 ** 32;
    const level = v.getInt32(off + 8, true), type = v.getInt32(off + 12, true);
    if (clen < CMSGHDR_SIZE || clen > raw.length - off) return -EINVAL;
    const data = raw.slice(off + CMSGHDR_SIZE, off + clen);
    const dv = new DataView(data.buffer);
    if (level === SOL_SOCKET) {
      if (type === SCM_RIGHTS) {
        const n = Math.floor(data.length / 4);
        if (n > SCM_MAX_FD) return -EINVAL;
        const files: File[] = [];
        for (let i = 0; i < n; i++) {
          const f = t.files.get(dv.getInt32(i * 4, true));
          if (!f) return -EBADF;
          files.push(f);
        }
        if (n) out.push({ level, type, data, files });
      } else if (type === SCM_CREDENTIALS) {
        if (clen !== cmsgLen(UCRED_SIZE)) return -EINVAL;
        const pid = dv.getInt32(0, true), uid = dv.getUint32(4, true), gid = dv.getUint32(8, true);
        const c = t.cred;
        if (pid !== t.pid && c.euid !== 0) return -EPERM;
        if (c.euid !== 0 && uid !== c.uid && uid !== c.euid && uid !== c.suid) return -EPERM;
        if (c.egid !== 0 && c.euid !== 0 && gid !== c.gid && gid !== c.egid && gid !== c.sgid) return -EPERM;
        out.push({ level, type, data, cred: { pid, uid, gid } });
      } else return -EINVAL;
    } else out.push({ level, type, data });
    off += cmsgAlign(clen);
  }
  return out;
}

/** Encode received control messages into the guest buffer; returns [bytes used, extra msg_flags]. */
function writeControl(t: Task, va: number, cap: number, control: Cmsg[], flags: number): [number, number] {
  let used = 0, mflags = 0;
  const put = (level: number, type: number, data: Uint8Array): boolean => {
    const room = cap - used;
    if (room < CMSGHDR_SIZE) { mflags |= MSG_CTRUNC; return false; }
    let clen = cmsgLen(data.length);
    if (room < clen) { mflags |= MSG_CTRUNC; clen = room; }
    const b = new Uint8Array(clen), v = new DataView(b.buffer);
    v.setUint32(0, clen, true); v.setInt32(8, level, true); v.setInt32(12, type, true);
    b.set(data.subarray(0, clen - CMSGHDR_SIZE), CMSGHDR_SIZE);
    copyOut(t.mm, va + used, b);
    used = Math.min(cap, used + cmsgSpace(data.length));
    return true;
  };
  for (const cm of control) {
    if (cm.files) {
      const files = cm.files;
      const room = va === 0 ? 0 : cap - used;
      const fit = room < CMSGHDR_SIZE ? 0 : Math.min(files.length, Math.floor((room - CMSGHDR_SIZE) / 4));
      const fds: number[] = [];
      for (let i = 0; i < fit; i++) {
        const fd = t.files.alloc(files[i], (flags & MSG_CMSG_CLOEXEC) !== 0);
        if (fd < 0) break;
        fds.push(fd);
      }
      if (fds.length < files.length) mflags |= MSG_CTRUNC;
      dropFiles(files);
      if (fds.length) {
        const data = new Uint8Array(fds.length * 4), dv = new DataView(data.buffer);
        fds.forEach((fd, i) => dv.setInt32(i * 4, fd, true));
        put(cm.level, cm.type, data);
      }
      continue;
    }
    if (va === 0) { mflags |= MSG_CTRUNC; continue; }
    let data = cm.data;
    if (cm.cred) {
      data = new Uint8Array(UCRED_SIZE);
      const dv = new DataView(data.buffer);
      dv.setInt32(0, cm.cred.pid, true); dv.setUint32(4, cm.cred.uid, true); dv.setUint32(8, cm.cred.gid, true);
    }
    put(cm.level, cm.type, data);
  }
  return [used, mflags];
}

function nonblockOf(s: Socket, flags: number): boolean {
  return (s.flags & O_NONBLOCK) !== 0 || (flags & MSG_DONTWAIT) !== 0;
}

/** Install a new socket as an fd (with SOCK_NONBLOCK/SOCK_CLOEXEC flags). */
function install(t: Task, s: Socket, flags: number): number {
  s.flags = O_RDWR | ((flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0);
  const fd = t.files.alloc(s, (flags & SOCK_CLOEXEC) !== 0);
  if (fd < 0) { s.get(); s.put(); }
  return fd;
}

// ---- socket, socketpair, bind, listen, accept, connect, shutdown ------------------------

function checkTypeFlags(type: number): number {
  return (type & ~SOCK_TYPE_MASK & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) ? -EINVAL : 0;
}

function sysSocket(t: Task, domain: number, type: number, protocol: number): number {
  domain |= 0; type |= 0; protocol |= 0;
  if (domain < 0 || domain >= AF_MAX) return -EAFNOSUPPORT;
  const e = checkTypeFlags(type);
  if (e) return e;
  const s = createSocket(domain, type & SOCK_TYPE_MASK, protocol, t);
  if (typeof s === 'number') return s;
  return install(t, s, type);
}

function sysSocketpair(t: Task, domain: number, type: number, protocol: number, sv: number): number {
  domain |= 0; type |= 0; protocol |= 0;
  if (domain < 0 || domain >= AF_MAX) return -EAFNOSUPPORT;
  const e = checkTypeFlags(type);
  if (e) return e;
  const p = createSocketPair(domain, type & SOCK_TYPE_MASK, protocol, t);
  if (typeof p === 'number') return p;
  const a = install(t, p[0], type);
  if (a < 0) { p[1].get(); p[1].put(); return a; }
  const b = install(t, p[1], type);
  if (b < 0) { t.files.close(a); return b; }
  const buf = new Uint8Array(8), v = new DataView(buf.buffer);
  v.setInt32(0, a, true); v.setInt32(4, b, true);
  try { copyOut(t.mm, sv, buf); } catch (err) { t.files.close(a); t.files.close(b); throw err; }
  return 0;
}

function sysBind(t: Task, fd: number, va: number, len: number): number {
  const s = sockOf(t, fd);
  if (typeof s === 'number') return s;
  const a = readAddr(t, va, len);
  if (typeof a === 'number') return a;
  return s.bind(a ?? new Uint8Array(0), t);
}

function sysListen(t: Task, fd: number, backlog: number): number {
  const s = sockOf(t, fd);
  if (typeof s === 'number') return s;
  return s.listen(backlog | 0, t);
}

function sysAccept4(t: Task, fd: number, va: number, lenva: number, flags: number): number {
  if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) return -EINVAL;
  const s = sockOf(t, fd);
  if (typeof s === 'number') return s;
  if (va !== 0 && lenva !== 0 && readI32(t.mm, lenva) < 0) return -EINVAL;
  const r = s.accept(t, (s.flags & O_NONBLOCK) !== 0);
  if (typeof r === 'number') return timed(t, s.rcvTimeoNs, r);
  done(t);
  const peer = r.getpeername();
  const nfd = install(t, r, flags);
  if (nfd < 0) return nfd;
  writeAddr(t, va, lenva, typeof peer === 'number' ? new Uint8Array([s.family & 0xff, s.family >> 8]) : peer);
  return nfd;
}

function sysConnect(t: Task, fd: number, va: number, len: number): number {
  const s = sockOf(t, fd);
  if (typeof s === 'number') return s;
  const a = readAddr(t, va, len);
  if (typeof a === 'number') return a;
  return timed(t, s.sndTimeoNs, s.connect(a ?? new Uint8Array(0), t, (s.flags & O_NONBLOCK) !== 0));
}

function sysShutdown(t: Task, fd: number, how: number): number {
  const s = sockOf(t, fd);
  if (typeof s === 'number') return s;
  return s.shutdown(how | 0);
}

function sysGetsockname(t: Task, fd: number, va: number, lenva: number): number {
  const s = sockOf(t, fd);
  if (typeof s === 'number') return s;
  if (readI32(t.mm, lenva) < 0) return -EINVAL;
  const a = s.getsockname();
  if (typeof a === 'number') return a;
  return writeAddr(t, va, lenva, a);
}

function sysGetpeername(t: Task, fd: number, va: number, lenva: number): number {
  const s = sockOf(t, fd);
  if (typeof s === 'number') return s;
  if (readI32(t.mm, lenva) < 0) return -EINVAL;
  const a = s.getpeername();
  if (typeof a === 'number') return a;
  return writeAddr(t, va, lenva, a);
}

// ---- options ------------------------------------------------------------------------

function sysGetsockopt(t: Task, fd: number, level: number, name: number, va: number, lenva: number): number {
  const s = sockOf(t, fd);
  if (typeof s === 'number') return s;
  const cap = readI32(t.mm, lenva);
  if (cap < 0) return -EINVAL;
  const v = s.getsockopt(level | 0, name | 0, t);
  if (typeof v === 'number') return v;
  const n = Math.min(cap, v.length);
  if (n) copyOut(t.mm, va, v, 0, n);
  writeU32(t.mm, lenva, n);
  return 0;
}

function sysSetsockopt(t: Task, fd: number, level: number, name: number, va: number, len: number): number {
  const s = sockOf(t, fd);
  if (typeof s === 'number') return s;
  len |= 0;
  if (len < 0) return -EINVAL;
  let val = len ? readBytes(t.mm, va, Math.min(len, 65536)) : new Uint8Array(0);
  if ((level | 0) === SOL_SOCKET && (name | 0) === SO_ATTACH_FILTER) {
    // struct sock_fprog {u16 len; struct sock_filter *filter}: families get the instructions.
    if (len < SOCK_FPROG_SIZE) return -EINVAL;
    const n = val[0] | (val[1] << 8);
    if (n === 0 || n > BPF_MAXINSNS) return -EINVAL;
    val = readBytes(t.mm, readI64(t.mm, va + 8), n * 8);
  }
  return s.setsockopt(level | 0, name | 0, val, t);
}

// ---- data ---------------------------------------------------------------------------

function doSend(t: Task, s: Socket, data: Uint8Array, addr: Uint8Array | null, control: Cmsg[], flags: number): number {
  const m: SendMsg = { data, addr, control, flags };
  const r = timed(t, s.sndTimeoNs, s.sendmsg(t, m, nonblockOf(s, flags)));
  return epipe(t, r, flags);
}

function sysSendto(t: Task, fd: number, buf: number, len: number, flags: number, va: number, alen: number): number {
  const s = sockOf(t, fd);
  if (typeof s === 'number') return s;
  const a = va === 0 ? null : readAddr(t, va, alen);
  if (typeof a === 'number') return a;
  const n = Math.min(Math.max(len, 0), MAX_RW_COUNT);
  const data = n ? readBytes(t.mm, buf, n) : new Uint8Array(0);
  return doSend(t, s, data, a, [], flags | 0);
}

function sysRecvfrom(t: Task, fd: number, buf: number, len: number, flags: number, va: number, lenva: number): number {
  const s = sockOf(t, fd);
  if (typeof s === 'number') return s;
  flags |= 0;
  if (va !== 0 && lenva !== 0 && readI32(t.mm, lenva) < 0) return -EINVAL;
  const r = timed(t, s.rcvTimeoNs, s.recvmsg(t, Math.min(Math.max(len, 0), MAX_RW_COUNT), flags, nonblockOf(s, flags)));
  if (typeof r === 'number') return r;
  for (const cm of r.control) if (cm.files) dropFiles(cm.files);
  if (r.data.length) copyOut(t.mm, buf, r.data);
  if (va !== 0 && lenva !== 0) writeAddr(t, va, lenva, r.addr);
  return r.len;
}

/** sendmsg on one struct msghdr at va. */
function sendOne(t: Task, s: Socket, va: number, flags: number): number {
  const nameva = readI64(t.mm, va + MSGHDR_NAME), namelen = readU32(t.mm, va + MSGHDR_NAMELEN);
  const iov = readI64(t.mm, va + MSGHDR_IOV), iovlen = readI64(t.mm, va + MSGHDR_IOVLEN);
  const ctl = readI64(t.mm, va + MSGHDR_CONTROL), ctllen = readI64(t.mm, va + MSGHDR_CONTROLLEN);
  const a = nameva === 0 ? null : readAddr(t, nameva, namelen);
  if (typeof a === 'number') return a;
  const v = readIov(t, iov, iovlen, -EMSGSIZE);
  if (typeof v === 'number') return v;
  const control = readControl(t, ctl, ctllen);
  if (typeof control === 'number') return control;
  return doSend(t, s, gather(t, v), a, control, flags);
}

/** recvmsg into one struct msghdr at va. */
function recvOne(t: Task, s: Socket, va: number, flags: number, nonblock: boolean): number {
  const nameva = readI64(t.mm, va + MSGHDR_NAME);
  const iov = readI64(t.mm, va + MSGHDR_IOV), iovlen = readI64(t.mm, va + MSGHDR_IOVLEN);
  const ctl = readI64(t.mm, va + MSGHDR_CONTROL), ctllen = readI64(t.mm, va + MSGHDR_CONTROLLEN);
  const v = readIov(t, iov, iovlen, -EMSGSIZE);
  if (typeof v === 'number') return v;
  const size = iovTotal(v);
  const r: RecvMsg | number = timed(t, s.rcvTimeoNs, s.recvmsg(t, size, flags, nonblock));
  if (typeof r === 'number') return r;
  scatter(t, v, r.data);
  if (nameva !== 0) {
    const cap = readI32(t.mm, va + MSGHDR_NAMELEN);
    const a = r.addr;
    if (a && a.length) copyOut(t.mm, nameva, a, 0, Math.min(Math.max(cap, 0), a.length));
    writeU32(t.mm, va + MSGHDR_NAMELEN, a ? a.length : 0);
  } else writeU32(t.mm, va + MSGHDR_NAMELEN, 0);
  const [used, cflags] = writeControl(t, ctl, ctl === 0 ? 0 : Math.min(ctllen, 0x7fffffff), r.control, flags);
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, used, true);
  copyOut(t.mm, va + MSGHDR_CONTROLLEN, b);
  writeU32(t.mm, va + MSGHDR_FLAGS, r.flags | cflags | (flags & MSG_CMSG_CLOEXEC));
  return r.len;
}

function sysSendmsg(t: Task, fd: number, va: number, flags: number): number {
  const s = sockOf(t, fd);
  if (typeof s === 'number') return s;
  return sendOne(t, s, va, flags | 0);
}

function sysRecvmsg(t: Task, fd: number, va: number, flags: number): number {
  const s = sockOf(t, fd);
  if (typeof s === 'number') return s;
  flags |= 0;
  return recvOne(t, s, va, flags, nonblockOf(s, flags));
}

function sysSendmmsg(t: Task, fd: number, vec: number, vlen: number, flags: number): number {
  const s = sockOf(t, fd);
  if (typeof s === 'number') return s;
  vlen = Math.min(vlen >>> 0, UIO_MAXIOV);
  flags |= 0;
  let i = 0;
  for (; i < vlen; i++) {
    const va = vec + i * MMSGHDR_SIZE;
    const r = sendOne(t, s, va, flags);
    if (r < 0) {
      if (i === 0) return r;
      if (r === BLOCK) { for (const q of t.waitingOn) q.remove(t); t.waitingOn.length = 0; t.state = TaskState.Runnable; done(t); }
      break;
    }
    writeU32(t.mm, va + 56, r);
  }
  return i;
}

function sysRecvmmsg(t: Task, fd: number, vec: number, vlen: number, flags: number, _tmo: number): number {
  const s = sockOf(t, fd);
  if (typeof s === 'number') return s;
  vlen = Math.min(vlen >>> 0, UIO_MAXIOV);
  flags |= 0;
  let i = 0;
  for (; i < vlen; i++) {
    const va = vec + i * MMSGHDR_SIZE;
    // Restarts keep no continuation: only the first message may wait (as if MSG_WAITFORONE).
    const nb = nonblockOf(s, flags) || i > 0;
    const r = recvOne(t, s, va, flags & ~MSG_WAITFORONE, nb);
    if (r < 0) {
      if (i === 0) return r;
      break;
    }
    writeU32(t.mm, va + 56, r);
  }
  return i;
}

export const socketSyscalls: SyscallDefs = {
  [NR.socket]: def('socket', 'ddd', sysSocket, 'partial', 'AF_UNIX; AF_INET (TCP, UDP, ping sockets; SOCK_RAW for root); AF_NETLINK (NETLINK_ROUTE); AF_PACKET SOCK_RAW/SOCK_DGRAM for root (no SOCK_PACKET, no mmap rings); AF_INET6 TCP, UDP, ICMPv6 ping sockets and SOCK_RAW for root over ::1 and IPv4-mapped addresses (IPv6 on lo only); others EAFNOSUPPORT'),
  [NR.socketpair]: def('socketpair', 'dddp', sysSocketpair),
  [NR.bind]: def('bind', 'fpd', sysBind),
  [NR.listen]: def('listen', 'fd', sysListen),
  [NR.accept]: def('accept', 'fpp', (t, a, b, c) => sysAccept4(t, a, b, c, 0)),
  [NR.accept4]: def('accept4', 'fppx', sysAccept4),
  [NR.connect]: def('connect', 'fpd', sysConnect),
  [NR.getsockname]: def('getsockname', 'fpp', sysGetsockname),
  [NR.getpeername]: def('getpeername', 'fpp', sysGetpeername),
  [NR.sendto]: def('sendto', 'fpdxpd', sysSendto),
  [NR.recvfrom]: def('recvfrom', 'fpdxpp', sysRecvfrom),
  [NR.setsockopt]: def('setsockopt', 'fddpd', sysSetsockopt, 'partial', 'SO_ATTACH_FILTER (classic BPF) filters AF_PACKET sockets only; unknown options ENOPROTOOPT'),
  [NR.getsockopt]: def('getsockopt', 'fddpp', sysGetsockopt),
  [NR.shutdown]: def('shutdown', 'fd', sysShutdown),
  [NR.sendmsg]: def('sendmsg', 'fpx', sysSendmsg),
  [NR.recvmsg]: def('recvmsg', 'fpx', sysRecvmsg),
  [NR.sendmmsg]: def('sendmmsg', 'fpdx', sysSendmmsg),
  [NR.recvmmsg]: def('recvmmsg', 'fpdxp', sysRecvmmsg, 'partial', 'the timeout is ignored; only the first message waits'),
};
