// AF_INET sockets on the generic socket layer (net/socket.ts): SOCK_STREAM (TCP),
// SOCK_DGRAM (UDP, and ICMP ping sockets with IPPROTO_ICMP) and SOCK_RAW (root only).
// Each socket wraps a protocol object of tcp.ts/udp.ts; the protocol calls onEvent()
// and the socket wakes its wait queue. Blocking follows tuml's restart model: a method
// returns BLOCK after c.blockOn(wq) and runs again from the start when woken, so the
// progress of a connect lives on the socket (connState).
import {
  EINVAL, EAFNOSUPPORT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EAGAIN, EINPROGRESS, EALREADY, EISCONN, ENOTCONN,
  EDESTADDRREQ, EPERM, EACCES, EOPNOTSUPP, ENOPROTOOPT, ECONNABORTED, EMSGSIZE,
} from '../../abi/linux/errno.js';
import {
  AF_INET, AF_INET6, AF_UNSPEC, SOL_IPV6, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOL_SOCKET, SOL_IP, SOL_TCP, SOL_UDP, SOL_RAW,
  MSG_PEEK, MSG_TRUNC, MSG_WAITALL, MSG_OOB, MSG_MORE, SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE, SO_RCVBUF, SO_SNDBUF,
  SO_RCVBUFFORCE, SO_SNDBUFFORCE, SO_LINGER, SO_BROADCAST, SO_BINDTODEVICE, SO_ERROR, SO_PRIORITY,
} from '../../abi/linux/socket.js';
import { BLOCK, Socket, SockCaller, SendMsg, RecvMsg, registerFamily, Cmsg, setDevIoctl } from '../socket.js';
import { NetStack, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, INADDR_ANY, INADDR_BROADCAST } from './stack.js';
import { Tcp, TcpSock, TcpState, POLLIN, POLLOUT, POLLERR, POLLRDNORM, POLLWRNORM } from './tcp.js';
import { Udp, Ping, DgramEndpoint, RawEndpoint } from './udp.js';
import type { AddressSpace } from '../../mm/aspace.js';
import type { Sleeper } from '../../fs/vfs/file.js';
import { inetIoctl } from './ioctl.js';
import { parseSockaddr6, sockaddrIn6, ipv6Get, ipv6Set, pktinfo6, V6State } from '../inet6/sock6.js';
import { isV6 } from '../inet6/addr.js';
import { Ip6, IPPROTO_ICMPV6 } from '../inet6/ip6.js';
import { RawSocket6, PingSocket6 } from '../inet6/raw6.js';

// SOL_IP options.
export const IP_TOS = 1, IP_TTL = 2, IP_HDRINCL = 3, IP_OPTIONS = 4, IP_RECVOPTS = 6, IP_PKTINFO = 8,
  IP_MTU_DISCOVER = 10, IP_RECVERR = 11, IP_RECVTTL = 12, IP_RECVTOS = 13, IP_MTU = 14, IP_FREEBIND = 15,
  IP_MULTICAST_IF = 32, IP_MULTICAST_TTL = 33, IP_MULTICAST_LOOP = 34, IP_ADD_MEMBERSHIP = 35, IP_DROP_MEMBERSHIP = 36;
// SOL_TCP options.
export const TCP_NODELAY = 1, TCP_MAXSEG = 2, TCP_CORK = 3, TCP_KEEPIDLE = 4, TCP_KEEPINTVL = 5, TCP_KEEPCNT = 6,
  TCP_SYNCNT = 7, TCP_LINGER2 = 8, TCP_DEFER_ACCEPT = 9, TCP_WINDOW_CLAMP = 10, TCP_INFO = 11, TCP_QUICKACK = 12,
  TCP_CONGESTION = 13, TCP_USER_TIMEOUT = 18;
const ICMP_FILTER = 1;

/** The inet state of one machine: the stack and its protocols. */
export class Inet {
  readonly tcp: Tcp;
  readonly udp: Udp;
  readonly ping: Ping;
  readonly ip6: Ip6;
  /** net.ipv6.bindv6only: new AF_INET6 sockets start IPV6_V6ONLY. */
  bindv6only = false;
  /** Sockets open now (for /proc/net/raw and friends). */
  readonly raws = new Set<RawSocket>();
  constructor(readonly stack: NetStack) {
    this.tcp = new Tcp(stack);
    this.udp = new Udp(stack);
    this.ping = new Ping(stack);
    this.ip6 = new Ip6(stack);
  }
}

const byOwner = new WeakMap<object, Inet>();
let lastInet: Inet | null = null;

/** Attach a machine's stack to its kernel object (sockets find it through the caller's kernel). */
export function attachInet(owner: object, inet: Inet): void { byOwner.set(owner, inet); lastInet = inet; }

export function inetOf(c: unknown): Inet | null {
  const k = (c as { kernel?: object } | null)?.kernel;
  return (k && byOwner.get(k)) || lastInet;
}

// ---- sockaddr_in ---------------------------------------------------------------------

export const SOCKADDR_IN_SIZE = 16;

export function sockaddrIn(addr: number, port: number): Uint8Array {
  const b = new Uint8Array(16);
  b[0] = AF_INET; b[1] = 0;
  b[2] = port >>> 8; b[3] = port & 255;
  b[4] = addr >>> 24; b[5] = (addr >>> 16) & 255; b[6] = (addr >>> 8) & 255; b[7] = addr & 255;
  return b;
}

