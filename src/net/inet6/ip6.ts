// IPv6 on loopback: the 40-byte header out and in (no extension headers, no
// fragmentation: lo's MTU covers any datagram), ::1/128 on lo, and ICMPv6 echo and
// destination-unreachable (so a connected UDP socket learns ECONNREFUSED). TCP and UDP
// are the IPv4 protocol objects: they see IPv6 addresses as the numbers of addr.ts and
// the stack routes those here (NetStack.output6/ip6Rx/icmp6Error). IPv6 arriving on an
// Ethernet device is dropped and counted: only lo speaks IPv6 so far.
import { NetStack, IpPacket, OutOpts, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, ICMP_TIME_EXCEEDED } from '../inet/stack.js';
import type { NetDevice } from '../inet/netdev.js';
import { csumFold, csumPartial, pseudoSum, rd16, wr16 } from '../inet/util.js';
import { addr6Bytes, addr6Number, isMapped, LOOPBACK6, UNROUTABLE6 } from './addr.js';

export const IPPROTO_ICMPV6 = 58;
const ICMP6_DST_UNREACH = 1, ICMP6_TIME_EXCEEDED = 3, ICMP6_ECHO_REQUEST = 128, ICMP6_ECHO_REPLY = 129;
const ICMP6_DST_UNREACH_NOPORT = 4;
const HDR = 40;

/** Counters with the names of /proc/net/snmp6. */
export class Ip6Stats {
  Ip6InReceives = 0; Ip6InHdrErrors = 0; Ip6InAddrErrors = 0; Ip6InUnknownProtos = 0; Ip6InTruncatedPkts = 0;
  Ip6InDiscards = 0; Ip6InDelivers = 0; Ip6OutRequests = 0; Ip6OutNoRoutes = 0;
  Icmp6InMsgs = 0; Icmp6InErrors = 0; Icmp6OutMsgs = 0; Icmp6InCsumErrors = 0;
}

/** A raw IPv6 socket (raw6.ts) as the input path sees it. */
export interface Raw6Listener { readonly protocol: number; deliver(pkt: IpPacket): void; }
/** An ICMPv6 ping socket (raw6.ts): takes the echo replies carrying its identifier. */
export interface Ping6Listener { readonly id: number; deliver(pkt: IpPacket): boolean; }

export class Ip6 {
  readonly stats = new Ip6Stats();
  defaultHops = 64;
  readonly raw = new Set<Raw6Listener>();
  readonly pings = new Set<Ping6Listener>();
  nextPingId = 0;

  constructor(readonly stack: NetStack) {
    stack.ip6Rx = (dev, d) => this.input(dev, d);
    stack.output6 = (src, dst, proto, payload, o) => this.output(src, dst, proto, payload, o);
    stack.icmp6Error = (pkt, type, code) => this.icmpError(pkt, type, code);
  }

  /** Send a transport payload from src (0: pick ::1) to dst over lo. */
  output(src: number, dst: number, proto: number, payload: Uint8Array, o: OutOpts): number {
    const rt = this.stack.lookup(dst, o.dev ?? null);
    if (!rt) { this.stats.Ip6OutNoRoutes++; return -101; } // ENETUNREACH
    if (payload.length > 65535) return -90; // EMSGSIZE
    if (src === 0) src = rt.src;
    const d = new Uint8Array(HDR + payload.length);
    const tc = o.tos ?? 0;
    d[0] = 0x60 | (tc >>> 4); d[1] = (tc & 15) << 4;
    wr16(d, 4, payload.length); d[6] = proto; d[7] = o.ttl ?? this.defaultHops;
    addr6Bytes(src, d, 8); addr6Bytes(dst, d, 24);
    d.set(payload, HDR);
    this.stats.Ip6OutRequests++;
    this.stack.loopbackXmit(d);
    return 0;
  }

