// AF_NETLINK / NETLINK_ROUTE: the rtnetlink subset that busybox `ip addr`, `ip link`,
// `ip route` and `ip neigh` use: dumps of links, addresses, routes and neighbours, and
// RTM_NEWADDR/DELADDR, RTM_NEWROUTE/DELROUTE, RTM_NEWLINK/SETLINK (up/down, mtu, name).
// Requests are answered at sendmsg time; replies queue as datagrams.
import {
  EINVAL, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EAGAIN, EOPNOTSUPP, ENODEV, EEXIST, ESRCH, EPERM, EADDRNOTAVAIL, ENOBUFS,
} from '../../abi/linux/errno.js';
import { AF_NETLINK, AF_INET, AF_INET6, SOCK_RAW, SOCK_DGRAM, MSG_PEEK, MSG_TRUNC } from '../../abi/linux/socket.js';
import { addr6Bytes, LOOPBACK6 } from '../inet6/addr.js';
import { BLOCK, Socket, SockCaller, SendMsg, RecvMsg, registerFamily } from '../socket.js';
import { inetOf, Inet } from './sock.js';
import { NetDevice, IFF_UP } from './netdev.js';
import { Route, RTF_GATEWAY } from './stack.js';
import { prefixToMask } from './util.js';

const NETLINK_ROUTE = 0;
const NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3;
const NLM_F_REQUEST = 1, NLM_F_MULTI = 2, NLM_F_ACK = 4, NLM_F_DUMP = 0x300, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400;
const RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_SETLINK = 19, RTM_NEWADDR = 20, RTM_DELADDR = 21,
  RTM_GETADDR = 22, RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26, RTM_GETNEIGH = 30;
const IFLA_ADDRESS = 1, IFLA_BROADCAST = 2, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_QDISC = 6, IFLA_STATS = 7,
  IFLA_TXQLEN = 13, IFLA_OPERSTATE = 16, IFLA_LINKMODE = 17, IFLA_GROUP = 27;
const IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_LABEL = 3, IFA_BROADCAST = 4;
const RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PRIORITY = 6, RTA_PREFSRC = 7, RTA_TABLE = 15;
const NDA_DST = 1, NDA_LLADDR = 2;
const RT_TABLE_MAIN = 254, RT_TABLE_LOCAL = 255;

/** Every message type this family answers (for the docs). */
export const RTNETLINK_TYPES = ['RTM_GETLINK', 'RTM_NEWLINK', 'RTM_SETLINK', 'RTM_GETADDR', 'RTM_NEWADDR', 'RTM_DELADDR',
  'RTM_GETROUTE', 'RTM_NEWROUTE', 'RTM_DELROUTE', 'RTM_GETNEIGH'];

class Builder {
  private parts: number[] = [];
  private start = 0;
  begin(type: number, flags: number, seq: number, pid: number): void {
    this.start = this.parts.length;
    for (let i = 0; i < 16; i++) this.parts.push(0);
    this.u16(this.start + 4, type); this.u16(this.start + 6, flags);
    this.u32(this.start + 8, seq); this.u32(this.start + 12, pid);
  }
  end(): void { this.u32(this.start, this.parts.length - this.start); }
  bytes(b: ArrayLike<number>): void { for (let i = 0; i < b.length; i++) this.parts.push(b[i]); this.align(); }
  align(): void { while (this.parts.length % 4) this.parts.push(0); }
  attr(type: number, data: ArrayLike<number>): void {
    const at = this.parts.length;
    this.parts.push(0, 0, 0, 0);
    for (let i = 0; i < data.length; i++) this.parts.push(data[i]);
    this.u16(at, 4 + data.length); this.u16(at + 2, type);
    this.align();
  }
  attrU32(type: number, v: number): void { this.attr(type, le32(v)); }
  attrStr(type: number, s: string): void { this.attr(type, [...new TextEncoder().encode(s), 0]); }
  attrIp(type: number, a: number): void { this.attr(type, [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255]); }
  private u16(o: number, v: number): void { this.parts[o] = v & 255; this.parts[o + 1] = (v >>> 8) & 255; }
  private u32(o: number, v: number): void { const b = le32(v); for (let i = 0; i < 4; i++) this.parts[o + i] = b[i]; }
  get length(): number { return this.parts.length; }
  take(): Uint8Array { const r = Uint8Array.from(this.parts); this.parts = []; return r; }
}
function le32(v: number): number[] { return [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255]; }