export interface InAddrPort { family: number; addr: number; port: number; }

function parseSockaddr(a: Uint8Array, forBind = false): InAddrPort | number {
  if (a.length < 2) return -EINVAL;
  const family = a[0] | (a[1] << 8);
  if (family === AF_UNSPEC && !forBind) return { family, addr: 0, port: 0 };
  if (a.length < SOCKADDR_IN_SIZE) return -EINVAL;
  const addr = ((a[4] << 24) | (a[5] << 16) | (a[6] << 8) | a[7]) >>> 0;
  if (family !== AF_INET) {
    // Linux accepts AF_UNSPEC with INADDR_ANY in bind for compatibility.
    if (forBind && family === AF_UNSPEC && addr === 0) return { family: AF_INET, addr, port: (a[2] << 8) | a[3] };
    return -EAFNOSUPPORT;
  }
  return { family, addr, port: (a[2] << 8) | a[3] };
}

function int32(v: number): Uint8Array { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, v | 0, true); return b; }
function readInt(val: Uint8Array): number | null {
  if (val.length >= 4) return new DataView(val.buffer, val.byteOffset, 4).getInt32(0, true);
  if (val.length >= 1) return val[0];
  return null;
}

abstract class InetSocket extends Socket {
  constructor(readonly inet: Inet, type: number, protocol: number, family = AF_INET) { super(family, type, protocol); }
  get v6(): boolean { return this.family === AF_INET6; }
  /** Parse a sockaddr of this socket's family; a peer :: means ::1 (inet6/sock6.ts). */
  protected parseAddr(a: Uint8Array, forBind = false): InAddrPort | number {
    return this.v6 ? parseSockaddr6(a, forBind, this.v6only) : parseSockaddr(a, forBind);
  }
  protected fmtAddr(addr: number, port: number): Uint8Array { return this.v6 ? sockaddrIn6(addr, port) : sockaddrIn(addr, port); }
  /** IPV6_V6ONLY (kept on the protocol object, which the stack's lookups read). */
  abstract v6only: boolean;
  recvPktinfo6 = false; recvHops6 = false; recvTclass6 = false; recvPktinfo2292 = false; recvHops2292 = false;

  /** getsockopt/setsockopt(IPPROTO_IPV6) over the protocol object's hop limit and class. */
  protected ipv6Opt(name: number, val: Uint8Array | null, t: { ttl: number; tos: number; v6only: boolean }, bound: boolean): Uint8Array | number {
    const st: V6State = { ttl: t.ttl, tos: t.tos, v6only: t.v6only, recvPktinfo6: this.recvPktinfo6, recvHops6: this.recvHops6,
      recvTclass6: this.recvTclass6, recvPktinfo2292: this.recvPktinfo2292, recvHops2292: this.recvHops2292 };
    if (val === null) return ipv6Get(st, name, this.stack.defaultTtl);
    const r = ipv6Set(st, name, val, bound);
    if (r === 0) {
      t.ttl = st.ttl; t.tos = st.tos; t.v6only = st.v6only;
      this.recvPktinfo6 = st.recvPktinfo6; this.recvHops6 = st.recvHops6; this.recvTclass6 = st.recvTclass6;
      this.recvPktinfo2292 = !!st.recvPktinfo2292; this.recvHops2292 = !!st.recvHops2292;
    }
    return r;
  }
  get stack(): NetStack { return this.inet.stack; }
  protected wake = (): void => { this.wq.wakeAll(); };

  protected checkBind(c: SockCaller, a: InAddrPort): number {
    if (a.port !== 0 && a.port < 1024 && c.cred.euid !== 0) return -EACCES;
    return 0;
  }

  override ioctl(cmd: number, arg: number, mm: AddressSpace, s: Sleeper): number {
    const r = this.protoIoctl(cmd, arg, mm);
    if (r !== null) return r;
    return inetIoctl(this.stack, cmd, arg, mm, s as SockCaller);
  }
  protected protoIoctl(_cmd: number, _arg: number, _mm: AddressSpace): number | null { return null; }

  /** SOL_IP options shared by every inet socket. */
  protected ipGet(name: number, ttl: number, tos: number): Uint8Array | number {
    switch (name) {
      case IP_TTL: return int32(ttl >= 0 ? ttl : this.stack.defaultTtl);
      case IP_TOS: return int32(tos);
      case IP_MTU_DISCOVER: return int32(0);
      case IP_RECVERR: case IP_PKTINFO: case IP_RECVTTL: case IP_RECVTOS: case IP_HDRINCL: return int32(0);
      case IP_MULTICAST_TTL: return int32(1);
      case IP_MULTICAST_LOOP: return int32(1);
      default: return -ENOPROTOOPT;
    }
  }
}

// ---- TCP -----------------------------------------------------------------------------

export class TcpSocket extends InetSocket {
  readonly sk: TcpSock;
  /** Like Linux's sock->state: unconnected, connecting (connect issued), connected. */
  private connState: 'unconnected' | 'connecting' | 'connected' = 'unconnected';

