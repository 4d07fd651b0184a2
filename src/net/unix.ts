// AF_UNIX sockets: SOCK_STREAM, SOCK_DGRAM and SOCK_SEQPACKET; filesystem names (an
// S_IFSOCK inode made through the VFS, like mknod), abstract names (leading NUL),
// autobind, socketpair, SCM_RIGHTS and SCM_CREDENTIALS, SO_PEERCRED.
//
// Every socket has a receive queue of records (Skb). A stream socket reads across
// records (but never past one that carries files, as Linux); dgram and seqpacket read
// one record per call. A connection is made at connect() time: the server side is an
// embryo socket queued on the listener until accept() takes it.
import {
  EINVAL, EADDRINUSE, ECONNREFUSED, EPROTOTYPE, EISCONN, ENOTCONN, EOPNOTSUPP, EAGAIN, EPIPE,
  ECONNRESET, EMSGSIZE, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EEXIST, ENOENT, ENOMEM,
} from '../abi/linux/errno.js';
import {
  AF_UNIX, SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOL_SOCKET, SCM_RIGHTS, SCM_CREDENTIALS,
  MSG_PEEK, MSG_TRUNC, MSG_WAITALL, MSG_OOB, SHUT_RD, SHUT_WR, SHUT_RDWR, SOCKADDR_UN_SIZE,
  SOMAXCONN,
} from '../abi/linux/socket.js';
import { POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, POLLHUP, POLLERR, POLLRDHUP } from '../abi/linux/fs.js';
import { S_IFMT, S_IFSOCK } from '../abi/linux/stat.js';
import { BLOCK } from '../lib/waitqueue.js';
import { File } from '../fs/vfs/file.js';
import { Inode, permission, MAY_WRITE } from '../fs/vfs/inode.js';
import * as V from '../fs/vfs/ops.js';
import type { Path } from '../fs/vfs/mount.js';
import { Socket, SockCaller, SendMsg, RecvMsg, Cmsg, UCred, registerFamily } from './socket.js';
import { registerCkptState } from '../lib/ckptstate.js';

/** A queued message. */
interface Skb {
  data: Uint8Array;
  /** Read offset (stream sockets consume records partially). */
  off: number;
  files: File[] | null;
  /** Sender's credentials (always recorded; delivered with SO_PASSCRED). */
  cred: UCred;
  /** Sender (for the source address). */
  from: UnixSocket;
}

const enum State { Unconnected, Listening, Connected }

/** Bound names: "a:<abstract bytes>" or "f:<dev>:<ino>" → socket. */
const names = new Map<string, UnixSocket>();

/** How many bytes a receive queue holds before writers block. */
const STREAM_QUEUE_MAX = 256 * 1024;
/** Dgram: bytes (with per-message overhead) and messages a receiver queues. */
const DGRAM_QUEUE_BYTES = 212992;
const DGRAM_OVERHEAD = 768;
const MAX_DGRAM_QLEN = 10;

let autobindCounter = 0;
registerCkptState('unix.names', () => ({ names, autobindCounter }), (v) => { const s = v as { names: Map<string, UnixSocket>; autobindCounter: number }; names.clear(); for (const [k, x] of s.names) names.set(k, x); autobindCounter = s.autobindCounter; });

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function inodeKey(i: Inode): string { return `f:${i.sb.dev}:${i.ino}`; }

type Parsed = { kind: 'auto' } | { kind: 'abstract'; key: string; addr: Uint8Array } | { kind: 'path'; path: string; addr: Uint8Array };