function parseAttrs(b: Uint8Array, off: number, end: number): Map<number, Uint8Array> {
  const m = new Map<number, Uint8Array>();
  while (off + 4 <= end) {
    const len = b[off] | (b[off + 1] << 8), type = (b[off + 2] | (b[off + 3] << 8)) & 0x3fff;
    if (len < 4 || off + len > end) break;
    m.set(type, b.subarray(off + 4, off + len));
    off += (len + 3) & ~3;
  }
  return m;
}
const ipOf = (b: Uint8Array | undefined): number | null => (b && b.length >= 4 ? ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0 : null);
const u32Of = (b: Uint8Array | undefined): number | null => (b && b.length >= 4 ? (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0 : null);

export class NetlinkSocket extends Socket {
  private readonly rxq: Uint8Array[] = [];
  private portId = 0;
  groups = 0;
  private static nextPort = 1;

  constructor(readonly inet: Inet, type: number, readonly pid: number) { super(AF_NETLINK, type, NETLINK_ROUTE); }

  override bind(addr: Uint8Array): number {
    if (addr.length < 12 || (addr[0] | (addr[1] << 8)) !== AF_NETLINK) return -EINVAL;
    const pid = u32Of(addr.subarray(4, 8)) ?? 0;
    this.groups = u32Of(addr.subarray(8, 12)) ?? 0;
    this.portId = pid || this.pid || NetlinkSocket.nextPort++;
    return 0;
  }
  override connect(): number { if (!this.portId) this.portId = this.pid || NetlinkSocket.nextPort++; return 0; }

  override getsockname(): Uint8Array {
    if (!this.portId) this.portId = this.pid || NetlinkSocket.nextPort++;
    const b = new Uint8Array(12); b[0] = AF_NETLINK;
    b.set(le32(this.portId), 4); b.set(le32(this.groups), 8);
    return b;
  }
  override getpeername(): Uint8Array { const b = new Uint8Array(12); b[0] = AF_NETLINK; return b; }

  override poll(): number { return 0x4 | 0x100 | (this.rxq.length ? 0x1 | 0x40 : 0); }

  override recvmsg(c: SockCaller, size: number, flags: number, nonblock: boolean): RecvMsg | number {
    const d = this.rxq[0];
    if (!d) {
      if (nonblock) return -EAGAIN;
      c.blockOn(this.wq);
      return BLOCK;
    }
    if (!(flags & MSG_PEEK)) this.rxq.shift();
    const n = Math.min(size, d.length);
    return { data: d.subarray(0, n), len: (flags & MSG_TRUNC) ? d.length : n, addr: this.getpeername(), control: [], flags: d.length > size ? MSG_TRUNC : 0 };
  }

  override sendmsg(c: SockCaller, msg: SendMsg): number {
    if (!this.portId) this.portId = this.pid || NetlinkSocket.nextPort++;
    const b = msg.data;
    let off = 0;
    while (off + 16 <= b.length) {
      const len = u32Of(b.subarray(off, off + 4))!;
      if (len < 16 || off + len > b.length) break;
      this.request(b.subarray(off, off + len), c);
      off += (len + 3) & ~3;
    }
    this.wq.wakeAll();
    return b.length;
  }

  /** A datagram from elsewhere in the kernel (mq_notify's SIGEV_THREAD cookies). */
  deliverRaw(b: Uint8Array): void {
    if (this.rxq.length > 1024) return;
    this.rxq.push(b);
    this.wq.wakeAll();
  }

  private queue(bl: Builder): void {
    if (this.rxq.length > 1024) return;
    this.rxq.push(bl.take());
  }

  private ack(m: Uint8Array, err: number): void {
    const flags = m[6] | (m[7] << 8);
    if (err === 0 && !(flags & NLM_F_ACK)) return;
    const bl = new Builder();
    bl.begin(NLMSG_ERROR, 0, u32Of(m.subarray(8, 12))!, this.portId);
    bl.bytes(le32(err));
    bl.bytes(m.subarray(0, 16));
    bl.end();
    this.queue(bl);
  }

  private request(m: Uint8Array, c: SockCaller): void {
    const type = m[4] | (m[5] << 8), flags = m[6] | (m[7] << 8), seq = u32Of(m.subarray(8, 12))!;
    if (!(flags & NLM_F_REQUEST) || type < 16) { if (type !== NLMSG_NOOP) this.ack(m, -EINVAL); return; }
    const isGet = type === RTM_GETLINK || type === RTM_GETADDR || type === RTM_GETROUTE || type === RTM_GETNEIGH;
    if (isGet) {
      const bl = new Builder();
      const multi = (flags & NLM_F_DUMP) === NLM_F_DUMP;
      const f = multi ? NLM_F_MULTI : 0;
      const family = m.length > 16 ? m[16] : 0;
      const flush = (): void => { if (bl.length > 8192) this.queue(bl); };
      const st = this.inet.stack;
      switch (type) {
        case RTM_GETLINK:
          for (const d of st.devices) { this.link(bl, d, seq, f); flush(); }
          break;
        case RTM_GETADDR:
          if (family === 0 || family === AF_INET) for (const d of st.devices) for (const a of d.addrs) { this.addr(bl, d, a, seq, f); flush(); }
          if ((family === 0 || family === AF_INET6) && st.lo.up) {
            // IPv6 lives on lo only: ::1/128, scope host, permanent.
            bl.begin(RTM_NEWADDR, f, seq, this.portId);
            bl.bytes([AF_INET6, 128, 0x80, 254, ...le32(st.lo.index)]);
            bl.attr(IFA_ADDRESS, addr6Bytes(LOOPBACK6));
            bl.end(); flush();
          }
          break;
        case RTM_GETROUTE:
          if (family === 0 || family === AF_INET) {
            for (const r of st.routes) { this.route(bl, r, seq, f); flush(); }
            for (const d of st.devices) for (const a of d.addrs) { this.localRoute(bl, d, a.addr, seq, f); flush(); }
          }
          if ((family === 0 || family === AF_INET6) && st.lo.up) {
            // ::1/128 via lo: the kernel route (main table, metric 256) and the local one.
            for (const [table, type, metric] of [[RT_TABLE_MAIN, 1, 256], [RT_TABLE_LOCAL, 2, 0]]) {
              bl.begin(RTM_NEWROUTE, f, seq, this.portId);
              bl.bytes([AF_INET6, 128, 0, 0, table, 2 /* RTPROT_KERNEL */, 0, type, ...le32(0)]);
              bl.attrU32(RTA_TABLE, table);
              bl.attr(RTA_DST, addr6Bytes(LOOPBACK6));
              bl.attrU32(RTA_PRIORITY, metric);
              bl.attrU32(RTA_OIF, st.lo.index);
              bl.end(); flush();
            }
          }
          break;
        case RTM_GETNEIGH:
          for (const e of st.arpEntries()) {
            bl.begin(28, f, seq, this.portId);
            bl.bytes([AF_INET, 0, 0, 0, ...le32(e.dev.index), ...[e.mac ? (e.permanent ? 0x80 : 0x02) : 0x01, 0], 0, 1]);
            bl.attrIp(NDA_DST, e.ip);
            if (e.mac) bl.attr(NDA_LLADDR, e.mac);
            bl.end(); flush();
          }
          break;
      }
      if (multi) { bl.begin(NLMSG_DONE, NLM_F_MULTI, seq, this.portId); bl.bytes(le32(0)); bl.end(); }
      if (bl.length) this.queue(bl);
      return;
    }
    if (c.cred.euid !== 0) { this.ack(m, -EPERM); return; }
    let r: number;
    switch (type) {
      case RTM_NEWADDR: case RTM_DELADDR: r = this.modAddr(m, type === RTM_NEWADDR, flags); break;
      case RTM_NEWROUTE: case RTM_DELROUTE: r = this.modRoute(m, type === RTM_NEWROUTE, flags); break;
      case RTM_NEWLINK: case RTM_SETLINK: r = this.modLink(m); break;
      case RTM_DELLINK: r = -EOPNOTSUPP; break;
      default: r = -EOPNOTSUPP;
    }
    this.ack(m, r);
  }

  private link(bl: Builder, d: NetDevice, seq: number, f: number): void {
    bl.begin(RTM_NEWLINK, f, seq, this.portId);
    const flags = d.flags;
    bl.bytes([0, 0, d.arphrd & 255, d.arphrd >>> 8, ...le32(d.index), ...le32(flags), ...le32(0)]);
    bl.attrStr(IFLA_IFNAME, d.name);
    bl.attrU32(IFLA_TXQLEN, d.txqueuelen);
    bl.attr(IFLA_OPERSTATE, [d.up ? (d.isLoopback ? 0 : 6) : 2]);
    bl.attr(IFLA_LINKMODE, [0]);
    bl.attrU32(IFLA_MTU, d.mtu);
    bl.attrU32(IFLA_GROUP, 0);
    bl.attrStr(IFLA_QDISC, d.isLoopback ? 'noqueue' : 'pfifo_fast');
    bl.attr(IFLA_ADDRESS, d.mac);
    bl.attr(IFLA_BROADCAST, d.isLoopback ? new Uint8Array(6) : [255, 255, 255, 255, 255, 255]);
    const s = d.stats;
    const stats = [s.rxPackets, s.txPackets, s.rxBytes, s.txBytes, s.rxErrors, s.txErrors, s.rxDropped, s.txDropped, s.rxMulticast, s.collisions];
    const sb: number[] = [];
    for (let i = 0; i < 23; i++) sb.push(...le32(stats[i] ?? 0));
    bl.attr(IFLA_STATS, sb);
    bl.end();
  }

  private addr(bl: Builder, d: NetDevice, a: { addr: number; prefix: number; broadcast: number; label: string }, seq: number, f: number): void {
    bl.begin(RTM_NEWADDR, f, seq, this.portId);
    const scope = d.isLoopback ? 254 : 0;
    bl.bytes([AF_INET, a.prefix, 0x80 /* IFA_F_PERMANENT */, scope, ...le32(d.index)]);
    bl.attrIp(IFA_ADDRESS, a.addr);
    bl.attrIp(IFA_LOCAL, a.addr);
    if (a.broadcast) bl.attrIp(IFA_BROADCAST, a.broadcast);
    bl.attrStr(IFA_LABEL, a.label);
    bl.end();
  }

  private route(bl: Builder, r: Route, seq: number, f: number): void {
    bl.begin(RTM_NEWROUTE, f, seq, this.portId);
    bl.bytes([AF_INET, r.prefix, 0, 0, RT_TABLE_MAIN, r.proto, r.scope, r.type, ...le32(0)]);
    bl.attrU32(RTA_TABLE, RT_TABLE_MAIN);
    if (r.prefix) bl.attrIp(RTA_DST, r.dst);
    if (r.metric) bl.attrU32(RTA_PRIORITY, r.metric);
    if (r.src) bl.attrIp(RTA_PREFSRC, r.src);
    if (r.gateway) bl.attrIp(RTA_GATEWAY, r.gateway);
    bl.attrU32(RTA_OIF, r.dev.index);
    bl.end();
  }

  private localRoute(bl: Builder, d: NetDevice, a: number, seq: number, f: number): void {
    bl.begin(RTM_NEWROUTE, f, seq, this.portId);
    bl.bytes([AF_INET, 32, 0, 0, RT_TABLE_LOCAL, 2, 254, 2 /* RTN_LOCAL */, ...le32(0)]);
    bl.attrU32(RTA_TABLE, RT_TABLE_LOCAL);
    bl.attrIp(RTA_DST, a);
    bl.attrIp(RTA_PREFSRC, a);
    bl.attrU32(RTA_OIF, d.index);
    bl.end();
  }

  private modAddr(m: Uint8Array, add: boolean, flags: number): number {
    if (m.length < 24) return -EINVAL;
    if (m[16] !== AF_INET) return -EOPNOTSUPP;
    const prefix = m[17];
    const idx = u32Of(m.subarray(20, 24))!;
    const st = this.inet.stack;
    const dev = st.devByIndex(idx);
    if (!dev) return -ENODEV;
    const at = parseAttrs(m, 24, m.length);
    const local = ipOf(at.get(IFA_LOCAL)) ?? ipOf(at.get(IFA_ADDRESS));
    if (local === null) return -EINVAL;
    if (prefix > 32) return -EINVAL;
    if (!add) return st.delAddr(dev, local, prefix) ? 0 : -EADDRNOTAVAIL;
    if (dev.addrs.some((a) => a.addr === local && a.prefix === prefix)) return (flags & NLM_F_EXCL) ? -EEXIST : 0;
    const b = ipOf(at.get(IFA_BROADCAST));
    const r = st.addAddr(dev, local, prefix, b ?? undefined);
    const lab = at.get(IFA_LABEL);
    if (typeof r !== 'number' && lab) r.label = new TextDecoder().decode(lab).replace(/\0.*$/s, '');
    return typeof r === 'number' ? r : 0;
  }

  private modRoute(m: Uint8Array, add: boolean, flags: number): number {
    if (m.length < 28) return -EINVAL;
    if (m[16] !== AF_INET) return -EOPNOTSUPP;
    const prefix = m[17];
    const table = m[20], type = m[23];
    const at = parseAttrs(m, 28, m.length);
    const dst = ipOf(at.get(RTA_DST)) ?? 0;
    const gw = ipOf(at.get(RTA_GATEWAY)) ?? 0;
    const oif = u32Of(at.get(RTA_OIF));
    const metric = u32Of(at.get(RTA_PRIORITY)) ?? 0;
    const st = this.inet.stack;
    if ((u32Of(at.get(RTA_TABLE)) ?? table) === RT_TABLE_LOCAL) return add ? -EOPNOTSUPP : 0;
    let dev = oif !== null ? st.devByIndex(oif) : null;
    if (oif !== null && !dev) return -ENODEV;
    const net = (dst & prefixToMask(prefix)) >>> 0;
    if (!add) {
      return st.delRoute((r) => r.dst === net && r.prefix === prefix && (!dev || r.dev === dev) && (!gw || r.gateway === gw) &&
        (!at.has(RTA_PRIORITY) || r.metric === metric)) ? 0 : -ESRCH;
    }
    if (type !== 1 && type !== 0) return -EOPNOTSUPP;
    if (!dev) {
      if (!gw) return -ENODEV;
      const rt = st.lookup(gw);
      if (!rt || rt.dev.isLoopback) return -101;
      dev = rt.dev;
    }
    if (flags & NLM_F_CREATE || true) {
      const r = st.addRoute({ dst: net, prefix, gateway: gw, dev, metric, proto: m[21] || 3, flags: 1 | (gw ? RTF_GATEWAY : 0) | (prefix === 32 ? 4 : 0) });
      if (typeof r === 'number') return (flags & NLM_F_EXCL) ? r : 0;
    }
    return 0;
  }

  private modLink(m: Uint8Array): number {
    if (m.length < 32) return -EINVAL;
    const idx = u32Of(m.subarray(20, 24))!;
    const flags = u32Of(m.subarray(24, 28))!, change = u32Of(m.subarray(28, 32))!;
    const st = this.inet.stack;
    const at = parseAttrs(m, 32, m.length);
    let dev = idx ? st.devByIndex(idx) : null;
    const name = at.get(IFLA_IFNAME);
    if (!dev && name) dev = st.devByName(new TextDecoder().decode(name).replace(/\0.*$/s, ''));
    if (!dev) return -ENODEV;
    const mask = change || 0xffffffff;
    if (mask & IFF_UP) st.setDevUp(dev, (flags & IFF_UP) !== 0);
    const mtu = u32Of(at.get(IFLA_MTU));
    if (mtu !== null) { if (mtu < 68 || mtu > 65536) return -EINVAL; dev.mtu = mtu; }
    const txq = u32Of(at.get(IFLA_TXQLEN));
    if (txq !== null) dev.txqueuelen = txq;
    const mac = at.get(IFLA_ADDRESS);
    if (mac && mac.length === 6 && !dev.isLoopback) dev.mac = mac.slice();
    if (idx && name) { const n = new TextDecoder().decode(name).replace(/\0.*$/s, ''); if (n !== dev.name) dev.name = n; }
    return 0;
  }

  override takeError(): number { return super.takeError(); }
}

registerFamily(AF_NETLINK, {
  create(type, protocol, c) {
    if (type !== SOCK_RAW && type !== SOCK_DGRAM) return -ESOCKTNOSUPPORT;
    if (protocol !== NETLINK_ROUTE) return -EPROTONOSUPPORT;
    const inet = inetOf(c);
    if (!inet) return -EPROTONOSUPPORT;
    return new NetlinkSocket(inet, type, c.pid);
  },
});

void ENOBUFS;