  constructor(inet: Inet, sk?: TcpSock, family = AF_INET) {
    super(inet, SOCK_STREAM, IPPROTO_TCP, family);
    this.sk = sk ?? new TcpSock();
    this.sk.v6 = family === AF_INET6;
    if (!sk && this.sk.v6) this.sk.v6only = inet.bindv6only;
    this.sk.onEvent = this.wake;
    this.sk.inode = this.ino;
    if (sk) this.connState = 'connected';
    this.syncBufs();
  }
  get tcp(): Tcp { return this.inet.tcp; }

  private syncOpts(): void {
    const sk = this.sk;
    sk.reuseAddr = this.reuseAddr; sk.reusePort = this.reusePort;
    sk.linger = this.lingerOn ? this.lingerSecs : null;
  }
  private syncBufs(): void {
    // Linux's tcp_rmem/tcp_wmem defaults are larger than the generic socket defaults.
    this.sk.rcvBufMax = Math.max(this.rcvBuf, 4608);
    this.sk.sndBufMax = Math.max(this.sndBuf, 4608);
    if (this.sk.rcvBufMax === 212992) this.sk.rcvBufMax = 262144;
    if (this.sk.sndBufMax === 212992) this.sk.sndBufMax = 262144;
  }

  override bind(addr: Uint8Array, c: SockCaller): number {
    const a = this.parseAddr(addr, true);
    if (typeof a === 'number') return a;
    const e = this.checkBind(c, a);
    if (e) return e;
    if (this.sk.lport !== 0 || this.sk.state !== TcpState.CLOSE) return -EINVAL;
    this.syncOpts();
    this.sk.uid = c.cred.uid;
    const r = this.tcp.bind(this.sk, a.addr, a.port);
    if (r === 0 && isV6(a.addr)) this.sk.v6only = true; // inet6_bind: a specific IPv6 address is IPv6-only
    return r;
  }

  override listen(backlog: number, c: SockCaller): number {
    if (this.connState !== 'unconnected') return -EINVAL;
    this.syncOpts();
    this.sk.uid = c.cred.uid;
    const r = this.tcp.listen(this.sk, backlog);
    if (r === 0) this.listening = true;
    return r;
  }

  override accept(c: SockCaller, nonblock: boolean): Socket | number {
    if (this.sk.state !== TcpState.LISTEN) return -EINVAL;
    const r = this.tcp.accept(this.sk);
    if (typeof r !== 'number') {
      const s = new TcpSocket(this.inet, r, this.family);
      s.reuseAddr = this.reuseAddr; s.keepAlive = this.keepAlive;
      s.rcvBuf = this.rcvBuf; s.sndBuf = this.sndBuf;
      s.lingerOn = this.lingerOn; s.lingerSecs = this.lingerSecs;
      return s;
    }
    if (r !== -EAGAIN) return r;
    if (nonblock) return -EAGAIN;
    c.blockOn(this.wq);
    return BLOCK;
  }

  override connect(addr: Uint8Array, c: SockCaller, nonblock: boolean): number {
    const sk = this.sk;
    const a = this.parseAddr(addr);
    if (typeof a === 'number') return a;
    if (a.family === AF_UNSPEC) {
      // Disconnect: abort the connection; the socket may connect again.
      if (sk.state !== TcpState.CLOSE && sk.state !== TcpState.LISTEN) this.tcp.abort(sk, 0);
      if (sk.state === TcpState.LISTEN) this.tcp.close(sk);
      this.connState = 'unconnected';
      sk.error = 0;
      return 0;
    }
    switch (this.connState) {
      case 'connected': return -EISCONN;
      case 'connecting': {
        if (sk.state === TcpState.SYN_SENT || sk.state === TcpState.SYN_RECV) {
          if (nonblock) return -EALREADY;
          c.blockOn(this.wq);
          return BLOCK;
        }
        if (sk.state === TcpState.CLOSE) {
          this.connState = 'unconnected';
          const e = sk.error || ECONNABORTED; sk.error = 0;
          return -e;
        }
        this.connState = 'connected';
        return 0;
      }
    }
    if (sk.state === TcpState.LISTEN) return -EINVAL;
    if (sk.wasConnected) return -EISCONN;
    this.syncOpts();
    this.syncBufs();
    sk.uid = c.cred.uid;
    sk.keepalive = this.keepAlive;
    const r = this.tcp.connect(sk, a.addr, a.port);
    if (r !== -EINPROGRESS) return r;
    this.connState = 'connecting';
    // On Linux the handshake completes after connect returns, even on lo: a non-blocking
    // connect always says EINPROGRESS (and the next connect reports the result).
    if ((sk.state as TcpState) === TcpState.ESTABLISHED) {
      if (nonblock) return -EINPROGRESS;
      this.connState = 'connected';
      return 0;
    }
    if ((sk.state as TcpState) === TcpState.CLOSE) {
      // Refused at once (a closed port on this machine).
      this.connState = 'unconnected';
      const e = sk.error || ECONNABORTED; sk.error = 0;
      if (nonblock) { this.softErrorFromSk(e); return -EINPROGRESS; }
      return -e;
    }
    if (nonblock) return -EINPROGRESS;
    c.blockOn(this.wq);
    return BLOCK;
  }

