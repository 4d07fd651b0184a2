// The generic socket layer: an abstract Socket (an open file) and the registry of
// address families. The syscalls in syscalls/sys_socket.ts only decode arguments
// (sockaddr, msghdr, iovecs, cmsgs) and call a Socket's methods; each family (net/unix.ts,
// net/inet/**, netlink …) subclasses Socket and registers a constructor here:
//
//   registerFamily(AF_INET, { create(type, protocol, c) { … return sock or -errno } });
//
// Conventions (the same as every File in tuml):
// - Methods return a value, -errno, or BLOCK after calling c.blockOn(queue); a blocked
//   syscall is re-executed from the start when woken, so a method keeps any state that
//   must survive the restart on the socket itself (e.g. "connect in progress").
// - `nonblock` is O_NONBLOCK of the file or MSG_DONTWAIT: never block, return -EAGAIN
//   (or -EINPROGRESS from connect).
// - Addresses are raw struct sockaddr bytes as the guest gave them (the syscall layer
//   checks 0 <= len <= 128 and copies them in); families parse and validate them, and
//   return the bytes of their own addresses for getsockname/getpeername/recvmsg.
// - SO_RCVTIMEO/SO_SNDTIMEO are applied by the syscall layer around a BLOCK result
//   (rcvTimeoNs/sndTimeoNs below); SIGPIPE for -EPIPE likewise (unless MSG_NOSIGNAL).
// - Readiness: override poll() (POLL* bits) and waitQueue (woken on every change);
//   ppoll, select and epoll use them.
import {
  EINVAL, ENOPROTOOPT, EOPNOTSUPP, EAFNOSUPPORT, ENOTCONN, EPERM, ESPIPE, EDOM, ENOTTY,
} from '../abi/linux/errno.js';
import { O_RDWR, O_NONBLOCK } from '../abi/linux/fcntl.js';
import { S_IFSOCK } from '../abi/linux/stat.js';
import {
  SOL_SOCKET, SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ERROR, SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE,
  SO_RCVBUF, SO_SNDBUF, SO_RCVBUFFORCE, SO_SNDBUFFORCE, SO_LINGER, SO_BROADCAST, SO_OOBINLINE,
  SO_PRIORITY, SO_RCVLOWAT, SO_SNDLOWAT, SO_PASSCRED, SO_PEERCRED, SO_ACCEPTCONN, SO_DONTROUTE,
  SO_RCVTIMEO_OLD, SO_SNDTIMEO_OLD, SO_RCVTIMEO_NEW, SO_SNDTIMEO_NEW, SO_DEBUG, SO_MARK,
  SO_TIMESTAMP_OLD, SO_PASSSEC, SO_BINDTODEVICE, SO_COOKIE, SO_NO_CHECK, SO_BSDCOMPAT,
} from '../abi/linux/socket.js';
import { BLOCK, WaitQueue } from '../lib/waitqueue.js';
import { File, Sleeper } from '../fs/vfs/file.js';
import type { FsContext } from '../fs/vfs/fscontext.js';
import type { AddressSpace } from '../mm/aspace.js';
import type { FsCred } from '../fs/vfs/inode.js';
import { registerCkptState } from '../lib/ckptstate.js';

export { BLOCK };

/** Credentials a socket needs from its caller (kernel/cred.ts Cred satisfies this). */
export interface SockCred extends FsCred {
  readonly uid: number; readonly gid: number; readonly euid: number; readonly egid: number;
}

/**
 * The calling task as the socket layer sees it (kernel/task.ts Task satisfies this): a
 * sleeper, its pid (thread-group id), credentials and filesystem context (cwd, root,
 * umask: AF_UNIX path names resolve through it).
 */
export interface SockCaller extends Sleeper {
  readonly pid: number;
  readonly cred: SockCred;
  readonly fs: FsContext;
}

/** struct ucred: SO_PEERCRED and SCM_CREDENTIALS. */
export interface UCred { pid: number; uid: number; gid: number; }