/** Decode a struct sockaddr_un of the given length. */
function parseAddr(a: Uint8Array): Parsed | number {
  if (a.length < 2 || a.length > SOCKADDR_UN_SIZE) return -EINVAL;
  const fam = a[0] | (a[1] << 8);
  if (fam !== AF_UNIX) return -EINVAL;
  if (a.length === 2) return { kind: 'auto' };
  if (a[2] === 0) return { kind: 'abstract', key: 'a:' + latin1(a.subarray(2)), addr: a.slice() };
  let end = 2;
  while (end < a.length && a[end] !== 0) end++;
  const path = latin1(a.subarray(2, end));
  // The stored address is the path with its terminating NUL.
  const addr = new Uint8Array(end + 1);
  addr.set(a.subarray(0, end));
  return { kind: 'path', path, addr };
}

function startOf(c: SockCaller, path: string): Path { return path.startsWith('/') ? c.fs.root : c.fs.cwd; }

/** Find the socket a name refers to (connect/sendto). */
function lookupName(a: Uint8Array, c: SockCaller): UnixSocket | number {
  const p = parseAddr(a);
  if (typeof p === 'number') return p;
  if (p.kind === 'auto') return -EINVAL;
  if (p.kind === 'abstract') return names.get(p.key) ?? -ECONNREFUSED;
  if (p.path.length === 0) return -ENOENT;
  const r = V.lookupPath(c.fs, c.cred, startOf(c, p.path), p.path, true);
  if (typeof r === 'number') return r;
  const inode = r.d.inode;
  const e = permission(inode, c.cred, MAY_WRITE);
  if (e) return e;
  if ((inode.mode & S_IFMT) !== S_IFSOCK) return -ECONNREFUSED;
  return names.get(inodeKey(inode)) ?? -ECONNREFUSED;
}

export class UnixSocket extends Socket {
  state = State.Unconnected;
  /** Bound address bytes (sockaddr_un as getsockname returns it). */
  addr: Uint8Array | null = null;
  private nameKey: string | null = null;
  peer: UnixSocket | null = null;
  readonly rq: Skb[] = [];
  rqBytes = 0;
  /** Listening: connected embryos waiting for accept(). */
  private readonly acceptQ: UnixSocket[] = [];
  private backlog = 0;
  /** Shutdown state: no more receiving / sending. */
  rdShut = false;
  wrShut = false;
  /** Credentials of the peer at connect/socketpair time (SO_PEERCRED). */
  peerCreds: UCred | null = null;
  /** Dgram senders blocked on this socket's full queue. */
  dead = false;

  constructor(type: number, flags?: number) { super(AF_UNIX, type, 0, flags); }

  private get connOriented(): boolean { return this.type !== SOCK_DGRAM; }

  // ---- names ----------------------------------------------------------------------
  override bind(a: Uint8Array, c: SockCaller): number {
    const p = parseAddr(a);
    if (typeof p === 'number') return p;
    if (this.addr) {
      // Linux makes the node first: an existing path is EADDRINUSE even then.
      if (p.kind === 'path' && p.path.length > 0) {
        const r = V.lookupPath(c.fs, c.cred, startOf(c, p.path), p.path, false);
        if (typeof r !== 'number') return -EADDRINUSE;
      }
      return -EINVAL;
    }
    if (p.kind === 'auto') return this.autobind();
    if (p.kind === 'abstract') {
      if (names.has(p.key)) return -EADDRINUSE;
      this.setName(p.key, p.addr);
      return 0;
    }
    if (p.path.length === 0) return -ENOENT;
    const start = startOf(c, p.path);
    const e = V.mknodAt(c.fs, c.cred, start, p.path, S_IFSOCK | 0o777, 0);
    if (e < 0) return e === -EEXIST ? -EADDRINUSE : e;
    const r = V.lookupPath(c.fs, c.cred, start, p.path, false);
    if (typeof r === 'number') return r;
    this.setName(inodeKey(r.d.inode), p.addr);
    return 0;
  }

  private setName(key: string, addr: Uint8Array): void {
    const old = names.get(key);
    if (old) old.nameKey = null; // a stale entry (its inode was deleted and reused)
    this.nameKey = key;
    this.addr = addr;
    names.set(key, this);
  }