  /** A non-blocking connect failed before returning: SO_ERROR reports it later. */
  private softErrorFromSk(e: number): void { this.sk.error = e; }

  override sendmsg(c: SockCaller, msg: SendMsg, nonblock: boolean): number {
    const sk = this.sk;
    if (msg.flags & MSG_OOB) return -EOPNOTSUPP;
    if (sk.state === TcpState.SYN_SENT || sk.state === TcpState.SYN_RECV) {
      if (nonblock) return -EAGAIN;
      c.blockOn(this.wq);
      return BLOCK;
    }
    if (sk.state === TcpState.CLOSE && sk.error) { const e = sk.error; sk.error = 0; return -e; }
    if (msg.data.length === 0) return sk.state === TcpState.CLOSE ? (sk.wasConnected ? -32 : -ENOTCONN) : 0;
    let data = msg.data;
    // A blocking send takes the whole buffer once there is room (the restart model cannot
    // resume a partly done write), so the send buffer stretches rather than short-writing.
    if (!nonblock && sk.sndSpace > 0 && data.length > sk.sndSpace) {
      const save = sk.sndBufMax;
      sk.sndBufMax = sk.sndBuf.length + data.length;
      const r = this.tcp.send(sk, data, (msg.flags & MSG_MORE) !== 0);
      sk.sndBufMax = save;
      return r;
    }
    const r = this.tcp.send(sk, data, (msg.flags & MSG_MORE) !== 0);
    if (r === -EAGAIN) {
      if (nonblock) return -EAGAIN;
      c.blockOn(this.wq);
      return BLOCK;
    }
    data = new Uint8Array(0); void data;
    return r;
  }

  override recvmsg(c: SockCaller, size: number, flags: number, nonblock: boolean): RecvMsg | number {
    const sk = this.sk;
    if (flags & MSG_OOB) return -EINVAL;
    if (sk.state === TcpState.LISTEN) return -ENOTCONN;
    if (this.connState === 'unconnected' && !sk.wasConnected && sk.state === TcpState.CLOSE) return -ENOTCONN;
    const waitAll = (flags & MSG_WAITALL) !== 0 && !(flags & MSG_PEEK);
    if (waitAll && !nonblock && sk.rcvBuf.length < size && sk.rcvBuf.length < sk.rcvBufMax / 2 &&
        !sk.finReceived && !sk.error && !sk.shutRd && sk.state !== TcpState.CLOSE) {
      c.blockOn(this.wq);
      return BLOCK;
    }
    const buf = new Uint8Array(Math.min(size, Math.max(sk.rcvBuf.length, 1)));
    if (size === 0) {
      if (sk.rcvBuf.length === 0 && !sk.finReceived && !nonblock && sk.state !== TcpState.CLOSE) { c.blockOn(this.wq); return BLOCK; }
      return { data: new Uint8Array(0), len: 0, addr: null, control: [], flags: 0 };
    }
    const n = this.tcp.recv(sk, buf, (flags & MSG_PEEK) !== 0);
    if (n === -EAGAIN) {
      if (nonblock) return -EAGAIN;
      c.blockOn(this.wq);
      return BLOCK;
    }
    if (n < 0) return n;
    return { data: (flags & MSG_TRUNC) ? new Uint8Array(0) : buf.subarray(0, n), len: n, addr: null, control: [], flags: 0 };
  }

  override shutdown(how: number): number {
    if (how < 0 || how > 2) return -EINVAL;
    if (this.sk.state === TcpState.CLOSE) return -ENOTCONN;
    return this.tcp.shutdown(this.sk, how);
  }

  get v6only(): boolean { return this.sk.v6only; }
  set v6only(v: boolean) { this.sk.v6only = v; }
  override getsockname(): Uint8Array { return this.fmtAddr(this.sk.laddr, this.sk.lport); }
  override getpeername(): Uint8Array | number {
    const sk = this.sk;
    if (!sk.synchronized || sk.state === TcpState.SYN_RECV || (sk.state === TcpState.CLOSE)) {
      if (sk.state === TcpState.CLOSE || sk.state === TcpState.LISTEN || sk.state === TcpState.SYN_SENT) return -ENOTCONN;
    }
    return this.fmtAddr(sk.raddr, sk.rport);
  }

  override takeError(): number {
    const e = this.sk.error || this.softError;
    this.sk.error = 0; this.softError = 0;
    return e;
  }

  override poll(): number { return this.tcp.poll(this.sk); }
  override available(): number { return this.sk.state === TcpState.LISTEN ? -EINVAL : this.sk.rcvBuf.length; }
  override writeSpace(): number { return this.sk.sndSpace; }

  protected override protoIoctl(cmd: number): number | null {
    if (cmd === 0x5411 /* TIOCOUTQ */) return this.sk.sndBuf.length;
    return null;
  }