/**
 * One control message. On send, `files` (SCM_RIGHTS) are borrowed from the sender's fd
 * table: a family that queues them takes its own references (File.get()). On receive,
 * each file in `files` carries one reference that the receiver (the syscall layer)
 * drops after installing it in the fd table, or on truncation.
 * SCM_CREDENTIALS travels decoded in `cred`; other messages (IP_TOS …) as raw data.
 */
export interface Cmsg {
  level: number;
  type: number;
  data: Uint8Array;
  files?: File[];
  cred?: UCred;
}

/** What sendmsg hands a family. */
export interface SendMsg {
  data: Uint8Array;
  /** Destination (sendto/msg_name) or null. */
  addr: Uint8Array | null;
  control: Cmsg[];
  /** MSG_* flags of the call (MSG_DONTWAIT already folded into `nonblock`). */
  flags: number;
}

/** What recvmsg gives back. */
export interface RecvMsg {
  /** Bytes to copy to the guest (at most the size asked for). */
  data: Uint8Array;
  /** The syscall's return value: data.length, or the full datagram length with MSG_TRUNC. */
  len: number;
  /** Source address (datagram sockets, or the peer), or null. */
  addr: Uint8Array | null;
  control: Cmsg[];
  /** msg_flags: MSG_TRUNC, MSG_EOR, MSG_OOB … (MSG_CTRUNC is added by the syscall layer). */
  flags: number;
}

let nextSockIno = 20000;
registerCkptState('socket.nextIno', () => nextSockIno, (v) => { nextSockIno = v as number; });

/**
 * The interface ioctls (SIOCGIFINDEX, SIOCGIFCONF, SIOCADDRT …) that Linux answers on a
 * socket of any family (dev_ioctl); net/inet installs the handler.
 */
type DevIoctl = (cmd: number, arg: number, mm: AddressSpace, s: SockCaller) => number;
let devIoctl: DevIoctl | null = null;
export function setDevIoctl(f: DevIoctl): void { devIoctl = f; }

/** Default buffer sizes (net.core.[rw]mem_default) and limits. */
export const SOCK_RMEM_DEFAULT = 212992;
export const SOCK_WMEM_DEFAULT = 212992;
const SOCK_MEM_MAX = 212992;
const SOCK_MIN_RCVBUF = 2304, SOCK_MIN_SNDBUF = 4608;

function intOpt(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v | 0, true);
  return b;
}

export abstract class Socket extends File {
  /** fstat: a socket inode (mode 0140777, as sockfs shows it). */
  readonly pseudoMode = S_IFSOCK | 0o777;
  /** Inode number (fstat st_ino, /proc/PID/fd "socket:[ino]"). */
  readonly ino = nextSockIno++;
  /** Woken on every readiness change. */
  readonly wq = new WaitQueue();

  // Generic SOL_SOCKET state, read by the families where it matters.
  reuseAddr = false;
  reusePort = false;
  keepAlive = false;
  broadcast = false;
  oobInline = false;
  passCred = false;
  dontRoute = false;
  debug = false;
  priority = 0;
  mark = 0;
  rcvLowat = 1;
  rcvBuf = SOCK_RMEM_DEFAULT;
  sndBuf = SOCK_WMEM_DEFAULT;
  /** SO_LINGER. */
  lingerOn = false; lingerSecs = 0;
  /** SO_RCVTIMEO / SO_SNDTIMEO in ns (0: wait forever). */
  rcvTimeoNs = 0; sndTimeoNs = 0;
  /** Pending asynchronous error for SO_ERROR (positive errno, 0 for none). */
  softError = 0;
  /** listen() was called. */
  listening = false;
  timestamp = false;

  constructor(readonly family: number, readonly type: number, readonly protocol: number, flags = O_RDWR) {
    super(flags, null, null);
  }

