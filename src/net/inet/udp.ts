// UDP (RFC 768) and the datagram endpoints the socket layer builds on: UDP sockets,
// ICMP ping sockets (SOCK_DGRAM/IPPROTO_ICMP: the kernel owns the echo identifier) and
// raw IP sockets. Endpoints hold a bounded receive queue and call onEvent() whenever
// readiness may have changed (the socket layer wakes its wait queue there).
import { NetStack, IpPacket, IPPROTO_UDP, IPPROTO_ICMP, ProtoHandler, INADDR_ANY, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH,
  ICMP_TIME_EXCEEDED, ICMP_ECHO, ICMP_ECHOREPLY, ICMP_FRAG_NEEDED, RawListener, OutOpts } from './stack.js';
import { checksum, csumFold, csumPartial, pseudoSum, rd16, wr16 } from './util.js';
import type { NetDevice } from './netdev.js';
import { addrTakes, addrsOverlap } from '../inet6/addr.js';

export const ECONNREFUSED = 111, EHOSTUNREACH = 113, ENETUNREACH = 101, EADDRINUSE = 98, EADDRNOTAVAIL = 99,
  EMSGSIZE = 90, EINVAL = 22, EACCES = 13, EAGAIN = 11;

export interface Datagram { data: Uint8Array; src: number; sport: number; dst: number; ttl: number; tos: number; ifindex: number; }

export class DgramEndpoint {
  laddr = 0; lport = 0; raddr = 0; rport = 0;
  /** An AF_INET6 socket's (inet6/addr.ts: which wildcard traffic it takes). */
  v6 = false; v6only = false;
  connected = false;
  readonly rxq: Datagram[] = [];
  rxBytes = 0;
  rcvbuf = 212992;
  sndbuf = 212992;
  /** A pending asynchronous error (ICMP), reported once by the next call. */
  error = 0;
  reuseAddr = false; reusePort = false; broadcast = false;
  /** IP_RECVERR: queue ICMP errors (we report them as `error` only). */
  recvErr = false;
  ttl = -1; tos = 0;
  bindDev: NetDevice | null = null;
  closed = false;
  drops = 0;
  onEvent: () => void = () => {};

  queue(d: Datagram): boolean {
    if (this.rxBytes + d.data.length > this.rcvbuf && this.rxq.length > 0) { this.drops++; return false; }
    this.rxq.push(d); this.rxBytes += d.data.length;
    this.onEvent();
    return true;
  }
  dequeue(peek = false): Datagram | null {
    const d = this.rxq[0];
    if (!d) return null;
    if (!peek) { this.rxq.shift(); this.rxBytes -= d.data.length; }
    return d;
  }
  setError(e: number): void { this.error = e; this.onEvent(); }
  takeError(): number { const e = this.error; this.error = 0; return e; }
}

/** The table of datagram endpoints of one protocol, with port binding rules. */
class PortTable {
  readonly eps = new Set<DgramEndpoint>();
  constructor(readonly stack: NetStack) {}

  conflict(ep: DgramEndpoint, addr: number, port: number): boolean {
    for (const o of this.eps) {
      if (o === ep || o.lport !== port) continue;
      if (!addrsOverlap(o.laddr, o.v6, o.v6only, addr, ep.v6, ep.v6only)) continue;
      if ((ep.reuseAddr && o.reuseAddr) || (ep.reusePort && o.reusePort)) continue;
      return true;
    }
    return false;
  }

  bind(ep: DgramEndpoint, addr: number, port: number): number {
    if (addr !== INADDR_ANY && !this.stack.isLocal(addr) && !this.stack.isBroadcast(addr, null) && (addr >>> 28) !== 14) return -EADDRNOTAVAIL;
    if (port === 0) {
      port = this.stack.ephemeralPort((p) => this.conflict(ep, addr, p), this.eps.size);
      if (port === 0) return -EAGAIN;
    } else if (this.conflict(ep, addr, port)) return -EADDRINUSE;
    ep.laddr = addr; ep.lport = port;
    this.eps.add(ep);
    return 0;
  }