  override getsockopt(level: number, name: number, c: SockCaller): Uint8Array | number {
    const sk = this.sk;
    if (level === SOL_TCP) {
      switch (name) {
        case TCP_NODELAY: return int32(+sk.nodelay);
        case TCP_MAXSEG: return int32(sk.synchronized ? sk.mss : sk.userMss || 536);
        case TCP_CORK: return int32(+sk.cork);
        case TCP_KEEPIDLE: return int32(sk.keepIdle / 1e9);
        case TCP_KEEPINTVL: return int32(sk.keepIntvl / 1e9);
        case TCP_KEEPCNT: return int32(sk.keepCnt);
        case TCP_SYNCNT: return int32(6);
        case TCP_LINGER2: return int32(60);
        case TCP_DEFER_ACCEPT: return int32(0);
        case TCP_WINDOW_CLAMP: return int32(sk.rcvBufMax / 2);
        case TCP_QUICKACK: return int32(1);
        case TCP_USER_TIMEOUT: return int32(sk.userTimeout / 1e6);
        case TCP_CONGESTION: { const b = new Uint8Array(16); b.set(new TextEncoder().encode('reno')); return b; }
        case TCP_INFO: return this.tcpInfo();
        default: return -ENOPROTOOPT;
      }
    }
    if (level === SOL_IP) return this.ipGet(name, sk.ttl, sk.tos);
    if (level === SOL_IPV6 && this.v6) return this.ipv6Opt(name, null, sk, false);
    if (level === SOL_SOCKET && name === SO_ERROR) return int32(this.takeError());
    return super.getsockopt(level, name, c);
  }

  private tcpInfo(): Uint8Array {
    const sk = this.sk;
    const b = new Uint8Array(104), v = new DataView(b.buffer);
    b[0] = sk.state; b[1] = 0; b[2] = sk.retries; b[3] = sk.probes; b[4] = 0;
    b[5] = 0; b[6] = sk.wscaleOk ? 0x4 : 0; // tcpi_options: TCPI_OPT_WSCALE
    b[7] = (sk.sndWscale & 15) | ((sk.rcvWscale & 15) << 4);
    v.setUint32(8, Math.floor(sk.rto / 1000), true);
    v.setUint32(16, sk.mss, true); v.setUint32(20, sk.advMss, true);
    v.setUint32(24, 0, true); v.setUint32(28, 0, true);
    v.setUint32(68, Math.floor(sk.srtt / 1000), true); v.setUint32(72, Math.floor(sk.rttvar / 1000), true);
    v.setUint32(76, Math.min(sk.ssthresh, 0x7fffffff), true); v.setUint32(80, Math.floor(sk.cwnd / Math.max(sk.mss, 1)), true);
    v.setUint32(84, sk.advMss, true);
    v.setUint32(88, 0, true);
    v.setUint32(100, sk.retransmits, true);
    return b;
  }

  override setsockopt(level: number, name: number, val: Uint8Array, c: SockCaller): number {
    const sk = this.sk;
    if (level === SOL_TCP) {
      if (name === TCP_CONGESTION) {
        const s = new TextDecoder().decode(val).replace(/\0.*$/s, '');
        return s === 'reno' || s === 'cubic' ? 0 : -2; // ENOENT for unknown algorithms
      }
      const v = readInt(val);
      if (v === null || val.length < 4) return -EINVAL;
      switch (name) {
        case TCP_NODELAY: sk.nodelay = v !== 0; if (sk.nodelay) this.stack.batch(() => this.tcp.output(sk, false)); return 0;
        case TCP_CORK: sk.cork = v !== 0; if (!sk.cork) this.stack.batch(() => this.tcp.output(sk, false)); return 0;
        case TCP_MAXSEG: if (v !== 0 && (v < 88 || v > 65535)) return -EINVAL; sk.userMss = v; return 0;
        case TCP_KEEPIDLE: if (v < 1 || v > 32767) return -EINVAL; sk.keepIdle = v * 1e9; this.tcp.armKeepalive(sk); return 0;
        case TCP_KEEPINTVL: if (v < 1 || v > 32767) return -EINVAL; sk.keepIntvl = v * 1e9; return 0;
        case TCP_KEEPCNT: if (v < 1 || v > 127) return -EINVAL; sk.keepCnt = v; return 0;
        case TCP_USER_TIMEOUT: if (v < 0) return -EINVAL; sk.userTimeout = v * 1e6; return 0;
        case TCP_SYNCNT: case TCP_LINGER2: case TCP_DEFER_ACCEPT: case TCP_WINDOW_CLAMP: case TCP_QUICKACK: return 0;
        default: return -ENOPROTOOPT;
      }
    }
    if (level === SOL_IP) {
      const v = readInt(val);
      if (v === null) return -EINVAL;
      switch (name) {
        case IP_TTL: if (v < -1 || v === 0 || v > 255) return -EINVAL; sk.ttl = v; return 0;
        case IP_TOS: sk.tos = v & 0xfc; return 0;
        case IP_MTU_DISCOVER: case IP_RECVERR: case IP_PKTINFO: case IP_RECVTTL: case IP_RECVTOS: case IP_FREEBIND: return 0;
        default: return -ENOPROTOOPT;
      }
    }
    if (level === SOL_IPV6 && this.v6) return this.ipv6Opt(name, val, sk, sk.lport !== 0) as number;
    const r = super.setsockopt(level, name, val, c);
    if (r === 0 && level === SOL_SOCKET) {
      switch (name) {
        case SO_KEEPALIVE: sk.keepalive = this.keepAlive; this.tcp.armKeepalive(sk); break;
        case SO_RCVBUF: case SO_RCVBUFFORCE: case SO_SNDBUF: case SO_SNDBUFFORCE:
          this.sk.rcvBufMax = Math.max(this.rcvBuf, 2304); this.sk.sndBufMax = Math.max(this.sndBuf, 4608);
          break;
        case SO_REUSEADDR: case SO_REUSEPORT: case SO_LINGER: this.syncOpts(); break;
        case SO_BINDTODEVICE: {
          const n = new TextDecoder().decode(val).replace(/\0.*$/s, '');
          sk.bindDev = n ? this.stack.devByName(n) : null;
          if (n && !sk.bindDev) return -19; // ENODEV
          break;
        }
      }
    }
    return r;
  }

