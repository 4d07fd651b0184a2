// ICMPv6 sockets on loopback: raw IPv6 sockets for root (SOCK_RAW; they receive the
// upper-layer message without the IPv6 header, the kernel fills the ICMPv6 checksum,
// ICMP6_FILTER blocks types) and ping sockets (SOCK_DGRAM/IPPROTO_ICMPV6: the kernel
// owns the echo identifier). busybox `ping ::1` uses the raw kind as root.
import { EINVAL, EAGAIN, ENOTCONN, ENOPROTOOPT, EDESTADDRREQ, EADDRNOTAVAIL, EMSGSIZE } from '../../abi/linux/errno.js';
import { AF_INET6, SOCK_RAW, SOCK_DGRAM, SOL_IPV6, SOL_RAW, SOL_SOCKET, MSG_PEEK, MSG_TRUNC, SO_ERROR } from '../../abi/linux/socket.js';
import { BLOCK, Socket, SockCaller, SendMsg, RecvMsg, Cmsg } from '../socket.js';
import type { IpPacket } from '../inet/stack.js';
import { csumFold, csumPartial, pseudoSum, rd16, wr16 } from '../inet/util.js';
import { IPPROTO_ICMPV6 } from './ip6.js';
import type { Ip6 } from './ip6.js';
import { isV6, LOOPBACK6 } from './addr.js';
import { parseSockaddr6, sockaddrIn6, ipv6Get, ipv6Set, pktinfo6, V6State } from './sock6.js';

const SOL_ICMPV6 = 58, ICMP6_FILTER = 1, IPV6_CHECKSUM = 7;
const ICMP6_ECHO_REQUEST = 128, ICMP6_ECHO_REPLY = 129;
const POLLIN = 0x1, POLLOUT = 0x4, POLLERR = 0x8, POLLRDNORM = 0x40, POLLWRNORM = 0x100;

interface Msg { data: Uint8Array; src: number; dst: number; hops: number; tclass: number; ifindex: number; }

function int32(v: number): Uint8Array { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, v | 0, true); return b; }

/** What the two kinds share: a receive queue, sockaddr_in6, the IPPROTO_IPV6 options. */
abstract class Icmp6Socket extends Socket implements V6State {
  protected readonly rxq: Msg[] = [];
  private rxBytes = 0;
  laddr = 0; raddr = 0; connected = false;
  ttl = -1; tos = 0; v6only = true;
  recvPktinfo6 = false; recvHops6 = false; recvTclass6 = false; recvPktinfo2292 = false; recvHops2292 = false;

  constructor(readonly ip6: Ip6, type: number, protocol: number) { super(AF_INET6, type, protocol); }

  queue(m: Msg): void {
    if (this.rxBytes + m.data.length > this.rcvBuf && this.rxq.length > 0) return;
    this.rxq.push(m); this.rxBytes += m.data.length;
    this.wq.wakeAll();
  }

  protected dest(msg: SendMsg): number {
    if (msg.addr && msg.addr.length) {
      const a = parseSockaddr6(msg.addr, false, true);
      if (typeof a === 'number') return a;
      return a.addr;
    }
    return this.connected ? this.raddr : -EDESTADDRREQ;
  }

  /** Fill the checksum at `csumOff` (-1: none) for src → dst and send the message. */
  protected send(m: Uint8Array, dst: number, proto: number, csumOff: number): number {
    if (!isV6(dst)) return -101; // ENETUNREACH: IPv4 through an ICMPv6 socket
    const src = this.laddr || LOOPBACK6;
    if (csumOff >= 0) {
      if (m.length < csumOff + 2) return -EINVAL;
      wr16(m, csumOff, 0);
      wr16(m, csumOff, csumFold(csumPartial(m, 0, m.length, pseudoSum(src, dst, proto, m.length))));
    }
    if (m.length > 65535) return -EMSGSIZE;
    const stack = this.ip6.stack;
    const r = stack.batch(() => stack.output(src, dst, proto, m, { ttl: this.ttl >= 0 ? this.ttl : undefined, tos: this.tos }));
    return r;
  }

