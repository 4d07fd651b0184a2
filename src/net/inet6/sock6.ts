// AF_INET6 sockets are the inet sockets of net/inet/sock.ts with another address
// format: struct sockaddr_in6 in and out (addresses as addr.ts numbers), and the
// IPPROTO_IPV6 options (IPV6_V6ONLY, hop limits, traffic class, the IPV6_RECV* flags and
// their control messages).
import { EINVAL, EAFNOSUPPORT, ENOPROTOOPT, ENETUNREACH } from '../../abi/linux/errno.js';
import { AF_INET6, AF_UNSPEC, SOL_IPV6 } from '../../abi/linux/socket.js';
import { addr6Bytes, addr6Number, isMapped, LOOPBACK6 } from './addr.js';
import type { InAddrPort } from '../inet/sock.js';
import type { Cmsg } from '../socket.js';

export const SOCKADDR_IN6_SIZE = 28;
/** RFC 2133's sockaddr_in6 had no sin6_scope_id: Linux still takes 24 bytes. */
const SIN6_LEN_RFC2133 = 24;

// IPPROTO_IPV6 options (linux/in6.h).
export const IPV6_UNICAST_HOPS = 16, IPV6_MULTICAST_IF = 17, IPV6_MULTICAST_HOPS = 18, IPV6_MULTICAST_LOOP = 19,
  IPV6_JOIN_GROUP = 20, IPV6_LEAVE_GROUP = 21, IPV6_MTU_DISCOVER = 23, IPV6_MTU = 24, IPV6_RECVERR = 25,
  IPV6_V6ONLY = 26, IPV6_RECVPKTINFO = 49, IPV6_PKTINFO = 50, IPV6_RECVHOPLIMIT = 51, IPV6_HOPLIMIT = 52,
  IPV6_RECVTCLASS = 66, IPV6_TCLASS = 67;
/** RFC 2292's older names, still taken by Linux (busybox ping asks for the hop limit so). */
export const IPV6_2292PKTINFO = 2, IPV6_2292HOPLIMIT = 8;

export function sockaddrIn6(addr: number, port: number): Uint8Array {
  const b = new Uint8Array(SOCKADDR_IN6_SIZE);
  b[0] = AF_INET6; b[1] = 0;
  b[2] = port >>> 8; b[3] = port & 255;
  addr6Bytes(addr, b, 8);
  return b;
}

/**
 * A sockaddr_in6 for bind (forBind) or as a peer. A peer :: means ::1 (as on Linux); a
 * mapped address on an IPV6_V6ONLY socket is EINVAL for bind and ENETUNREACH as a peer.
 */
export function parseSockaddr6(a: Uint8Array, forBind: boolean, v6only: boolean): InAddrPort | number {
  if (a.length < 2) return -EINVAL;
  const family = a[0] | (a[1] << 8);
  if (family === AF_UNSPEC && !forBind) return { family, addr: 0, port: 0 };
  if (a.length < SIN6_LEN_RFC2133) return -EINVAL;
  if (family !== AF_INET6) return forBind ? -EAFNOSUPPORT : -EAFNOSUPPORT;
  const port = (a[2] << 8) | a[3];
  const mapped = isMapped(a, 8);
  if (mapped && v6only) return forBind ? -EINVAL : -ENETUNREACH;
  let addr = addr6Number(a, 8);
  if (!forBind && addr === 0) addr = LOOPBACK6;
  return { family, addr, port };
}

function int32(v: number): Uint8Array { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, v | 0, true); return b; }

/** The IPv6 state of one socket that the options read and write. */
export interface V6State {
  ttl: number; tos: number; v6only: boolean;
  recvPktinfo6: boolean; recvHops6: boolean; recvTclass6: boolean;
  recvPktinfo2292?: boolean; recvHops2292?: boolean;
}