  override release(): void {
    this.syncOpts();
    this.tcp.close(this.sk);
    if (this.sk.state === TcpState.CLOSE) this.tcp.release(this.sk);
  }
}

// ---- UDP, ping and raw ---------------------------------------------------------------

abstract class DgramSocket extends InetSocket {
  abstract readonly ep: DgramEndpoint;

  protected recvCommon(c: SockCaller, size: number, flags: number, nonblock: boolean, addrOf: (d: { src: number; sport: number }) => Uint8Array): RecvMsg | number {
    const ep = this.ep;
    const peek = (flags & MSG_PEEK) !== 0;
    const d = ep.dequeue(peek);
    if (!d) {
      if (ep.error) return -ep.takeError();
      if (nonblock) return -EAGAIN;
      c.blockOn(this.wq);
      return BLOCK;
    }
    const n = Math.min(size, d.data.length);
    const control: Cmsg[] = [];
    if (this.pktinfo) {
      const b = new Uint8Array(12), v = new DataView(b.buffer);
      v.setInt32(0, d.ifindex, true);
      b.set(sockaddrIn(d.dst, 0).subarray(4, 8), 4); b.set(sockaddrIn(d.dst, 0).subarray(4, 8), 8);
      control.push({ level: SOL_IP, type: IP_PKTINFO, data: b });
    }
    if (this.recvTtl) control.push({ level: SOL_IP, type: IP_TTL, data: int32(d.ttl) });
    if (this.recvTos) control.push({ level: SOL_IP, type: IP_TOS, data: new Uint8Array([d.tos]) });
    if (this.v6) control.push(...pktinfo6(this, d.dst, d.ifindex, d.ttl, d.tos));
    return {
      data: d.data.subarray(0, n), len: (flags & MSG_TRUNC) ? d.data.length : n, addr: addrOf(d), control,
      flags: d.data.length > size ? MSG_TRUNC : 0,
    };
  }
  pktinfo = false; recvTtl = false; recvTos = false;

  override poll(): number {
    let m = POLLOUT | POLLWRNORM;
    if (this.ep.rxq.length) m |= POLLIN | POLLRDNORM;
    if (this.ep.error) m |= POLLERR;
    return m;
  }
  override available(): number { return this.ep.rxq.length ? this.ep.rxq[0].data.length : 0; }
  override takeError(): number { return this.ep.takeError() || super.takeError(); }

  get v6only(): boolean { return this.ep.v6only; }
  set v6only(v: boolean) { this.ep.v6only = v; }
  override getsockname(): Uint8Array { return this.fmtAddr(this.ep.laddr, this.ep.lport); }
  override getpeername(): Uint8Array | number {
    return this.ep.connected ? this.fmtAddr(this.ep.raddr, this.ep.rport) : -ENOTCONN;
  }
  override shutdown(how: number): number {
    if (how < 0 || how > 2) return -EINVAL;
    return this.ep.connected ? 0 : -ENOTCONN;
  }

  override getsockopt(level: number, name: number, c: SockCaller): Uint8Array | number {
    if (level === SOL_IP) {
      switch (name) {
        case IP_PKTINFO: return int32(+this.pktinfo);
        case IP_RECVTTL: return int32(+this.recvTtl);
        case IP_RECVTOS: return int32(+this.recvTos);
        case IP_RECVERR: return int32(+this.ep.recvErr);
      }
      return this.ipGet(name, this.ep.ttl, this.ep.tos);
    }
    if (level === SOL_IPV6 && this.v6) return this.ipv6Opt(name, null, this.ep, false);
    if (level === SOL_SOCKET && name === SO_ERROR) return int32(this.takeError());
    return super.getsockopt(level, name, c);
  }