  private autobind(): number {
    for (let tries = 0; tries < 0x100000; tries++) {
      const n = (autobindCounter++ & 0xfffff).toString(16).padStart(5, '0');
      const addr = new Uint8Array(8);
      addr[0] = AF_UNIX;
      for (let i = 0; i < 5; i++) addr[3 + i] = n.charCodeAt(i);
      const key = 'a:' + latin1(addr.subarray(2));
      if (!names.has(key)) { this.setName(key, addr); return 0; }
    }
    return -ENOMEM;
  }

  override getsockname(): Uint8Array {
    return this.addr ? this.addr.slice() : new Uint8Array([AF_UNIX, 0]);
  }
  override getpeername(): Uint8Array | number {
    if (this.state !== State.Connected || !this.peer) return -ENOTCONN;
    return this.peer.getsockname();
  }
  override peerCred(): UCred | null { return this.peerCreds; }

  // ---- connections ----------------------------------------------------------------
  override listen(backlog: number, c: SockCaller): number {
    if (this.type === SOCK_DGRAM) return -EOPNOTSUPP;
    if (this.state === State.Connected) return -EINVAL;
    if (!this.addr) return -EINVAL;
    this.backlog = Math.min(Math.max(backlog | 0, 0), SOMAXCONN);
    this.state = State.Listening;
    this.listening = true;
    this.ownerCred = credOf(c);
    this.wq.wakeAll();
    return 0;
  }

  override connect(a: Uint8Array, c: SockCaller, nonblock: boolean): number {
    if (a.length >= 2 && (a[0] | (a[1] << 8)) === 0 && this.type === SOCK_DGRAM) {
      // AF_UNSPEC: dissolve the association.
      this.disconnectDgram();
      return 0;
    }
    const target = lookupName(a, c);
    if (typeof target === 'number') return target;
    if (target.type !== this.type) return -EPROTOTYPE;
    if (this.type === SOCK_DGRAM) {
      if (this.passCred && !this.addr) this.autobind();
      this.disconnectDgram();
      this.peer = target;
      this.state = State.Connected;
      this.peerCreds = target.ownerCred;
      return 0;
    }
    if (this.state === State.Connected) return -EISCONN;
    if (this.state === State.Listening) return -EINVAL;
    if (target.state !== State.Listening || target.dead) return -ECONNREFUSED;
    if (target.acceptQ.length > target.backlog) {
      if (nonblock) return -EAGAIN;
      c.blockOn(target.wq);
      return BLOCK;
    }
    if ((this.passCred || target.passCred) && !this.addr) this.autobind();
    const me = credOf(c);
    const embryo = new UnixSocket(this.type);
    embryo.state = State.Connected;
    embryo.addr = target.addr;
    embryo.passCred = target.passCred;
    embryo.ownerCred = target.ownerCred;
    embryo.peer = this;
    embryo.peerCreds = me;
    this.peer = embryo;
    this.peerCreds = target.ownerCred;
    this.state = State.Connected;
    this.ownerCred = me;
    target.acceptQ.push(embryo);
    target.wq.wakeAll();
    this.wq.wakeAll();
    return 0;
  }

  /** Credentials of whoever created (or connected) this socket: SO_PEERCRED for its peer. */
  ownerCred: UCred = { pid: 0, uid: 0, gid: 0 };

  override accept(c: SockCaller, nonblock: boolean): Socket | number {
    if (this.type === SOCK_DGRAM) return -EOPNOTSUPP;
    if (this.state !== State.Listening) return -EINVAL;
    const s = this.acceptQ.shift();
    if (!s) {
      if (nonblock) return -EAGAIN;
      c.blockOn(this.wq);
      return BLOCK;
    }
    this.wq.wakeAll(); // connectors waiting for backlog room
    return s;
  }

  private disconnectDgram(): void {
    this.peer = null;
    this.peerCreds = null;
    this.state = State.Unconnected;
  }