  /** /proc/PID/fd names the file "socket:[ino]" through this. */
  get sock(): this { return this; }
  get pseudoIno(): number { return this.ino; }
  get pseudoRdev(): number { return 0; }
  get nonblocking(): boolean { return (this.flags & O_NONBLOCK) !== 0; }

  override get waitQueue(): WaitQueue { return this.wq; }

  override ioctl(cmd: number, arg: number, mm: AddressSpace, s: Sleeper): number {
    if (devIoctl !== null && cmd >= 0x8900 && cmd <= 0x89ff) return devIoctl(cmd, arg, mm, s as SockCaller);
    return -ENOTTY;
  }

  // ---- operations every family provides (defaults: EOPNOTSUPP) -----------------------
  bind(_addr: Uint8Array, _c: SockCaller): number { return -EOPNOTSUPP; }
  listen(_backlog: number, _c: SockCaller): number { return -EOPNOTSUPP; }
  /** A connected socket (the syscall layer sets its O_NONBLOCK and fd), -errno or BLOCK. */
  accept(_c: SockCaller, _nonblock: boolean): Socket | number { return -EOPNOTSUPP; }
  /** 0, -EINPROGRESS (nonblock), -EALREADY, -EISCONN, BLOCK or -errno. */
  connect(_addr: Uint8Array, _c: SockCaller, _nonblock: boolean): number { return -EOPNOTSUPP; }
  /** Bytes sent, -errno (-EPIPE raises SIGPIPE in the syscall layer) or BLOCK. */
  abstract sendmsg(c: SockCaller, msg: SendMsg, nonblock: boolean): number;
  /** Up to `size` bytes; `flags` are MSG_PEEK, MSG_WAITALL, MSG_TRUNC, MSG_OOB … */
  abstract recvmsg(c: SockCaller, size: number, flags: number, nonblock: boolean): RecvMsg | number;
  shutdown(_how: number): number { return -EOPNOTSUPP; }
  /** The bound address (an unbound socket gives its family's "any" address). */
  abstract getsockname(): Uint8Array | number;
  getpeername(): Uint8Array | number { return -ENOTCONN; }
  /** SO_PEERCRED (null: no peer; Linux then reports pid 0, uid/gid -1). */
  peerCred(): UCred | null { return null; }
  /** SO_ERROR: return and clear the pending error. */
  takeError(): number { const e = this.softError; this.softError = 0; return e; }

