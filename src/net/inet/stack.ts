// The IPv4 stack of one machine: devices, ARP, routing, IPv4 input/output with
// fragmentation and reassembly, forwarding (net.ipv4.ip_forward) and ICMP. Transport
// protocols (UDP, TCP, raw and ping sockets) register handlers. Packet-filter hook
// points sit where Linux has them: prerouting, input, forward, output, postrouting.
//
// Received packets go through a backlog drained in a loop (like NET_RX softirq), so a
// reply generated while handling a packet never recurses into the receive path; work
// deferred to the end of a drain (delayed ACKs) runs from `afterDrain`.
import {
  NetClock, NetTimerHandle, checksum, csumFold, csumPartial, rd16, rd32, wr16, wr32, prefixToMask, ipToString,
} from './util.js';
import { V6_BASE, LOOPBACK6 } from '../inet6/addr.js';
import {
  NetDevice, DevOwner, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6, ETH_HLEN, BROADCAST_MAC, IFF_UP, IFF_RUNNING, IFF_LOWER_UP, InAddr,
  PACKET_HOST, PACKET_OUTGOING,
} from './netdev.js';

export const IPPROTO_IP = 0, IPPROTO_ICMP = 1, IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_RAW = 255;
export const INADDR_ANY = 0, INADDR_LOOPBACK = 0x7f000001, INADDR_BROADCAST = 0xffffffff;

export const ICMP_ECHOREPLY = 0, ICMP_DEST_UNREACH = 3, ICMP_ECHO = 8, ICMP_TIME_EXCEEDED = 11;
export const ICMP_NET_UNREACH = 0, ICMP_HOST_UNREACH = 1, ICMP_PROT_UNREACH = 2, ICMP_PORT_UNREACH = 3,
  ICMP_FRAG_NEEDED = 4;

/** A parsed IPv4 datagram. `data` is the whole datagram; `payload` its transport part. */
export interface IpPacket {
  src: number; dst: number; proto: number; ttl: number; tos: number; id: number;
  df: boolean; mf: boolean; fragOff: number; hdrLen: number;
  data: Uint8Array; payload: Uint8Array;
  /** The device it arrived on (null for locally generated packets). */
  dev: NetDevice | null;
}

export interface Route {
  dst: number; prefix: number; gateway: number; dev: NetDevice; metric: number;
  /** RTN_UNICAST (1) or RTN_LOCAL (2) …; proto as rtnetlink (2 kernel, 3 boot, 4 static). */
  type: number; proto: number; scope: number; src: number;
  /** RTF_* for /proc/net/route. */
  flags: number;
}
export const RTF_UP = 0x1, RTF_GATEWAY = 0x2, RTF_HOST = 0x4;

export type HookName = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
/** A packet-filter hook: return false to drop the packet. */
export type Hook = (pkt: IpPacket, inDev: NetDevice | null, outDev: NetDevice | null) => boolean;

export interface ProtoHandler {
  rx(pkt: IpPacket): void;
  /** An ICMP error quoting a datagram we sent: header fields and the first bytes of its payload. */
  err?(type: number, code: number, quoted: IpPacket, info: number): void;
}

/** Something that wants copies of every datagram of a protocol (raw sockets). */
export interface RawListener { proto: number; deliver(pkt: IpPacket): void; }

export interface OutOpts { ttl?: number; tos?: number; df?: boolean; id?: number; dev?: NetDevice | null; }

export class IpStats {
  inReceives = 0; inHdrErrors = 0; inAddrErrors = 0; forwDatagrams = 0; inUnknownProtos = 0;
  inDiscards = 0; inDelivers = 0; outRequests = 0; outDiscards = 0; outNoRoutes = 0;
  reasmTimeout = 0; reasmReqds = 0; reasmOKs = 0; reasmFails = 0; fragOKs = 0; fragFails = 0; fragCreates = 0;
  icmpInMsgs = 0; icmpInErrors = 0; icmpInCsumErrors = 0; icmpOutMsgs = 0; filtered = 0;
}

interface ArpEntry { mac: Uint8Array | null; expires: number; pending: Uint8Array[]; tries: number; timer: NetTimerHandle | null; dev: NetDevice; }

interface Reasm {
  key: string; frags: { off: number; data: Uint8Array }[]; total: number; bytes: number;
  first: Uint8Array | null; timer: NetTimerHandle; dev: NetDevice | null;
}

const REASM_TIMEOUT_NS = 30e9;
const REASM_MAX_QUEUES = 64;
const REASM_MAX_BYTES = 4 * 1024 * 1024;
const ARP_TIMEOUT_NS = 300e9;
const ARP_RETRY_NS = 1e9;
const ARP_MAX_PENDING = 16;