  override shutdown(how: number): number {
    if (how < SHUT_RD || how > SHUT_RDWR) return -EINVAL;
    if (this.connOriented && this.state !== State.Connected) return -ENOTCONN;
    const rd = how === SHUT_RD || how === SHUT_RDWR, wr = how === SHUT_WR || how === SHUT_RDWR;
    if (rd) this.rdShut = true;
    if (wr) this.wrShut = true;
    const p = this.peer;
    if (this.connOriented && p) {
      if (rd) p.wrShut = true;
      if (wr) p.rdShut = true;
      p.wq.wakeAll();
    }
    this.wq.wakeAll();
    return 0;
  }

  // ---- data -----------------------------------------------------------------------
  private queueFull(target: UnixSocket): boolean {
    if (target.type === SOCK_STREAM) return target.rqBytes >= STREAM_QUEUE_MAX;
    if (target.rqBytes + target.rq.length * DGRAM_OVERHEAD >= DGRAM_QUEUE_BYTES) return true;
    // A receiver that is not our own connected peer takes at most max_dgram_qlen messages.
    return this.type === SOCK_DGRAM && target.peer !== this && target.rq.length > MAX_DGRAM_QLEN;
  }

  override sendmsg(c: SockCaller, m: SendMsg, nonblock: boolean): number {
    if (m.flags & MSG_OOB) return -EOPNOTSUPP;
    let target: UnixSocket;
    if (this.type === SOCK_DGRAM) {
      if (this.wrShut) return -EPIPE;
      if (m.addr && m.addr.length > 0) {
        const t = lookupName(m.addr, c);
        if (typeof t === 'number') return t;
        if (t.type !== SOCK_DGRAM) return -EPROTOTYPE;
        target = t;
      } else {
        if (!this.peer) return -ENOTCONN;
        target = this.peer;
      }
      if (target.dead) {
        if (target === this.peer) this.disconnectDgram();
        return -ECONNREFUSED;
      }
      if (target.rdShut) return -EPIPE;
      if (m.data.length > DGRAM_QUEUE_BYTES - 32) return -EMSGSIZE;
    } else {
      if (m.addr && m.addr.length > 0) {
        if (this.type === SOCK_STREAM) return this.state === State.Connected ? -EISCONN : -EOPNOTSUPP;
      }
      if (this.state !== State.Connected || !this.peer) return -ENOTCONN;
      if (this.wrShut) return -EPIPE;
      target = this.peer;
      if (target.dead || target.rdShut) return -EPIPE;
      if (this.type === SOCK_SEQPACKET && m.data.length > DGRAM_QUEUE_BYTES - 32) return -EMSGSIZE;
    }
    if ((this.passCred || target.passCred) && !this.addr && this.type !== SOCK_STREAM) this.autobind();
    if (this.queueFull(target)) {
      if (nonblock) return -EAGAIN;
      c.blockOn(target.wq);
      c.blockOn(this.wq);
      return BLOCK;
    }
    if (this.type === SOCK_STREAM && m.data.length === 0 && !m.control.some((x) => x.files)) return 0;
    let files: File[] | null = null;
    let cred: UCred = { pid: c.pid, uid: c.cred.uid, gid: c.cred.gid };
    for (const cm of m.control) {
      if (cm.level !== SOL_SOCKET) continue;
      if (cm.type === SCM_RIGHTS && cm.files) {
        files = files ?? [];
        for (const f of cm.files) files.push(f.get());
      } else if (cm.type === SCM_CREDENTIALS && cm.cred) cred = cm.cred;
    }
    target.rq.push({ data: m.data.slice(), off: 0, files, cred, from: this });
    target.rqBytes += m.data.length;
    target.wq.wakeAll();
    return m.data.length;
  }