  /** The best matching endpoint for a datagram (connected matches win). */
  lookup(dst: number, dport: number, src: number, sport: number, dev: NetDevice | null): DgramEndpoint[] {
    let best: DgramEndpoint | null = null, bestScore = -1;
    const all: DgramEndpoint[] = [];
    for (const e of this.eps) {
      if (e.lport !== dport || e.closed) continue;
      if (!addrTakes(e.laddr, e.v6, e.v6only, dst)) continue;
      if (e.connected && (e.raddr !== src || e.rport !== sport)) continue;
      if (e.bindDev && dev && e.bindDev !== dev) continue;
      const score = (e.laddr ? 2 : 0) + (e.connected ? 4 : 0);
      all.push(e);
      if (score > bestScore) { best = e; bestScore = score; }
    }
    // Broadcast and multicast go to every listener; unicast to the best one.
    if (this.stack.isBroadcast(dst, dev) || (dst >>> 28) === 14) return all;
    return best ? [best] : [];
  }
}

export class Udp implements ProtoHandler {
  readonly table: PortTable;
  inDatagrams = 0; noPorts = 0; inErrors = 0; outDatagrams = 0; rcvbufErrors = 0; inCsumErrors = 0;
  /** User-mode NAT: datagrams no endpoint takes (return true when handled). */
  catchAll: ((pkt: IpPacket, sport: number, dport: number, data: Uint8Array) => boolean) | null = null;

  /** Send a datagram with any source address (the NAT answers for remote hosts). */
  sendFrom(src: number, sport: number, dst: number, dport: number, data: Uint8Array): number {
    const len = 8 + data.length;
    const u = new Uint8Array(len);
    wr16(u, 0, sport); wr16(u, 2, dport); wr16(u, 4, len);
    u.set(data, 8);
    let c = csumFold(csumPartial(u, 0, len, pseudoSum(src, dst, IPPROTO_UDP, len)));
    if (c === 0) c = 0xffff;
    wr16(u, 6, c);
    this.outDatagrams++;
    return this.stack.output(src, dst, IPPROTO_UDP, u);
  }
  constructor(readonly stack: NetStack) {
    this.table = new PortTable(stack);
    stack.protocols.set(IPPROTO_UDP, this);
  }

  bind(ep: DgramEndpoint, addr: number, port: number): number { return this.table.bind(ep, addr, port); }
  unbind(ep: DgramEndpoint): void { ep.closed = true; this.table.eps.delete(ep); }
  get endpoints(): Set<DgramEndpoint> { return this.table.eps; }

  /** connect(2) on a UDP endpoint (dst 0 with AF_UNSPEC dissolves the association). */
  connect(ep: DgramEndpoint, dst: number, dport: number): number {
    if (dst === 0 && dport === 0) { ep.connected = false; ep.raddr = 0; ep.rport = 0; return 0; }
    const rt = this.stack.lookup(dst, ep.bindDev);
    if (!rt) return -ENETUNREACH;
    if (ep.lport === 0) { const e = this.bind(ep, 0, 0); if (e) return e; }
    if (ep.laddr === 0 && !this.stack.isBroadcast(dst, null)) {
      // Linux fixes the source address at connect time.
      ep.laddr = rt.src;
    }
    ep.raddr = dst; ep.rport = dport; ep.connected = true;
    return 0;
  }