export class NetStack implements DevOwner {
  readonly devices: NetDevice[] = [];
  readonly routes: Route[] = [];
  readonly stats = new IpStats();
  readonly hooks: Record<HookName, Hook[]> = { prerouting: [], input: [], forward: [], output: [], postrouting: [] };
  readonly protocols = new Map<number, ProtoHandler>();
  readonly raw = new Set<RawListener>();
  readonly arp = new Map<string, ArpEntry>();
  ipForward = false;
  /** Take every packet as addressed to this machine (the user-mode NAT's gateway). */
  promiscuous = false;
  defaultTtl = 64;
  /** net.ipv4.ip_local_port_range */
  portLow = 32768; portHigh = 60999;
  /** IPv6 on loopback (net/inet6/ip6.ts installs these): input, output and ICMPv6 errors. */
  ip6Rx: ((dev: NetDevice, d: Uint8Array) => void) | undefined;
  output6: ((src: number, dst: number, proto: number, payload: Uint8Array, o: OutOpts) => number) | null = null;
  icmp6Error: ((pkt: IpPacket, type: number, code: number, info: number) => void) | null = null;
  /** Called after a change to devices, addresses or routes (netlink notifications). */
  onChange: ((what: 'link' | 'addr' | 'route', dev: NetDevice | null) => void) | null = null;
  /** Packet sockets' tap (netdev.ts DevOwner.tap); null while none is open. */
  tap: ((dev: NetDevice, frame: Uint8Array, pkttype: number) => void) | null = null;
  /** Log sink (kernel.log in a machine). */
  log: (msg: string) => void = () => {};
  private readonly reasm = new Map<string, Reasm>();
  private reasmBytes = 0;
  private ipId = 1;
  private backlog: { dev: NetDevice; d: Uint8Array }[] = [];
  private draining = false;
  private readonly deferred = new Set<() => void>();
  readonly lo: NetDevice;

  constructor(readonly clock: NetClock) {
    this.lo = new NetDevice(this, 1, 'lo', 'loopback', 65536, new Uint8Array(6));
    this.devices.push(this.lo);
  }

  now(): number { return this.clock.now(); }
  addTimer(at: number, fn: () => void): NetTimerHandle { return this.clock.addTimer(at, () => this.batch(fn)); }
  cancelTimer(h: NetTimerHandle | null): void { if (h) this.clock.cancelTimer(h); }

  // ---- devices and addresses ----------------------------------------------------------

  addDevice(name: string, mtu: number, mac: Uint8Array): NetDevice {
    const idx = Math.max(...this.devices.map((d) => d.index)) + 1;
    const d = new NetDevice(this, idx, name, 'ether', mtu, mac);
    this.devices.push(d);
    this.onChange?.('link', d);
    return d;
  }
  devByName(n: string): NetDevice | null { return this.devices.find((d) => d.name === n) ?? null; }
  devByIndex(i: number): NetDevice | null { return this.devices.find((d) => d.index === i) ?? null; }

  /** Bring lo up with 127.0.0.1/8 (done at boot, as an init script would). */
  setupLoopback(): void {
    if (!this.lo.addrs.length) this.addAddr(this.lo, INADDR_LOOPBACK, 8);
    this.lo.setUp(true);
  }

  addAddr(dev: NetDevice, addr: number, prefix: number, broadcast?: number): InAddr | number {
    if (dev.addrs.some((a) => a.addr === addr && a.prefix === prefix)) return -17; // EEXIST
    const mask = prefixToMask(prefix);
    const a: InAddr = {
      addr: addr >>> 0, prefix,
      broadcast: broadcast ?? (prefix >= 31 || dev.isLoopback ? 0 : ((addr & mask) | ~mask) >>> 0),
      label: dev.name,
    };
    dev.addrs.push(a);
    this.addConnectedRoute(dev, a);
    this.onChange?.('addr', dev);
    return a;
  }

  delAddr(dev: NetDevice, addr: number, prefix?: number): boolean {
    const i = dev.addrs.findIndex((a) => a.addr === addr && (prefix === undefined || a.prefix === prefix));
    if (i < 0) return false;
    const [a] = dev.addrs.splice(i, 1);
    const net = (a.addr & prefixToMask(a.prefix)) >>> 0;
    for (let j = this.routes.length - 1; j >= 0; j--) {
      const r = this.routes[j];
      if (r.dev === dev && ((r.proto === 2 && r.dst === net && r.prefix === a.prefix) || r.src === a.addr)) this.routes.splice(j, 1);
    }
    this.onChange?.('addr', dev);
    return true;
  }

  private addConnectedRoute(dev: NetDevice, a: InAddr): void {
    if (dev.isLoopback) return; // 127/8 is local, not a unicast route
    const net = (a.addr & prefixToMask(a.prefix)) >>> 0;
    if (this.routes.some((r) => r.dev === dev && r.dst === net && r.prefix === a.prefix && r.gateway === 0)) return;
    this.routes.push({ dst: net, prefix: a.prefix, gateway: 0, dev, metric: 0, type: 1, proto: 2, scope: 253, src: a.addr, flags: RTF_UP });
  }