  // ---- options --------------------------------------------------------------------
  /**
   * getsockopt: the option's bytes (the syscall layer truncates to optlen), or -errno.
   * Families override to handle their levels (SOL_IP, SOL_TCP …) and call super for the
   * rest; the base class knows SOL_SOCKET.
   */
  getsockopt(level: number, name: number, _c: SockCaller): Uint8Array | number {
    if (level !== SOL_SOCKET) return -EOPNOTSUPP;
    switch (name) {
      case SO_TYPE: return intOpt(this.type);
      case SO_DOMAIN: return intOpt(this.family);
      case SO_PROTOCOL: return intOpt(this.protocol);
      case SO_ERROR: return intOpt(this.takeError());
      case SO_REUSEADDR: return intOpt(+this.reuseAddr);
      case SO_REUSEPORT: return intOpt(+this.reusePort);
      case SO_KEEPALIVE: return intOpt(+this.keepAlive);
      case SO_BROADCAST: return intOpt(+this.broadcast);
      case SO_OOBINLINE: return intOpt(+this.oobInline);
      case SO_PASSCRED: return intOpt(+this.passCred);
      case SO_DONTROUTE: return intOpt(+this.dontRoute);
      case SO_DEBUG: return intOpt(+this.debug);
      case SO_TIMESTAMP_OLD: return intOpt(+this.timestamp);
      case SO_PASSSEC: case SO_NO_CHECK: case SO_BSDCOMPAT: return intOpt(0);
      case SO_PRIORITY: return intOpt(this.priority);
      case SO_MARK: return intOpt(this.mark);
      case SO_RCVLOWAT: return intOpt(this.rcvLowat);
      case SO_SNDLOWAT: return intOpt(1);
      case SO_RCVBUF: return intOpt(this.rcvBuf);
      case SO_SNDBUF: return intOpt(this.sndBuf);
      case SO_ACCEPTCONN: return intOpt(+this.listening);
      case SO_COOKIE: { const b = new Uint8Array(8); new DataView(b.buffer).setUint32(0, this.ino, true); return b; }
      case SO_LINGER: {
        const b = new Uint8Array(8), v = new DataView(b.buffer);
        v.setInt32(0, +this.lingerOn, true); v.setInt32(4, this.lingerSecs, true);
        return b;
      }
      case SO_PEERCRED: {
        const p = this.peerCred();
        const b = new Uint8Array(12), v = new DataView(b.buffer);
        v.setInt32(0, p ? p.pid : 0, true);
        v.setUint32(4, p ? p.uid : 0xffffffff, true);
        v.setUint32(8, p ? p.gid : 0xffffffff, true);
        return b;
      }
      case SO_RCVTIMEO_OLD: case SO_SNDTIMEO_OLD: case SO_RCVTIMEO_NEW: case SO_SNDTIMEO_NEW: {
        const ns = name === SO_RCVTIMEO_OLD || name === SO_RCVTIMEO_NEW ? this.rcvTimeoNs : this.sndTimeoNs;
        const b = new Uint8Array(16), v = new DataView(b.buffer);
        const s = Math.floor(ns / 1e9);
        v.setUint32(0, s >>> 0, true); v.setUint32(4, Math.floor(s / 2 ** 32), true);
        v.setUint32(8, Math.floor((ns - s * 1e9) / 1000), true);
        return b;
      }
      case SO_BINDTODEVICE: return new Uint8Array(0);
      default: return -ENOPROTOOPT;
    }
  }