  override setsockopt(level: number, name: number, val: Uint8Array, c: SockCaller): number {
    const ep = this.ep;
    if (level === SOL_IPV6 && this.v6) return this.ipv6Opt(name, val, ep, ep.lport !== 0) as number;
    if (level === SOL_IP) {
      const v = readInt(val);
      if (name === IP_ADD_MEMBERSHIP || name === IP_DROP_MEMBERSHIP || name === IP_MULTICAST_IF) return 0;
      if (v === null) return -EINVAL;
      switch (name) {
        case IP_TTL: if (v < -1 || v === 0 || v > 255) return -EINVAL; ep.ttl = v; return 0;
        case IP_TOS: ep.tos = v & 0xfc; return 0;
        case IP_PKTINFO: this.pktinfo = v !== 0; return 0;
        case IP_RECVTTL: this.recvTtl = v !== 0; return 0;
        case IP_RECVTOS: this.recvTos = v !== 0; return 0;
        case IP_RECVERR: ep.recvErr = v !== 0; return 0;
        case IP_MTU_DISCOVER: case IP_FREEBIND: case IP_MULTICAST_TTL: case IP_MULTICAST_LOOP: case IP_RECVOPTS: return 0;
        case IP_HDRINCL:
          if (this instanceof RawSocket) { this.ep.hdrincl = v !== 0; return 0; }
          return -ENOPROTOOPT;
        default: return -ENOPROTOOPT;
      }
    }
    const r = super.setsockopt(level, name, val, c);
    if (r === 0 && level === SOL_SOCKET) {
      switch (name) {
        case SO_REUSEADDR: ep.reuseAddr = this.reuseAddr; break;
        case SO_REUSEPORT: ep.reusePort = this.reusePort; break;
        case SO_BROADCAST: ep.broadcast = this.broadcast; break;
        case SO_RCVBUF: case SO_RCVBUFFORCE: ep.rcvbuf = this.rcvBuf; break;
        case SO_SNDBUF: case SO_SNDBUFFORCE: ep.sndbuf = this.sndBuf; break;
        case SO_BINDTODEVICE: {
          const n = new TextDecoder().decode(val).replace(/\0.*$/s, '');
          ep.bindDev = n ? this.stack.devByName(n) : null;
          if (n && !ep.bindDev) return -19;
          break;
        }
      }
    }
    return r;
  }

  protected destFor(msg: SendMsg): InAddrPort | number {
    if (msg.addr && msg.addr.length) {
      const a = this.parseAddr(msg.addr);
      if (typeof a === 'number') return a;
      if (a.family === AF_UNSPEC) {
        if (!this.ep.connected) return -EDESTADDRREQ;
        return { family: AF_INET, addr: this.ep.raddr, port: this.ep.rport };
      }
      return a;
    }
    if (!this.ep.connected) return -EDESTADDRREQ;
    return { family: AF_INET, addr: this.ep.raddr, port: this.ep.rport };
  }
}

export class UdpSocket extends DgramSocket {
  readonly ep = new DgramEndpoint();
  constructor(inet: Inet, family = AF_INET) {
    super(inet, SOCK_DGRAM, IPPROTO_UDP, family);
    this.ep.onEvent = this.wake;
    this.ep.v6 = family === AF_INET6;
    this.ep.v6only = this.ep.v6 && inet.bindv6only;
  }
  get udp(): Udp { return this.inet.udp; }

  override bind(addr: Uint8Array, c: SockCaller): number {
    const a = this.parseAddr(addr, true);
    if (typeof a === 'number') return a;
    const e = this.checkBind(c, a);
    if (e) return e;
    if (this.ep.lport !== 0) return -EINVAL;
    this.ep.reuseAddr = this.reuseAddr; this.ep.reusePort = this.reusePort;
    const r = this.udp.bind(this.ep, a.addr, a.port);
    if (r === 0 && isV6(a.addr)) this.ep.v6only = true;
    return r;
  }

  override connect(addr: Uint8Array): number {
    const a = this.parseAddr(addr);
    if (typeof a === 'number') return a;
    if (a.family === AF_UNSPEC) return this.udp.connect(this.ep, 0, 0);
    let dst = a.addr;
    if (dst === INADDR_ANY) dst = 0x7f000001;
    if (dst === INADDR_BROADCAST && !this.broadcast) return -EACCES;
    return this.udp.connect(this.ep, dst, a.port);
  }

  override sendmsg(_c: SockCaller, msg: SendMsg, _nonblock: boolean): number {
    if (this.ep.connected && this.ep.error) return -this.ep.takeError();
    const d = this.destFor(msg);
    if (typeof d === 'number') return d;
    if (d.port === 0) return -EINVAL;
    let dst = d.addr;
    if (dst === INADDR_ANY) dst = 0x7f000001;
    if (msg.data.length > (isV6(dst) ? 65527 : 65507)) return -EMSGSIZE;
    return this.udp.send(this.ep, msg.data, dst, d.port);
  }

  override recvmsg(c: SockCaller, size: number, flags: number, nonblock: boolean): RecvMsg | number {
    return this.recvCommon(c, size, flags, nonblock, (d) => this.fmtAddr(d.src, d.sport));
  }

  override release(): void { this.udp.unbind(this.ep); }
}

export class PingSocket extends DgramSocket {
  readonly ep = new DgramEndpoint();
  constructor(inet: Inet) { super(inet, SOCK_DGRAM, IPPROTO_ICMP); this.ep.onEvent = this.wake; }
  override bind(addr: Uint8Array): number {
    const a = parseSockaddr(addr, true);
    if (typeof a === 'number') return a;
    if (this.ep.lport !== 0) return -EINVAL;
    return this.inet.ping.bind(this.ep, a.addr, a.port);
  }
  override connect(addr: Uint8Array): number {
    const a = parseSockaddr(addr);
    if (typeof a === 'number') return a;
    if (a.family === AF_UNSPEC) { this.ep.connected = false; return 0; }
    if (this.ep.lport === 0) { const e = this.inet.ping.bind(this.ep, 0, 0); if (e) return e; }
    this.ep.raddr = a.addr || 0x7f000001; this.ep.connected = true;
    return 0;
  }
  override sendmsg(_c: SockCaller, msg: SendMsg): number {
    const d = this.destFor(msg);
    if (typeof d === 'number') return d;
    return this.inet.ping.send(this.ep, msg.data, d.addr || 0x7f000001);
  }
  override recvmsg(c: SockCaller, size: number, flags: number, nonblock: boolean): RecvMsg | number {
    return this.recvCommon(c, size, flags, nonblock, (d) => sockaddrIn(d.src, 0));
  }
  override getpeername(): Uint8Array | number { return this.ep.connected ? sockaddrIn(this.ep.raddr, 0) : -ENOTCONN; }
  override release(): void { this.inet.ping.unbind(this.ep); }
}