  devChanged(dev: NetDevice): void {
    if (!dev.up) this.flushArp(dev);
    this.onChange?.('link', dev);
  }

  setDevUp(dev: NetDevice, up: boolean): void {
    if (up === dev.up) return;
    if (up) dev.flags |= IFF_UP | IFF_RUNNING | IFF_LOWER_UP; else dev.flags &= ~(IFF_UP | IFF_RUNNING | IFF_LOWER_UP);
    this.devChanged(dev);
  }

  // ---- routing ------------------------------------------------------------------------

  addRoute(r: Partial<Route> & { dst: number; prefix: number; dev: NetDevice }): Route | number {
    const route: Route = {
      gateway: 0, metric: 0, type: 1, proto: 4, scope: r.gateway ? 0 : 253, src: 0,
      flags: RTF_UP | (r.gateway ? RTF_GATEWAY : 0) | (r.prefix === 32 ? RTF_HOST : 0), ...r,
    };
    route.dst = (route.dst & prefixToMask(route.prefix)) >>> 0;
    if (this.routes.some((x) => x.dst === route.dst && x.prefix === route.prefix && x.metric === route.metric && x.dev === route.dev && x.gateway === route.gateway)) return -17;
    this.routes.push(route);
    this.onChange?.('route', route.dev);
    return route;
  }

  delRoute(match: (r: Route) => boolean): boolean {
    const i = this.routes.findIndex(match);
    if (i < 0) return false;
    const [r] = this.routes.splice(i, 1);
    this.onChange?.('route', r.dev);
    return true;
  }

  /** Is `a` one of this machine's addresses (or a broadcast we accept)? */
  isLocal(a: number): boolean {
    if (a >= V6_BASE) return a === LOOPBACK6 && this.lo.up;
    if ((a >>> 24) === 127) return this.lo.up;
    for (const d of this.devices) {
      if (!d.up) continue;
      for (const x of d.addrs) if (x.addr === a) return true;
    }
    return false;
  }

  isBroadcast(a: number, dev: NetDevice | null): boolean {
    if (a === INADDR_BROADCAST) return true;
    for (const d of dev ? [dev] : this.devices) for (const x of d.addrs) if (x.broadcast === a && a !== 0) return true;
    return false;
  }

  /** Route lookup: the device, next hop and preferred source for dst. */
  lookup(dst: number, oif: NetDevice | null = null): { dev: NetDevice; nh: number; src: number; route: Route | null } | null {
    if (dst >= V6_BASE) return dst === LOOPBACK6 && this.lo.up && (!oif || oif.isLoopback) ? { dev: this.lo, nh: dst, src: dst, route: null } : null;
    if (this.isLocal(dst) && (!oif || oif.isLoopback)) {
      return { dev: this.lo, nh: dst, src: (dst >>> 24) === 127 ? dst : dst, route: null };
    }
    if (dst === INADDR_BROADCAST) {
      const dev = oif ?? this.devices.find((d) => d.up && !d.isLoopback) ?? null;
      if (!dev) return null;
      return { dev, nh: dst, src: dev.addrs[0]?.addr ?? 0, route: null };
    }
    let best: Route | null = null;
    for (const r of this.routes) {
      if (!r.dev.up || (oif && r.dev !== oif)) continue;
      const m = prefixToMask(r.prefix);
      if (((dst & m) >>> 0) !== r.dst) continue;
      if (!best || r.prefix > best.prefix || (r.prefix === best.prefix && r.metric < best.metric)) best = r;
    }
    if (!best) {
      if (oif && oif.up) return { dev: oif, nh: dst, src: oif.addrs[0]?.addr ?? 0, route: null };
      return null;
    }
    const src = best.src || this.srcFor(best.dev, best.gateway || dst);
    return { dev: best.dev, nh: best.gateway || dst, src, route: best };
  }

  private srcFor(dev: NetDevice, nh: number): number {
    for (const a of dev.addrs) if (((a.addr ^ nh) & prefixToMask(a.prefix)) === 0) return a.addr;
    if (dev.addrs.length) return dev.addrs[0].addr;
    for (const d of this.devices) if (!d.isLoopback && d.addrs.length) return d.addrs[0].addr;
    return 0;
  }

  // ---- output -------------------------------------------------------------------------

  nextId(): number { const id = this.ipId; this.ipId = (this.ipId + 1) & 0xffff; return id; }