export function ipv6Get(st: V6State, name: number, defaultHops: number): Uint8Array | number {
  switch (name) {
    case IPV6_V6ONLY: return int32(+st.v6only);
    case IPV6_UNICAST_HOPS: return int32(st.ttl >= 0 ? st.ttl : defaultHops);
    case IPV6_MULTICAST_HOPS: return int32(1);
    case IPV6_MULTICAST_LOOP: return int32(1);
    case IPV6_TCLASS: return int32(st.tos);
    case IPV6_RECVPKTINFO: return int32(+st.recvPktinfo6);
    case IPV6_RECVHOPLIMIT: return int32(+st.recvHops6);
    case IPV6_RECVTCLASS: return int32(+st.recvTclass6);
    case IPV6_2292PKTINFO: return int32(+!!st.recvPktinfo2292);
    case IPV6_2292HOPLIMIT: return int32(+!!st.recvHops2292);
    case IPV6_MTU_DISCOVER: return int32(0);
    case IPV6_RECVERR: return int32(0);
    default: return -ENOPROTOOPT;
  }
}

/** setsockopt(IPPROTO_IPV6): `bound` says the socket has a local port (V6ONLY is fixed then). */
export function ipv6Set(st: V6State, name: number, val: Uint8Array, bound: boolean): number {
  if (name === IPV6_JOIN_GROUP || name === IPV6_LEAVE_GROUP || name === IPV6_MULTICAST_IF) return -ENOPROTOOPT;
  if (val.length < 4) return -EINVAL;
  const v = new DataView(val.buffer, val.byteOffset, 4).getInt32(0, true);
  switch (name) {
    case IPV6_V6ONLY: if (bound) return -EINVAL; st.v6only = v !== 0; return 0;
    case IPV6_UNICAST_HOPS: if (v < -1 || v > 255) return -EINVAL; st.ttl = v; return 0;
    case IPV6_TCLASS: if (v < -1 || v > 255) return -EINVAL; st.tos = v < 0 ? 0 : v; return 0;
    case IPV6_RECVPKTINFO: st.recvPktinfo6 = v !== 0; return 0;
    case IPV6_RECVHOPLIMIT: st.recvHops6 = v !== 0; return 0;
    case IPV6_RECVTCLASS: st.recvTclass6 = v !== 0; return 0;
    case IPV6_2292PKTINFO: st.recvPktinfo2292 = v !== 0; return 0;
    case IPV6_2292HOPLIMIT: st.recvHops2292 = v !== 0; return 0;
    case IPV6_MULTICAST_HOPS: if (v < -1 || v > 255) return -EINVAL; return 0;
    case IPV6_MULTICAST_LOOP: if (v !== 0 && v !== 1) return -EINVAL; return 0;
    case IPV6_MTU_DISCOVER: case IPV6_RECVERR: return 0;
    default: return -ENOPROTOOPT;
  }
}

/** The control messages IPV6_RECV* ask for on a received datagram. */
export function pktinfo6(st: Pick<V6State, 'recvPktinfo6' | 'recvHops6' | 'recvTclass6' | 'recvPktinfo2292' | 'recvHops2292'>,
  dst: number, ifindex: number, hops: number, tclass: number): Cmsg[] {
  const out: Cmsg[] = [];
  const pi = (type: number): void => {
    const b = new Uint8Array(20);
    addr6Bytes(dst, b, 0);
    new DataView(b.buffer).setInt32(16, ifindex, true);
    out.push({ level: SOL_IPV6, type, data: b });
  };
  if (st.recvPktinfo6) pi(IPV6_PKTINFO);
  if (st.recvHops6) out.push({ level: SOL_IPV6, type: IPV6_HOPLIMIT, data: int32(hops) });
  if (st.recvPktinfo2292) pi(IPV6_2292PKTINFO);
  if (st.recvHops2292) out.push({ level: SOL_IPV6, type: IPV6_2292HOPLIMIT, data: int32(hops) });
  if (st.recvTclass6) out.push({ level: SOL_IPV6, type: IPV6_TCLASS, data: int32(tclass) });
  return out;
}