  /** setsockopt: 0 or -errno. Families override for their levels and call super. */
  setsockopt(level: number, name: number, val: Uint8Array, c: SockCaller): number {
    if (level !== SOL_SOCKET) return -EOPNOTSUPP;
    const dv = new DataView(val.buffer, val.byteOffset, val.byteLength);
    const int = (): number | null => (val.length < 4 ? null : dv.getInt32(0, true));
    switch (name) {
      case SO_LINGER: {
        if (val.length < 8) return -EINVAL;
        this.lingerOn = dv.getInt32(0, true) !== 0;
        this.lingerSecs = dv.getInt32(4, true);
        return 0;
      }
      case SO_RCVTIMEO_OLD: case SO_SNDTIMEO_OLD: case SO_RCVTIMEO_NEW: case SO_SNDTIMEO_NEW: {
        if (val.length < 16) return -EINVAL;
        const sec = dv.getUint32(0, true) + dv.getInt32(4, true) * 2 ** 32;
        const usec = dv.getUint32(8, true) + dv.getInt32(12, true) * 2 ** 32;
        if (usec < 0 || usec >= 1000000) return -EDOM;
        const ns = sec < 0 ? 0 : sec * 1e9 + usec * 1000;
        if (name === SO_RCVTIMEO_OLD || name === SO_RCVTIMEO_NEW) this.rcvTimeoNs = ns; else this.sndTimeoNs = ns;
        return 0;
      }
      case SO_BINDTODEVICE: return 0;
    }
    const v = int();
    if (v === null) return -EINVAL;
    switch (name) {
      case SO_REUSEADDR: this.reuseAddr = v !== 0; return 0;
      case SO_REUSEPORT: this.reusePort = v !== 0; return 0;
      case SO_KEEPALIVE: this.keepAlive = v !== 0; return 0;
      case SO_BROADCAST: this.broadcast = v !== 0; return 0;
      case SO_OOBINLINE: this.oobInline = v !== 0; return 0;
      case SO_PASSCRED: this.passCred = v !== 0; return 0;
      case SO_DONTROUTE: this.dontRoute = v !== 0; return 0;
      case SO_DEBUG: this.debug = v !== 0; return 0;
      case SO_TIMESTAMP_OLD: this.timestamp = v !== 0; return 0;
      case SO_PASSSEC: case SO_NO_CHECK: case SO_BSDCOMPAT: return 0;
      case SO_PRIORITY: if ((v < 0 || v > 6) && c.cred.euid !== 0) return -EPERM; this.priority = v; return 0;
      case SO_MARK: if (c.cred.euid !== 0) return -EPERM; this.mark = v; return 0;
      case SO_RCVLOWAT: this.rcvLowat = v <= 0 ? 1 : v; return 0;
      case SO_SNDLOWAT: return -ENOPROTOOPT;
      // Linux doubles the value (bookkeeping overhead) within [min, rmem_max/wmem_max].
      case SO_RCVBUF: case SO_RCVBUFFORCE: {
        if (name === SO_RCVBUFFORCE && c.cred.euid !== 0) return -EPERM;
        const n = Math.min(Math.max(v, 0), name === SO_RCVBUFFORCE ? 0x3fffffff : SOCK_MEM_MAX);
        this.rcvBuf = Math.max(n * 2, SOCK_MIN_RCVBUF);
        return 0;
      }
      case SO_SNDBUF: case SO_SNDBUFFORCE: {
        if (name === SO_SNDBUFFORCE && c.cred.euid !== 0) return -EPERM;
        const n = Math.min(Math.max(v, 0), name === SO_SNDBUFFORCE ? 0x3fffffff : SOCK_MEM_MAX);
        this.sndBuf = Math.max(n * 2, SOCK_MIN_SNDBUF);
        return 0;
      }
      case SO_TYPE: case SO_DOMAIN: case SO_PROTOCOL: case SO_ERROR: case SO_PEERCRED: case SO_ACCEPTCONN:
      case SO_COOKIE:
        return -ENOPROTOOPT;
      default: return -ENOPROTOOPT;
    }
  }

  // ---- File operations: read(2)/write(2) are recv/send without an address ----------
  override read(buf: Uint8Array, s: Sleeper): number {
    const r = this.recvmsg(s as SockCaller, buf.length, 0, this.nonblocking);
    if (typeof r === 'number') return r;
    buf.set(r.data);
    for (const cm of r.control) for (const f of cm.files ?? []) f.put();
    return r.data.length;
  }
  override write(buf: Uint8Array, s: Sleeper): number {
    return this.sendmsg(s as SockCaller, { data: buf, addr: null, control: [], flags: 0 }, this.nonblocking);
  }
  override pread(): number { return -ESPIPE; }
  override pwrite(): number { return -ESPIPE; }
}

/** What a family registers. */
export interface SocketFamily {
  /** socket(2): type is the bare SOCK_* type (flags removed). -EPROTONOSUPPORT, -ESOCKTNOSUPPORT … */
  create(type: number, protocol: number, c: SockCaller): Socket | number;
  /** socketpair(2); absent: -EOPNOTSUPP. */
  pair?(type: number, protocol: number, c: SockCaller): [Socket, Socket] | number;
}

const families = new Map<number, SocketFamily>();

export function registerFamily(family: number, ops: SocketFamily): void {
  families.set(family, ops);
}

export function hasFamily(family: number): boolean { return families.has(family); }

export function createSocket(family: number, type: number, protocol: number, c: SockCaller): Socket | number {
  const f = families.get(family);
  if (!f) return -EAFNOSUPPORT;
  return f.create(type, protocol, c);
}

export function createSocketPair(family: number, type: number, protocol: number, c: SockCaller): [Socket, Socket] | number {
  const f = families.get(family);
  if (!f) return -EAFNOSUPPORT;
  if (!f.pair) return -EOPNOTSUPP;
  return f.pair(type, protocol, c);
}