  /**
   * Send a transport payload. src 0 picks the route's preferred source. Returns 0, or
   * -errno (ENETUNREACH, EMSGSIZE with DF, EPERM when a hook drops it).
   */
  output(src: number, dst: number, proto: number, payload: Uint8Array, o: OutOpts = {}): number {
    if (dst >= V6_BASE) return this.output6 ? this.output6(src, dst, proto, payload, o) : -101;
    const rt = this.lookup(dst, o.dev ?? null);
    if (!rt) { this.stats.outNoRoutes++; return -101; }
    if (src === 0) src = rt.src;
    const hl = 20;
    const d = new Uint8Array(hl + payload.length);
    if (d.length > 65535) return -90; // EMSGSIZE
    d[0] = 0x45; d[1] = o.tos ?? 0;
    wr16(d, 2, d.length);
    wr16(d, 4, o.id ?? this.nextId());
    wr16(d, 6, o.df ? 0x4000 : 0);
    d[8] = o.ttl ?? this.defaultTtl; d[9] = proto;
    wr32(d, 12, src); wr32(d, 16, dst);
    wr16(d, 10, checksum(d, 0, hl));
    d.set(payload, hl);
    this.stats.outRequests++;
    const pkt = parseIp(d, null);
    if (!pkt) return -22;
    if (!this.runHooks('output', pkt, null, rt.dev)) return -1;
    return this.finishOutput(pkt, rt.dev, rt.nh);
  }

  /** Send an already built datagram (raw sockets with IP_HDRINCL, forwarding). */
  outputRaw(d: Uint8Array): number {
    const pkt = parseIp(d, null);
    if (!pkt) return -22;
    const rt = this.lookup(pkt.dst);
    if (!rt) { this.stats.outNoRoutes++; return -101; }
    if (!this.runHooks('output', pkt, null, rt.dev)) return -1;
    return this.finishOutput(pkt, rt.dev, rt.nh);
  }

  private finishOutput(pkt: IpPacket, dev: NetDevice, nh: number): number {
    if (!this.runHooks('postrouting', pkt, null, dev)) return -1;
    const d = pkt.data;
    if (d.length <= dev.mtu) { this.xmit(dev, d, nh); return 0; }
    if (pkt.df) { this.stats.fragFails++; return -90; }
    return this.fragment(pkt, dev, nh);
  }

  private fragment(pkt: IpPacket, dev: NetDevice, nh: number): number {
    const hl = pkt.hdrLen;
    const maxData = (dev.mtu - hl) & ~7;
    if (maxData <= 0) { this.stats.fragFails++; return -90; }
    const body = pkt.payload;
    for (let off = 0; off < body.length; off += maxData) {
      const n = Math.min(maxData, body.length - off);
      const f = new Uint8Array(hl + n);
      f.set(pkt.data.subarray(0, hl));
      f.set(body.subarray(off, off + n), hl);
      wr16(f, 2, f.length);
      const last = off + n >= body.length;
      const fo = (pkt.fragOff + off) / 8;
      wr16(f, 6, fo | ((!last || pkt.mf) ? 0x2000 : 0));
      wr16(f, 10, 0); wr16(f, 10, checksum(f, 0, hl));
      this.stats.fragCreates++;
      this.xmit(dev, f, nh);
    }
    this.stats.fragOKs++;
    return 0;
  }

  /** Hand a finished datagram to a device. */
  private xmit(dev: NetDevice, d: Uint8Array, nh: number): void {
    if (!dev.up) { dev.stats.txDropped++; return; }
    if (dev.isLoopback) {
      dev.stats.txPackets++; dev.stats.txBytes += d.length;
      dev.stats.rxPackets++; dev.stats.rxBytes += d.length;
      if (this.tap) this.tapLoopback(dev, d, (d[0] >> 4) === 6 ? ETH_P_IPV6 : ETH_P_IP, true);
      this.enqueue(dev, d);
      return;
    }
    this.devXmitIp(dev, d, nh);
  }

  /** lo carries no link header: packet sockets see one with zero MACs, as on Linux. */
  tapLoopback(dev: NetDevice, d: Uint8Array, ethertype: number, outgoing: boolean): void {
    const f = new Uint8Array(ETH_HLEN + d.length);
    f[12] = ethertype >>> 8; f[13] = ethertype & 255;
    f.set(d, ETH_HLEN);
    if (outgoing) this.tap?.(dev, f, PACKET_OUTGOING);
    this.tap?.(dev, f, PACKET_HOST);
  }

  /** Send a finished datagram over lo (IPv6 output). */
  loopbackXmit(d: Uint8Array): void { this.xmit(this.lo, d, 0); }