  send(ep: DgramEndpoint, data: Uint8Array, dst: number, dport: number, o: OutOpts = {}): number {
    if (data.length > 65507) return -EMSGSIZE;
    if (ep.lport === 0) { const e = this.bind(ep, 0, 0); if (e) return e; }
    if (this.stack.isBroadcast(dst, null) && !ep.broadcast) return -EACCES;
    let src = ep.laddr;
    if (src !== 0 && this.stack.isBroadcast(src, null)) src = 0;
    const rt = this.stack.lookup(dst, ep.bindDev);
    if (!rt) return -ENETUNREACH;
    if (src === 0) src = rt.src;
    const len = 8 + data.length;
    const u = new Uint8Array(len);
    wr16(u, 0, ep.lport); wr16(u, 2, dport); wr16(u, 4, len);
    u.set(data, 8);
    let c = csumFold(csumPartial(u, 0, len, pseudoSum(src, dst, IPPROTO_UDP, len)));
    if (c === 0) c = 0xffff;
    wr16(u, 6, c);
    this.outDatagrams++;
    const r = this.stack.output(src, dst, IPPROTO_UDP, u, {
      ttl: ep.ttl >= 0 ? ep.ttl : o.ttl, tos: ep.tos || o.tos, dev: ep.bindDev ?? o.dev ?? null, df: o.df,
    });
    return r < 0 ? r : data.length;
  }

  rx(pkt: IpPacket): void {
    const u = pkt.payload;
    if (u.length < 8) { this.inErrors++; return; }
    const len = rd16(u, 4);
    if (len < 8 || len > u.length) { this.inErrors++; return; }
    if (rd16(u, 6) !== 0 && csumFold(csumPartial(u, 0, len, pseudoSum(pkt.src, pkt.dst, IPPROTO_UDP, len))) !== 0) {
      this.inErrors++; this.inCsumErrors++; return;
    }
    const sport = rd16(u, 0), dport = rd16(u, 2);
    const eps = this.table.lookup(pkt.dst, dport, pkt.src, sport, pkt.dev);
    if (eps.length === 0 && this.catchAll && this.catchAll(pkt, sport, dport, u.slice(8, len))) return;
    if (eps.length === 0) {
      this.noPorts++;
      this.stack.icmpError(pkt, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH);
      return;
    }
    this.inDatagrams++;
    const data = u.slice(8, len);
    for (const ep of eps) {
      if (!ep.queue({ data, src: pkt.src, sport, dst: pkt.dst, ttl: pkt.ttl, tos: pkt.tos, ifindex: pkt.dev?.index ?? 1 })) this.rcvbufErrors++;
    }
  }

  err(type: number, code: number, q: IpPacket): void {
    if (q.payload.length < 4) return;
    const sport = rd16(q.payload, 0), dport = rd16(q.payload, 2);
    for (const ep of this.table.eps) {
      if (ep.lport !== sport) continue;
      if (ep.laddr && ep.laddr !== q.src) continue;
      // Linux reports ICMP errors on unconnected UDP sockets only with IP_RECVERR.
      if (!ep.connected && !ep.recvErr) continue;
      if (ep.connected && (ep.raddr !== q.dst || ep.rport !== dport)) continue;
      ep.setError(icmpErrno(type, code));
    }
  }
}

export function icmpErrno(type: number, code: number): number {
  if (type === ICMP_TIME_EXCEEDED) return EHOSTUNREACH;
  if (type === ICMP_DEST_UNREACH) {
    if (code === ICMP_PORT_UNREACH) return ECONNREFUSED;
    if (code === ICMP_FRAG_NEEDED) return EMSGSIZE;
    if (code === 0 || code === 6 || code === 9) return ENETUNREACH;
    if (code === 2) return 92; // ENOPROTOOPT
    return EHOSTUNREACH;
  }
  return EHOSTUNREACH;
}

/** ICMP ping sockets: the local "port" is the echo identifier. */
export class Ping {
  readonly table: PortTable;
  constructor(readonly stack: NetStack) {
    this.table = new PortTable(stack);
    stack.pingRx = (pkt) => this.rx(pkt);
    stack.pingErr = (type, code, q) => this.err(type, code, q);
  }
  bind(ep: DgramEndpoint, addr: number, port: number): number { return this.table.bind(ep, addr, port); }
  unbind(ep: DgramEndpoint): void { ep.closed = true; this.table.eps.delete(ep); }