  private input(dev: NetDevice, d: Uint8Array): void {
    this.stats.Ip6InReceives++;
    if (!dev.isLoopback) { this.stats.Ip6InDiscards++; dev.stats.rxDropped++; return; }
    if (d.length < HDR || (d[0] >> 4) !== 6) { this.stats.Ip6InHdrErrors++; return; }
    const plen = rd16(d, 4);
    if (HDR + plen > d.length) { this.stats.Ip6InTruncatedPkts++; return; }
    // Mapped addresses never appear in an IPv6 header (RFC 4291 2.5.5.2).
    if (isMapped(d, 8) || isMapped(d, 24)) { this.stats.Ip6InAddrErrors++; return; }
    const src = addr6Number(d, 8), dst = addr6Number(d, 24);
    if (dst !== LOOPBACK6 || src === UNROUTABLE6 || src === 0) { this.stats.Ip6InAddrErrors++; return; }
    const data = d.subarray(0, HDR + plen);
    const pkt: IpPacket = {
      src, dst, proto: d[6], ttl: d[7], tos: ((d[0] & 15) << 4) | (d[1] >> 4), id: 0, df: true, mf: false, fragOff: 0,
      hdrLen: HDR, data, payload: data.subarray(HDR), dev,
    };
    if (pkt.proto === IPPROTO_ICMPV6) { this.stats.Ip6InDelivers++; this.icmpRx(pkt); return; }
    let raw = false;
    for (const r of this.raw) if (r.protocol === pkt.proto) { r.deliver(pkt); raw = true; }
    const h = this.stack.protocols.get(pkt.proto);
    if (!h) { if (raw) this.stats.Ip6InDelivers++; else this.stats.Ip6InUnknownProtos++; return; }
    this.stats.Ip6InDelivers++;
    h.rx(pkt);
  }

  private icmpRx(pkt: IpPacket): void {
    const m = pkt.payload;
    this.stats.Icmp6InMsgs++;
    if (m.length < 8) { this.stats.Icmp6InErrors++; return; }
    if (csumFold(csumPartial(m, 0, m.length, pseudoSum(pkt.src, pkt.dst, IPPROTO_ICMPV6, m.length))) !== 0) {
      this.stats.Icmp6InErrors++; this.stats.Icmp6InCsumErrors++; return;
    }
    for (const r of this.raw) if (r.protocol === IPPROTO_ICMPV6) r.deliver(pkt);
    switch (m[0]) {
      case ICMP6_ECHO_REQUEST: {
        const r = m.slice();
        r[0] = ICMP6_ECHO_REPLY;
        this.sendIcmp(pkt.dst, pkt.src, r);
        return;
      }
      case ICMP6_ECHO_REPLY:
        for (const p of this.pings) if (p.deliver(pkt)) break;
        return;
      case ICMP6_DST_UNREACH: case ICMP6_TIME_EXCEEDED: {
        const inner = m.subarray(8);
        if (inner.length < HDR + 8) { this.stats.Icmp6InErrors++; return; }
        const q: IpPacket = {
          src: addr6Number(inner, 8), dst: addr6Number(inner, 24), proto: inner[6], ttl: inner[7], tos: 0, id: 0,
          df: true, mf: false, fragOff: 0, hdrLen: HDR, data: inner, payload: inner.subarray(HDR), dev: pkt.dev,
        };
        // Report as the IPv4 equivalents so the protocols' errno mapping applies.
        const type = m[0] === ICMP6_DST_UNREACH ? ICMP_DEST_UNREACH : ICMP_TIME_EXCEEDED;
        const code = m[0] === ICMP6_DST_UNREACH && m[1] === ICMP6_DST_UNREACH_NOPORT ? ICMP_PORT_UNREACH : m[0] === ICMP6_DST_UNREACH ? 1 : 0;
        this.stack.protocols.get(q.proto)?.err?.(type, code, q, 0);
        return;
      }
    }
  }

  private sendIcmp(src: number, dst: number, m: Uint8Array): void {
    wr16(m, 2, 0);
    wr16(m, 2, csumFold(csumPartial(m, 0, m.length, pseudoSum(src, dst, IPPROTO_ICMPV6, m.length))));
    this.stats.Icmp6OutMsgs++;
    this.output(src, dst, IPPROTO_ICMPV6, m, {});
  }

  /** An ICMPv6 error about a datagram (the stack's icmpError for IPv6 packets). */
  icmpError(pkt: IpPacket, type: number, code: number): void {
    if (pkt.proto === IPPROTO_ICMPV6 && pkt.payload.length > 0 && pkt.payload[0] < 128) return; // never about errors
    const t6 = type === ICMP_DEST_UNREACH ? ICMP6_DST_UNREACH : type === ICMP_TIME_EXCEEDED ? ICMP6_TIME_EXCEEDED : 0;
    if (!t6) return;
    const c6 = type === ICMP_DEST_UNREACH && code === ICMP_PORT_UNREACH ? ICMP6_DST_UNREACH_NOPORT : 0;
    const quote = pkt.data.subarray(0, Math.min(pkt.data.length, 1280 - HDR - 8));
    const m = new Uint8Array(8 + quote.length);
    m[0] = t6; m[1] = c6; m.set(quote, 8);
    this.sendIcmp(pkt.dst, pkt.src, m);
  }
}