  /** A frame a packet socket sent on lo comes straight back in. */
  loopbackFrame(frame: Uint8Array): void {
    const lo = this.lo;
    if (!lo.up) { lo.stats.txDropped++; return; }
    lo.stats.txPackets++; lo.stats.txBytes += frame.length; lo.stats.rxPackets++; lo.stats.rxBytes += frame.length;
    const type = (frame[12] << 8) | frame[13];
    const d = frame.subarray(ETH_HLEN);
    this.tap?.(lo, frame, PACKET_HOST);
    // Such a packet carries no route from the output path: Linux's input routing takes a
    // 127/8 source or destination for a martian and drops it.
    if (type === ETH_P_IP && d.length >= 20 && (d[12] === 127 || d[16] === 127)) { this.stats.inAddrErrors++; return; }
    if (type === ETH_P_IP || type === ETH_P_IPV6) this.batch(() => this.enqueue(lo, d));
    else lo.stats.rxDropped++;
  }

  devXmitIp(dev: NetDevice, d: Uint8Array, nh: number): void {
    if (nh === INADDR_BROADCAST || this.isBroadcast(nh, dev)) { dev.xmitFrame(BROADCAST_MAC, ETH_P_IP, d); return; }
    const key = `${dev.index}/${nh}`;
    let e = this.arp.get(key);
    const now = this.now();
    if (e && e.mac && e.expires > now) { dev.xmitFrame(e.mac, ETH_P_IP, d); return; }
    if (!e || (e.mac && e.expires <= now)) {
      e = { mac: null, expires: 0, pending: [d], tries: 0, timer: null, dev };
      this.arp.set(key, e);
      this.arpSolicit(dev, nh, e);
      return;
    }
    if (e.pending.length >= ARP_MAX_PENDING) { e.pending.shift(); dev.stats.txDropped++; }
    e.pending.push(d);
  }

  // ---- ARP ----------------------------------------------------------------------------

  private arpSolicit(dev: NetDevice, ip: number, e: ArpEntry): void {
    e.tries++;
    this.sendArp(dev, 1, BROADCAST_MAC, new Uint8Array(6), this.srcFor(dev, ip), ip);
    e.timer = this.addTimer(this.now() + ARP_RETRY_NS, () => {
      e.timer = null;
      if (e.mac) return;
      if (e.tries >= 3) {
        // Unresolved: drop what waited and report the host unreachable to the senders.
        const key = `${dev.index}/${ip}`;
        this.arp.delete(key);
        for (const p of e.pending) {
          dev.stats.txDropped++;
          const q = parseIp(p, null);
          if (q) this.deliverLocalError(ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, q);
        }
        return;
      }
      this.arpSolicit(dev, ip, e);
    });
  }

  private sendArp(dev: NetDevice, op: number, dstMac: Uint8Array, tha: Uint8Array, spa: number, tpa: number): void {
    const p = new Uint8Array(28);
    wr16(p, 0, 1); wr16(p, 2, ETH_P_IP); p[4] = 6; p[5] = 4; wr16(p, 6, op);
    p.set(dev.mac, 8); wr32(p, 14, spa); p.set(tha, 18); wr32(p, 24, tpa);
    dev.xmitFrame(dstMac, ETH_P_ARP, p);
  }

  arpRx(dev: NetDevice, p: Uint8Array): void {
    if (p.length < 28 || rd16(p, 0) !== 1 || rd16(p, 2) !== ETH_P_IP || p[4] !== 6 || p[5] !== 4) {
      dev.stats.rxErrors++; dev.malformed++; return;
    }
    const op = rd16(p, 6);
    const sha = p.slice(8, 14), spa = rd32(p, 14), tpa = rd32(p, 24);
    const mine = dev.addrs.some((a) => a.addr === tpa);
    const key = `${dev.index}/${spa}`;
    const e = this.arp.get(key);
    if (e || mine) this.arpLearn(dev, spa, sha);
    if (op === 1 && mine) this.sendArp(dev, 2, sha, sha, tpa, spa);
  }

  private arpLearn(dev: NetDevice, ip: number, mac: Uint8Array): void {
    if (ip === 0) return;
    const key = `${dev.index}/${ip}`;
    let e = this.arp.get(key);
    if (!e) { e = { mac: null, expires: 0, pending: [], tries: 0, timer: null, dev }; this.arp.set(key, e); }
    e.mac = mac; e.expires = this.now() + ARP_TIMEOUT_NS;
    this.cancelTimer(e.timer); e.timer = null;
    const q = e.pending; e.pending = [];
    for (const d of q) dev.xmitFrame(mac, ETH_P_IP, d);
  }

  /** Add a permanent ARP entry (arp -s, tests). */
  arpAdd(dev: NetDevice, ip: number, mac: Uint8Array): void {
    this.arpLearn(dev, ip, mac);
    this.arp.get(`${dev.index}/${ip}`)!.expires = Infinity;
  }

  private flushArp(dev: NetDevice): void {
    for (const [k, e] of this.arp) if (e.dev === dev) { this.cancelTimer(e.timer); this.arp.delete(k); }
  }