  override recvmsg(_c: SockCaller, size: number, flags: number, nonblock: boolean): RecvMsg | number {
    if (flags & MSG_OOB) return -EOPNOTSUPP;
    const peek = (flags & MSG_PEEK) !== 0;
    if (this.type !== SOCK_STREAM) return this.recvRecord(_c, size, flags, nonblock, peek);
    if (this.state !== State.Connected) return -EINVAL;
    const avail = this.streamAvail();
    const waitAll = (flags & MSG_WAITALL) !== 0 && !peek;
    const eof = this.rdShut || !this.peer || this.peer.dead;
    const ready = avail > 0 && (!waitAll || avail >= size || eof || this.rqBytes >= STREAM_QUEUE_MAX || avail < this.rqBytes);
    if (!ready) {
      if (this.softError) return -this.takeError();
      if (eof) return { data: new Uint8Array(0), len: 0, addr: null, control: [], flags: 0 };
      if (size === 0) return { data: new Uint8Array(0), len: 0, addr: null, control: [], flags: 0 };
      if (nonblock) return -EAGAIN;
      _c.blockOn(this.wq);
      return BLOCK;
    }
    // Copy across records up to the first that carries files (that one is read alone),
    // and never mix credentials when they are being delivered.
    const out = new Uint8Array(Math.min(size, avail));
    let n = 0, i = 0;
    let files: File[] | null = null;
    const first = this.rq[0];
    while (n < out.length && i < this.rq.length) {
      const s = this.rq[i];
      if (i > 0 && this.passCred && !sameCred(s.cred, first.cred)) break;
      const k = Math.min(out.length - n, s.data.length - s.off);
      out.set(s.data.subarray(s.off, s.off + k), n);
      n += k;
      if (!peek) {
        if (s.files) { files = s.files; s.files = null; }
        s.off += k;
        this.rqBytes -= k;
        if (s.off >= s.data.length) { this.rq.splice(i, 1); } else i++;
      } else {
        if (s.files) files = s.files.map((f) => f.get());
        i++;
      }
      if (files) break;
    }
    const control: Cmsg[] = [];
    if (this.passCred) control.push(credMsg(first.cred));
    if (files) control.push({ level: SOL_SOCKET, type: SCM_RIGHTS, data: new Uint8Array(0), files });
    if (!peek) this.wakeWriters();
    const data = out.subarray(0, n);
    return { data, len: n, addr: first.from.addr ? first.from.addr.slice() : null, control, flags: 0 };
  }

  /** Bytes readable in one stream read (up to the first later record carrying files). */
  private streamAvail(): number {
    let n = 0;
    for (let i = 0; i < this.rq.length; i++) {
      const s = this.rq[i];
      n += s.data.length - s.off;
      if (s.files) break;
    }
    return n;
  }

  private recvRecord(c: SockCaller, size: number, flags: number, nonblock: boolean, peek: boolean): RecvMsg | number {
    if (this.type === SOCK_SEQPACKET && this.state !== State.Connected) return this.state === State.Listening ? -EINVAL : -ENOTCONN;
    const s = this.rq[0];
    if (!s) {
      if (this.softError) return -this.takeError();
      const eof = this.rdShut || (this.type === SOCK_SEQPACKET && (!this.peer || this.peer.dead));
      if (eof) return { data: new Uint8Array(0), len: 0, addr: null, control: [], flags: 0 };
      if (nonblock) return -EAGAIN;
      c.blockOn(this.wq);
      return BLOCK;
    }
    const full = s.data.length;
    const n = Math.min(size, full);
    const data = s.data.slice(0, n);
    let files: File[] | null = null;
    if (peek) files = s.files ? s.files.map((f) => f.get()) : null;
    else {
      this.rq.shift();
      this.rqBytes -= full;
      files = s.files;
      this.wakeWriters();
    }
    const control: Cmsg[] = [];
    if (this.passCred) control.push(credMsg(s.cred));
    if (files) control.push({ level: SOL_SOCKET, type: SCM_RIGHTS, data: new Uint8Array(0), files });
    let mflags = n < full ? MSG_TRUNC : 0;
    return {
      data, len: (flags & MSG_TRUNC) ? full : n,
      addr: s.from.addr ? s.from.addr.slice() : null, control, flags: mflags,
    };
  }