export class RawSocket extends DgramSocket {
  readonly ep: RawEndpoint;
  constructor(inet: Inet, protocol: number) {
    super(inet, SOCK_RAW, protocol);
    this.ep = new RawEndpoint(inet.stack, protocol);
    this.ep.onEvent = this.wake;
    this.ep.open();
    inet.raws.add(this);
  }
  override bind(addr: Uint8Array): number {
    const a = parseSockaddr(addr, true);
    if (typeof a === 'number') return a;
    if (a.addr && !this.stack.isLocal(a.addr)) return -99;
    this.ep.laddr = a.addr;
    return 0;
  }
  override connect(addr: Uint8Array): number {
    const a = parseSockaddr(addr);
    if (typeof a === 'number') return a;
    if (a.family === AF_UNSPEC) { this.ep.connected = false; return 0; }
    this.ep.raddr = a.addr; this.ep.connected = true;
    return 0;
  }
  override sendmsg(_c: SockCaller, msg: SendMsg): number {
    const d = this.destFor(msg);
    if (typeof d === 'number') return d;
    return this.ep.send(msg.data, d.addr || 0x7f000001);
  }
  override recvmsg(c: SockCaller, size: number, flags: number, nonblock: boolean): RecvMsg | number {
    return this.recvCommon(c, size, flags, nonblock, (d) => sockaddrIn(d.src, 0));
  }
  override getsockname(): Uint8Array { return sockaddrIn(this.ep.laddr, this.protocol); }
  override getsockopt(level: number, name: number, c: SockCaller): Uint8Array | number {
    if (level === SOL_RAW && name === ICMP_FILTER && this.protocol === IPPROTO_ICMP) return int32(this.ep.icmpFilter);
    if (level === SOL_IP && name === IP_HDRINCL) return int32(+this.ep.hdrincl);
    return super.getsockopt(level, name, c);
  }
  override setsockopt(level: number, name: number, val: Uint8Array, c: SockCaller): number {
    if (level === SOL_RAW) {
      if (name !== ICMP_FILTER || this.protocol !== IPPROTO_ICMP) return -EOPNOTSUPP;
      const v = readInt(val); if (v === null) return -EINVAL;
      this.ep.icmpFilter = v >>> 0; return 0;
    }
    return super.setsockopt(level, name, val, c);
  }
  override release(): void { this.ep.close(); this.inet.raws.delete(this); }
}

setDevIoctl((cmd, arg, mm, c) => {
  const inet = inetOf(c);
  return inet ? inetIoctl(inet.stack, cmd, arg, mm, c) : -19;
});

registerFamily(AF_INET, {
  create(type, protocol, c) {
    const inet = inetOf(c);
    if (!inet) return -EAFNOSUPPORT;
    switch (type) {
      case SOCK_STREAM:
        if (protocol !== 0 && protocol !== IPPROTO_TCP) return -EPROTONOSUPPORT;
        return new TcpSocket(inet);
      case SOCK_DGRAM:
        if (protocol === 0 || protocol === IPPROTO_UDP) return new UdpSocket(inet);
        if (protocol === IPPROTO_ICMP) return new PingSocket(inet);
        return -EPROTONOSUPPORT;
      case SOCK_RAW:
        if (c.cred.euid !== 0) return -EPERM;
        if (protocol <= 0 || protocol > 255) return -EPROTONOSUPPORT;
        return new RawSocket(inet, protocol);
      default:
        return -ESOCKTNOSUPPORT;
    }
  },
});

registerFamily(AF_INET6, {
  create(type, protocol, c) {
    const inet = inetOf(c);
    if (!inet) return -EAFNOSUPPORT;
    switch (type) {
      case SOCK_STREAM:
        if (protocol !== 0 && protocol !== IPPROTO_TCP) return -EPROTONOSUPPORT;
        return new TcpSocket(inet, undefined, AF_INET6);
      case SOCK_DGRAM:
        if (protocol === 0 || protocol === IPPROTO_UDP) return new UdpSocket(inet, AF_INET6);
        if (protocol === IPPROTO_ICMPV6) return new PingSocket6(inet.ip6);
        return -EPROTONOSUPPORT;
      case SOCK_RAW:
        if (c.cred.euid !== 0) return -EPERM;
        if (protocol <= 0 || protocol > 255) return -EPROTONOSUPPORT;
        return new RawSocket6(inet.ip6, protocol);
      default:
        return -ESOCKTNOSUPPORT;
    }
  },
});

void SO_PRIORITY; void EINPROGRESS;