  /** For /proc/net/arp and netlink: resolved entries. */
  arpEntries(): { ip: number; mac: Uint8Array | null; dev: NetDevice; permanent: boolean }[] {
    return [...this.arp.entries()].map(([k, e]) => ({ ip: +k.split('/')[1], mac: e.mac, dev: e.dev, permanent: e.expires === Infinity }));
  }

  // ---- input --------------------------------------------------------------------------

  ipRx(dev: NetDevice, d: Uint8Array): void { this.enqueue(dev, d); }

  private enqueue(dev: NetDevice, d: Uint8Array): void {
    this.backlog.push({ dev, d });
    if (!this.draining) this.batch(() => undefined);
  }

  /**
   * Run fn with packet processing held back, then process what it queued. Protocol
   * entry points (send, connect, timers) run inside a batch so that a reply on lo
   * never re-enters the code that sent the packet.
   */
  batch<T>(fn: () => T): T {
    if (this.draining) return fn();
    this.draining = true;
    try {
      const r = fn();
      this.drainLoop();
      return r;
    } finally { this.draining = false; }
  }

  private drainLoop(): void {
    {
      for (;;) {
        while (this.backlog.length) {
          const x = this.backlog.shift()!;
          try { this.input(x.dev, x.d); } catch (e) {
            x.dev.stats.rxErrors++; x.dev.malformed++;
            this.log(`inet: dropped a packet that raised ${(e as Error).message}`);
          }
        }
        if (!this.deferred.size) break;
        const fs = [...this.deferred]; this.deferred.clear();
        for (const f of fs) f();
        if (!this.backlog.length) break;
      }
    }
  }

  /** Run fn once when the current receive batch is done (or now if idle). */
  defer(fn: () => void): void {
    if (this.draining) this.deferred.add(fn); else fn();
  }

  private input(dev: NetDevice, d: Uint8Array): void {
    if (d.length > 0 && (d[0] >> 4) === 6) { if (this.ip6Rx) this.ip6Rx(dev, d); else dev.stats.rxDropped++; return; }
    this.stats.inReceives++;
    const pkt = parseIp(d, dev);
    if (!pkt) { this.stats.inHdrErrors++; dev.stats.rxErrors++; dev.malformed++; return; }
    if (!dev.isLoopback && ((pkt.src >>> 24) === 127 || (pkt.dst >>> 24) === 127)) { this.stats.inAddrErrors++; return; } // martian
    if (!this.runHooks('prerouting', pkt, dev, null)) return;
    const local = this.promiscuous || this.isLocal(pkt.dst) || this.isBroadcast(pkt.dst, dev) || (pkt.dst >>> 28) === 14 ||
      // A DHCP client receives unicast to an address it does not have yet.
      (dev.addrs.length === 0 && !dev.isLoopback);
    if (!local) { this.forward(pkt, dev); return; }
    this.localDeliver(pkt);
  }

  private localDeliver(pkt: IpPacket): void {
    if (pkt.mf || pkt.fragOff) {
      const whole = this.reassemble(pkt);
      if (!whole) return;
      pkt = whole;
    }
    if (!this.runHooks('input', pkt, pkt.dev, null)) return;
    this.stats.inDelivers++;
    for (const r of this.raw) if (r.proto === pkt.proto || r.proto === IPPROTO_RAW) r.deliver(pkt);
    const h = this.protocols.get(pkt.proto);
    if (h) { h.rx(pkt); return; }
    if (pkt.proto === IPPROTO_ICMP) { this.icmpRx(pkt); return; }
    if (![...this.raw].some((r) => r.proto === pkt.proto)) {
      this.stats.inUnknownProtos++;
      this.icmpError(pkt, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH);
    }
  }

  private forward(pkt: IpPacket, dev: NetDevice): void {
    if (!this.ipForward || this.isBroadcast(pkt.dst, null) || (pkt.dst >>> 28) === 14 || pkt.dst === 0) {
      this.stats.inAddrErrors++; return;
    }
    if (pkt.ttl <= 1) { this.icmpError(pkt, ICMP_TIME_EXCEEDED, 0); this.stats.inHdrErrors++; return; }
    const rt = this.lookup(pkt.dst);
    if (!rt || rt.dev.isLoopback) { this.stats.outNoRoutes++; this.icmpError(pkt, ICMP_DEST_UNREACH, ICMP_NET_UNREACH); return; }
    if (!this.runHooks('forward', pkt, dev, rt.dev)) return;
    const d = pkt.data;
    d[8]--;
    // Incremental checksum update for the TTL decrement (RFC 1624).
    let sum = ((~rd16(d, 10)) & 0xffff) + ((~0x100) & 0xffff);
    sum = (sum & 0xffff) + (sum >>> 16); sum = (sum & 0xffff) + (sum >>> 16);
    wr16(d, 10, (~sum) & 0xffff);
    pkt.ttl--;
    this.stats.forwDatagrams++;
    if (d.length > rt.dev.mtu && pkt.df) {
      this.icmpError(pkt, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, rt.dev.mtu);
      return;
    }
    this.finishOutput(pkt, rt.dev, rt.nh);
  }