  override bind(addr: Uint8Array): number {
    const a = parseSockaddr6(addr, true, true);
    if (typeof a === 'number') return a;
    if (a.addr && !this.ip6.stack.isLocal(a.addr)) return -EADDRNOTAVAIL;
    this.laddr = a.addr;
    return 0;
  }

  override connect(addr: Uint8Array): number {
    const a = parseSockaddr6(addr, false, true);
    if (typeof a === 'number') return a;
    if (a.family !== AF_INET6) { this.connected = false; return 0; }
    this.raddr = a.addr; this.connected = true;
    return 0;
  }

  override recvmsg(c: SockCaller, size: number, flags: number, nonblock: boolean): RecvMsg | number {
    const m = this.rxq[0];
    if (!m) {
      if (nonblock) return -EAGAIN;
      c.blockOn(this.wq);
      return BLOCK;
    }
    if (!(flags & MSG_PEEK)) { this.rxq.shift(); this.rxBytes -= m.data.length; }
    const n = Math.min(size, m.data.length);
    const control: Cmsg[] = pktinfo6(this, m.dst, m.ifindex, m.hops, m.tclass);
    return {
      data: m.data.subarray(0, n), len: (flags & MSG_TRUNC) ? m.data.length : n, addr: sockaddrIn6(m.src, 0), control,
      flags: m.data.length > size ? MSG_TRUNC : 0,
    };
  }

  override getpeername(): Uint8Array | number { return this.connected ? sockaddrIn6(this.raddr, 0) : -ENOTCONN; }
  override poll(): number { return POLLOUT | POLLWRNORM | (this.rxq.length ? POLLIN | POLLRDNORM : 0) | (this.softError ? POLLERR : 0); }
  override available(): number { return this.rxq.length ? this.rxq[0].data.length : 0; }

  override getsockopt(level: number, name: number, c: SockCaller): Uint8Array | number {
    if (level === SOL_IPV6) return ipv6Get(this, name, this.ip6.defaultHops);
    if (level === SOL_SOCKET && name === SO_ERROR) return int32(this.takeError());
    return super.getsockopt(level, name, c);
  }
  override setsockopt(level: number, name: number, val: Uint8Array, c: SockCaller): number {
    if (level === SOL_IPV6) return name === 26 /* IPV6_V6ONLY */ ? 0 : ipv6Set(this, name, val, false);
    return super.setsockopt(level, name, val, c);
  }
}

/** SOCK_RAW: every datagram of its protocol on the way in (ICMPv6 through ICMP6_FILTER). */
export class RawSocket6 extends Icmp6Socket {
  /** struct icmp6_filter: a set bit blocks that type. */
  private readonly filter = new Uint32Array(8);
  /** IPV6_CHECKSUM: where the kernel puts the checksum (-1: nowhere); ICMPv6 starts at 2. */
  private csumOff: number;

  constructor(ip6: Ip6, protocol: number) {
    super(ip6, SOCK_RAW, protocol);
    this.csumOff = protocol === IPPROTO_ICMPV6 ? 2 : -1;
    ip6.raw.add(this);
  }

  deliver(pkt: IpPacket): void {
    if (this.laddr && this.laddr !== pkt.dst) return;
    if (this.connected && this.raddr !== pkt.src) return;
    const m = pkt.payload;
    if (this.protocol === IPPROTO_ICMPV6 && m.length > 0 && (this.filter[m[0] >> 5] >>> (m[0] & 31)) & 1) return;
    this.queue({ data: m.slice(), src: pkt.src, dst: pkt.dst, hops: pkt.ttl, tclass: pkt.tos, ifindex: pkt.dev?.index ?? 1 });
  }

  override sendmsg(_c: SockCaller, msg: SendMsg): number {
    const dst = this.dest(msg);
    if (dst < 0) return dst;
    const r = this.send(msg.data.slice(), dst, this.protocol, this.csumOff);
    return r < 0 ? r : msg.data.length;
  }