  private wakeWriters(): void {
    this.wq.wakeAll();
    if (this.peer) this.peer.wq.wakeAll();
  }

  override available(): number {
    if (this.type === SOCK_STREAM) return this.streamAvail();
    return this.rq.length ? this.rq[0].data.length : 0;
  }

  override poll(): number {
    let m = 0;
    if (this.state === State.Listening) return this.acceptQ.length ? POLLIN | POLLRDNORM : 0;
    if (this.softError) m |= POLLERR;
    if (this.rdShut) m |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (this.rdShut && this.wrShut) m |= POLLHUP;
    if (this.rq.length) m |= POLLIN | POLLRDNORM;
    if (this.connOriented) {
      if (this.state === State.Connected) {
        const p = this.peer;
        if (!p || p.dead) m |= POLLHUP | POLLIN | POLLRDNORM;
        if (p && !p.dead && !this.wrShut && !this.queueFull(p)) m |= POLLOUT | POLLWRNORM;
        else if (this.wrShut) m |= POLLOUT | POLLWRNORM;
      } else if (this.state === State.Unconnected) m |= POLLOUT | POLLWRNORM | POLLHUP;
    } else {
      const p = this.peer;
      if (!p || p.dead || !this.queueFull(p)) m |= POLLOUT | POLLWRNORM;
    }
    return m;
  }

  override release(): void {
    this.dead = true;
    if (this.nameKey && names.get(this.nameKey) === this) names.delete(this.nameKey);
    this.nameKey = null;
    for (const e of this.acceptQ.splice(0)) e.destroy();
    this.dropQueue();
    const p = this.peer;
    if (p && this.connOriented) {
      if (this.rqHadData) p.softError = ECONNRESET;
      p.rdShut = true; p.wrShut = true;
      p.wq.wakeAll();
    }
    this.wq.wakeAll();
  }

  private rqHadData = false;
  private dropQueue(): void {
    this.rqHadData = this.rq.length > 0;
    for (const s of this.rq.splice(0)) for (const f of s.files ?? []) f.put();
    this.rqBytes = 0;
  }

  /** An embryo that was never accepted (its listener closed). */
  private destroy(): void {
    this.get();
    this.put();
  }
}

function credOf(c: SockCaller): UCred {
  return { pid: c.pid, uid: c.cred.euid, gid: c.cred.egid };
}
function sameCred(a: UCred, b: UCred): boolean { return a.pid === b.pid && a.uid === b.uid && a.gid === b.gid; }
function credMsg(u: UCred): Cmsg {
  return { level: SOL_SOCKET, type: SCM_CREDENTIALS, data: new Uint8Array(0), cred: { ...u } };
}

function checkType(type: number, protocol: number): number {
  if (type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_SEQPACKET) {
    return type === 3 /* SOCK_RAW */ ? -EPROTONOSUPPORT : -ESOCKTNOSUPPORT;
  }
  if (protocol !== 0 && protocol !== AF_UNIX) return -EPROTONOSUPPORT;
  return 0;
}

registerFamily(AF_UNIX, {
  create(type, protocol, c) {
    const e = checkType(type, protocol);
    if (e) return e;
    const s = new UnixSocket(type);
    s.ownerCred = credOf(c);
    return s;
  },
  pair(type, protocol, c) {
    const e = checkType(type, protocol);
    if (e) return e;
    const a = new UnixSocket(type), b = new UnixSocket(type);
    const me = credOf(c);
    a.ownerCred = b.ownerCred = me;
    a.peer = b; b.peer = a;
    a.state = b.state = State.Connected;
    a.peerCreds = { ...me }; b.peerCreds = { ...me };
    return [a, b];
  },
});