  private runHooks(name: HookName, pkt: IpPacket, inDev: NetDevice | null, outDev: NetDevice | null): boolean {
    const hs = this.hooks[name];
    for (let i = 0; i < hs.length; i++) if (!hs[i](pkt, inDev, outDev)) { this.stats.filtered++; return false; }
    return true;
  }

  // ---- reassembly ---------------------------------------------------------------------

  private reassemble(pkt: IpPacket): IpPacket | null {
    this.stats.reasmReqds++;
    const key = `${pkt.src}/${pkt.dst}/${pkt.proto}/${pkt.id}`;
    let q = this.reasm.get(key);
    if (!q) {
      if (this.reasm.size >= REASM_MAX_QUEUES || this.reasmBytes > REASM_MAX_BYTES) {
        // Under a flood: evict the oldest queue.
        const oldest = this.reasm.values().next().value as Reasm | undefined;
        if (oldest) this.dropReasm(oldest);
      }
      const nq: Reasm = {
        key, frags: [], total: -1, bytes: 0, first: null, dev: pkt.dev,
        timer: this.addTimer(this.now() + REASM_TIMEOUT_NS, () => {
          this.stats.reasmTimeout++;
          if (nq.first) {
            const f = parseIp(nq.first, nq.dev);
            if (f) this.icmpError(f, ICMP_TIME_EXCEEDED, 1);
          }
          this.dropReasm(nq);
        }),
      };
      q = nq;
      this.reasm.set(key, q);
    }
    const off = pkt.fragOff, data = pkt.payload;
    const end = off + data.length;
    if (end > 65535 - pkt.hdrLen || (pkt.mf && data.length % 8 !== 0) || (!pkt.mf && q.total >= 0 && end !== q.total) ||
        (q.total >= 0 && end > q.total)) {
      this.stats.reasmFails++; this.dropReasm(q); return null;
    }
    if (!pkt.mf) q.total = end;
    if (off === 0) q.first = pkt.data;
    // Keep fragments sorted; overlapping data is trimmed to what is new (first copy wins).
    q.frags.push({ off, data: data.slice() });
    q.bytes += data.length; this.reasmBytes += data.length;
    if (q.total < 0 || !q.first) return null;
    q.frags.sort((a, b) => a.off - b.off);
    let have = 0;
    for (const f of q.frags) { if (f.off > have) return null; have = Math.max(have, f.off + f.data.length); }
    if (have < q.total) return null;
    const first = parseIp(q.first, q.dev)!;
    const out = new Uint8Array(first.hdrLen + q.total);
    out.set(q.first.subarray(0, first.hdrLen));
    for (let i = q.frags.length - 1; i >= 0; i--) { const f = q.frags[i]; out.set(f.data.subarray(0, Math.min(f.data.length, q.total - f.off)), first.hdrLen + f.off); }
    wr16(out, 2, out.length); wr16(out, 6, 0); wr16(out, 10, 0); wr16(out, 10, checksum(out, 0, first.hdrLen));
    this.dropReasm(q);
    this.stats.reasmOKs++;
    return parseIp(out, pkt.dev);
  }

  private dropReasm(q: Reasm): void {
    this.cancelTimer(q.timer);
    if (this.reasm.get(q.key) === q) { this.reasm.delete(q.key); this.reasmBytes -= q.bytes; }
  }

  get reassemblyQueues(): number { return this.reasm.size; }

  // ---- ICMP ---------------------------------------------------------------------------

  /** Ping sockets register here (echo replies by identifier). */
  pingRx: ((pkt: IpPacket) => boolean) | null = null;
  /** Answer echo requests (net.ipv4.icmp_echo_ignore_all = 0). */
  echoIgnoreAll = false;