  override getsockname(): Uint8Array { return sockaddrIn6(this.laddr, 0); }

  override getsockopt(level: number, name: number, c: SockCaller): Uint8Array | number {
    if (level === SOL_ICMPV6) {
      if (this.protocol !== IPPROTO_ICMPV6 || name !== ICMP6_FILTER) return -ENOPROTOOPT;
      return new Uint8Array(this.filter.buffer.slice(0));
    }
    if ((level === SOL_RAW || level === SOL_IPV6) && name === IPV6_CHECKSUM) return int32(this.csumOff);
    return super.getsockopt(level, name, c);
  }
  override setsockopt(level: number, name: number, val: Uint8Array, c: SockCaller): number {
    if (level === SOL_ICMPV6) {
      if (this.protocol !== IPPROTO_ICMPV6 || name !== ICMP6_FILTER) return -ENOPROTOOPT;
      const n = Math.min(val.length, 32) & ~3;
      const dv = new DataView(val.buffer, val.byteOffset, val.byteLength);
      for (let i = 0; i < 8; i++) this.filter[i] = i * 4 < n ? dv.getUint32(i * 4, true) : 0;
      return 0;
    }
    if ((level === SOL_RAW || level === SOL_IPV6) && name === IPV6_CHECKSUM) {
      // RFC 3542: not at the IPPROTO_IPV6 level on ICMPv6 sockets; an odd offset is EINVAL.
      if (level === SOL_IPV6 && this.protocol === IPPROTO_ICMPV6) return -EINVAL;
      if (val.length < 4) return -EINVAL;
      const v = new DataView(val.buffer, val.byteOffset, 4).getInt32(0, true);
      if (v > 0 && (v & 1)) return -EINVAL;
      this.csumOff = v < 0 ? -1 : v;
      return 0;
    }
    return super.setsockopt(level, name, val, c);
  }

  override release(): void { this.ip6.raw.delete(this); this.rxq.length = 0; }
}

/** SOCK_DGRAM/IPPROTO_ICMPV6: echo requests out with the socket's identifier, replies back. */
export class PingSocket6 extends Icmp6Socket {
  id = 0;

  constructor(ip6: Ip6) { super(ip6, SOCK_DGRAM, IPPROTO_ICMPV6); }

  private autobind(): number {
    if (this.id) return 0;
    for (let i = 0; i < 65535; i++) {
      const id = 1 + ((this.ip6.nextPingId + i) % 65535);
      if (![...this.ip6.pings].some((p) => p.id === id)) { this.id = id; this.ip6.nextPingId = id; this.ip6.pings.add(this); return 0; }
    }
    return -EAGAIN;
  }

  deliver(pkt: IpPacket): boolean {
    const m = pkt.payload;
    if (m.length < 8 || rd16(m, 4) !== this.id) return false;
    if (this.laddr && this.laddr !== pkt.dst) return false;
    if (this.connected && this.raddr !== pkt.src) return false;
    this.queue({ data: m.slice(), src: pkt.src, dst: pkt.dst, hops: pkt.ttl, tclass: pkt.tos, ifindex: pkt.dev?.index ?? 1 });
    return true;
  }

  override sendmsg(_c: SockCaller, msg: SendMsg): number {
    const dst = this.dest(msg);
    if (dst < 0) return dst;
    const d = msg.data;
    if (d.length < 8 || d[0] !== ICMP6_ECHO_REQUEST || d[1] !== 0) return -EINVAL;
    const e = this.autobind();
    if (e) return e;
    const m = d.slice();
    wr16(m, 4, this.id);
    const r = this.send(m, dst, IPPROTO_ICMPV6, 2);
    return r < 0 ? r : d.length;
  }

  override getsockname(): Uint8Array { return sockaddrIn6(this.laddr, this.id); }
  override release(): void { this.ip6.pings.delete(this); this.rxq.length = 0; }
}

void SOCK_DGRAM; void ICMP6_ECHO_REPLY;