  /** data is an ICMP echo message (header + payload) as the application wrote it. */
  send(ep: DgramEndpoint, data: Uint8Array, dst: number): number {
    if (data.length < 8) return -EINVAL;
    if (data[0] !== ICMP_ECHO || data[1] !== 0) return -EINVAL;
    if (ep.lport === 0) { const e = this.bind(ep, 0, 0); if (e) return e; }
    const m = data.slice();
    wr16(m, 4, ep.lport); wr16(m, 2, 0); wr16(m, 2, checksum(m));
    const r = this.stack.output(ep.laddr && !this.stack.isBroadcast(ep.laddr, null) ? ep.laddr : 0, dst, IPPROTO_ICMP, m,
      { ttl: ep.ttl >= 0 ? ep.ttl : undefined, tos: ep.tos, dev: ep.bindDev });
    return r < 0 ? r : data.length;
  }

  rx(pkt: IpPacket): boolean {
    const m = pkt.payload;
    if (m[0] !== ICMP_ECHOREPLY) return false;
    const id = rd16(m, 4);
    const eps = this.table.lookup(pkt.dst, id, pkt.src, 0, pkt.dev).filter((e) => !e.connected || e.raddr === pkt.src);
    for (const ep of eps) ep.queue({ data: m.slice(), src: pkt.src, sport: 0, dst: pkt.dst, ttl: pkt.ttl, tos: pkt.tos, ifindex: pkt.dev?.index ?? 1 });
    return eps.length > 0;
  }

  err(type: number, code: number, q: IpPacket): void {
    if (q.payload.length < 8 || q.payload[0] !== ICMP_ECHO) return;
    const id = rd16(q.payload, 4);
    for (const ep of this.table.eps) if (ep.lport === id && (ep.recvErr || ep.connected)) ep.setError(icmpErrno(type, code));
  }
}

/** A raw IP socket's endpoint: receives whole datagrams of its protocol. */
export class RawEndpoint extends DgramEndpoint implements RawListener {
  hdrincl = false;
  /** ICMP_FILTER bitmask (types to drop). */
  icmpFilter = 0;
  constructor(readonly stack: NetStack, readonly proto: number) { super(); this.hdrincl = proto === 255; }
  open(): void { this.stack.raw.add(this); }
  close(): void { this.closed = true; this.stack.raw.delete(this); }
  deliver(pkt: IpPacket): void {
    if (this.laddr && this.laddr !== pkt.dst) return;
    if (this.connected && this.raddr !== pkt.src) return;
    if (this.bindDev && pkt.dev && this.bindDev !== pkt.dev) return;
    if (this.proto === IPPROTO_ICMP && pkt.payload.length > 0 && pkt.payload[0] < 32 && (this.icmpFilter >>> pkt.payload[0]) & 1) return;
    this.queue({ data: pkt.data.slice(), src: pkt.src, sport: 0, dst: pkt.dst, ttl: pkt.ttl, tos: pkt.tos, ifindex: pkt.dev?.index ?? 1 });
  }
  send(data: Uint8Array, dst: number): number {
    if (this.hdrincl) {
      if (data.length < 20) return -EINVAL;
      const d = data.slice();
      if (d[12] === 0 && d[13] === 0 && d[14] === 0 && d[15] === 0) {
        const rt = this.stack.lookup(dst); if (!rt) return -ENETUNREACH;
        d[12] = rt.src >>> 24; d[13] = (rt.src >>> 16) & 255; d[14] = (rt.src >>> 8) & 255; d[15] = rt.src & 255;
      }
      wr16(d, 2, d.length);
      if (rd16(d, 4) === 0) wr16(d, 4, this.stack.nextId());
      wr16(d, 10, 0); wr16(d, 10, checksum(d, 0, (d[0] & 15) * 4));
      const r = this.stack.outputRaw(d);
      return r < 0 ? r : data.length;
    }
    const r = this.stack.output(this.laddr, dst, this.proto, data, { ttl: this.ttl >= 0 ? this.ttl : undefined, tos: this.tos, dev: this.bindDev });
    return r < 0 ? r : data.length;
  }
}