  private icmpRx(pkt: IpPacket): void {
    const m = pkt.payload;
    this.stats.icmpInMsgs++;
    if (m.length < 8) { this.stats.icmpInErrors++; return; }
    if (checksum(m) !== 0) { this.stats.icmpInErrors++; this.stats.icmpInCsumErrors++; return; }
    const type = m[0], code = m[1];
    switch (type) {
      case ICMP_ECHO: {
        if (this.echoIgnoreAll || this.isBroadcast(pkt.dst, pkt.dev) || (pkt.dst >>> 28) === 14) return;
        const r = m.slice();
        r[0] = ICMP_ECHOREPLY; wr16(r, 2, 0); wr16(r, 2, checksum(r));
        this.stats.icmpOutMsgs++;
        this.output(pkt.dst, pkt.src, IPPROTO_ICMP, r, { tos: pkt.tos });
        return;
      }
      case ICMP_ECHOREPLY:
        this.pingRx?.(pkt);
        return;
      case ICMP_DEST_UNREACH: case ICMP_TIME_EXCEEDED: case 12 /* parameter problem */: {
        // An error must quote at least the offending IPv4 header (Linux counts InErrors).
        if (m.length < 8 + 20) { this.stats.icmpInErrors++; return; }
        const inner = m.subarray(8);
        const ihl = (inner[0] & 15) * 4;
        if ((inner[0] >> 4) !== 4 || ihl < 20 || inner.length < ihl) { this.stats.icmpInErrors++; return; }
        const q: IpPacket = {
          src: rd32(inner, 12), dst: rd32(inner, 16), proto: inner[9], ttl: inner[8], tos: inner[1], id: rd16(inner, 4),
          df: false, mf: false, fragOff: 0, hdrLen: ihl, data: inner, payload: inner.subarray(ihl), dev: pkt.dev,
        };
        const info = type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED ? rd16(m, 6) : 0;
        this.protocols.get(q.proto)?.err?.(type, code, q, info);
        if (q.proto === IPPROTO_ICMP) this.pingErr?.(type, code, q);
        return;
      }
      default:
        return;
    }
  }
  pingErr: ((type: number, code: number, quoted: IpPacket) => void) | null = null;

  /** Send an ICMP error about `pkt` (never about ICMP errors, fragments or broadcasts). */
  icmpError(pkt: IpPacket, type: number, code: number, info = 0): void {
    if (pkt.dst >= V6_BASE || pkt.src >= V6_BASE) { this.icmp6Error?.(pkt, type, code, info); return; }
    if (pkt.fragOff !== 0 || this.isBroadcast(pkt.dst, pkt.dev) || (pkt.dst >>> 28) === 14 || pkt.src === 0) return;
    if (pkt.proto === IPPROTO_ICMP && pkt.payload.length > 0 && pkt.payload[0] !== ICMP_ECHO && pkt.payload[0] !== ICMP_ECHOREPLY) return;
    const quote = pkt.data.subarray(0, Math.min(pkt.data.length, pkt.hdrLen + 8 + 512));
    const m = new Uint8Array(8 + quote.length);
    m[0] = type; m[1] = code; wr16(m, 6, info);
    m.set(quote, 8);
    wr16(m, 2, checksum(m));
    this.stats.icmpOutMsgs++;
    const src = this.isLocal(pkt.dst) ? pkt.dst : 0;
    this.output(src, pkt.src, IPPROTO_ICMP, m);
  }

  /** An error for a locally generated packet that never left (ARP failure). */
  private deliverLocalError(type: number, code: number, q: IpPacket): void {
    this.protocols.get(q.proto)?.err?.(type, code, q, 0);
  }

  // ---- ephemeral ports ----------------------------------------------------------------

  /** Pick a free ephemeral port: inUse(port) tells whether a candidate is taken. */
  ephemeralPort(inUse: (p: number) => boolean, salt = 0): number {
    const n = this.portHigh - this.portLow + 1;
    let start = (Math.floor(this.now() / 1000) + salt * 7919) % n;
    for (let i = 0; i < n; i++) {
      const p = this.portLow + ((start + i) % n);
      if (!inUse(p)) return p;
    }
    start = 0;
    return 0;
  }

  describe(): string {
    return this.devices.map((d) => `${d.name}: ${d.addrs.map((a) => `${ipToString(a.addr)}/${a.prefix}`).join(' ')}`).join('; ');
  }
}

/** Validate and parse an IPv4 header; null if malformed (bad version, length, checksum). */
export function parseIp(d: Uint8Array, dev: NetDevice | null): IpPacket | null {
  if (d.length < 20 || (d[0] >> 4) !== 4) return null;
  const hl = (d[0] & 15) * 4;
  if (hl < 20 || d.length < hl) return null;
  const tot = rd16(d, 2);
  if (tot < hl || tot > d.length) return null;
  if (csumFold(csumPartial(d, 0, hl)) !== 0) return null;
  if (tot < d.length) d = d.subarray(0, tot); // Ethernet padding
  const frag = rd16(d, 6);
  if (frag & 0x8000) return null; // the reserved bit
  return {
    src: rd32(d, 12), dst: rd32(d, 16), proto: d[9], ttl: d[8], tos: d[1], id: rd16(d, 4),
    df: (frag & 0x4000) !== 0, mf: (frag & 0x2000) !== 0, fragOff: (frag & 0x1fff) * 8, hdrLen: hl,
    data: d, payload: d.subarray(hl, tot), dev,
  };
}

void ETH_P_IP;
