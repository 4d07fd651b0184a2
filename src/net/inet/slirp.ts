// eth0=slirp: user-mode NAT without privileges, as QEMU's and UML's slirp. The guest's
// Ethernet is wired to a second, private NetStack: the gateway 10.0.2.2 (which also
// answers for every outside address) and the DNS forwarder 10.0.2.3. Guest TCP flows
// end at the gateway's TCP and are re-originated as host sockets (10.0.2.2 is the host's
// loopback); guest UDP is relayed through host datagram sockets; DNS to 10.0.2.3 goes to
// the host's resolver; a built-in DHCP server leases 10.0.2.15/24; hostfwd listens on
// the host and connects into the guest. The host side is drivers/net/hostsock.ts.
import { NetStack } from './stack.js';
import { Tcp, TcpSock, TcpState, TcpSeg } from './tcp.js';
import { Udp } from './udp.js';
import type { LinkTransport } from './netdev.js';
import { NetClock, ipToString, parseIp, rd16, rd32, wr16, wr32 } from './util.js';
import {
  hostTcpConnect, hostTcpListen, hostUdp, hostNameservers, HostTcp, HostUdp, HostListener,
} from '../../drivers/net/hostsock.js';

export const SLIRP_NET = 0x0a000200, SLIRP_GW = 0x0a000202, SLIRP_DNS = 0x0a000203, SLIRP_GUEST = 0x0a00020f;
export const SLIRP_GW_MAC = new Uint8Array([0x52, 0x55, 0x0a, 0x00, 0x02, 0x02]);

export interface HostFwd { proto: 'tcp' | 'udp'; hostAddr: string; hostPort: number; guestAddr: number; guestPort: number; }

/** Parse `tcp:127.0.0.1:8080-:80` (QEMU's hostfwd syntax; the guest address defaults to 10.0.2.15). */
export function parseHostFwd(s: string): HostFwd | string {
  const m = /^(tcp|udp)?:([\d.]*):(\d+)-([\d.]*):(\d+)$/.exec(s);
  if (!m) return `hostfwd=${s}: expected tcp:HOSTADDR:HOSTPORT-GUESTADDR:GUESTPORT`;
  const ga = m[4] ? parseIp(m[4]) : SLIRP_GUEST;
  const hp = +m[3], gp = +m[5];
  if (ga === null || hp > 65535 || gp < 1 || gp > 65535) return `hostfwd=${s}: bad address or port`;
  return { proto: (m[1] as 'tcp' | 'udp') ?? 'tcp', hostAddr: m[2] || '127.0.0.1', hostPort: hp, guestAddr: ga, guestPort: gp };
}

/** A guest TCP connection bridged to a host socket. */
class Flow {
  private pending: Uint8Array[] = [];
  private hostEnded = false;
  private finSent = false;
  private hostBlocked = false;
  private guestEof = false;
  h: HostTcp | null = null;
  private done = false;
  constructor(readonly slirp: Slirp, readonly sk: TcpSock) {
    sk.onEvent = () => this.pump();
  }
  events() {
    return {
      connect: () => {},
      data: (b: Uint8Array) => { this.pending.push(b.slice()); this.pump(); if (this.pending.length) this.h?.pause(); this.slirp.kick(); },
      end: () => { this.hostEnded = true; this.pump(); this.slirp.kick(); },
      close: (err: string | null) => {
        if (err !== null || !this.hostEnded) { if (this.sk.state !== TcpState.CLOSE) this.slirp.tcp.abort(this.sk); }
        this.hostEnded = true; this.pump(); this.slirp.kick();
      },
      drain: () => { this.hostBlocked = false; this.pump(); this.slirp.kick(); },
    };
  }
  pump(): void {
    if (this.done) return;
    const sk = this.sk, tcp = this.slirp.tcp;
    if (sk.state === TcpState.CLOSE) {
      this.done = true;
      if (sk.error && this.h) this.h.destroy(); else this.h?.end();
      return;
    }
    // host → guest
    while (this.pending.length) {
      const c = this.pending[0];
      const n = tcp.send(sk, c);
      if (n < 0) break;
      if (n < c.length) { this.pending[0] = c.subarray(n); break; }
      this.pending.shift();
    }
    if (!this.pending.length) {
      this.h?.resume();
      if (this.hostEnded && !this.finSent && sk.synchronized) { this.finSent = true; tcp.shutdown(sk, 1); }
    }
    // guest → host
    if (this.h && !this.hostBlocked && !this.guestEof) {
      const buf = new Uint8Array(65536);
      for (;;) {
        const n = tcp.recv(sk, buf);
        if (n > 0) { if (!this.h.write(buf.slice(0, n))) { this.hostBlocked = true; break; } continue; }
        if (n === 0) { this.guestEof = true; this.h.end(); }
        else if (n !== -11) this.h.destroy();
        break;
      }
    }
  }
}

export class Slirp {
  readonly stack: NetStack;
  readonly tcp: Tcp;
  readonly udp: Udp;
  readonly transport: LinkTransport;
  private readonly natListener = new TcpSock();
  private readonly waiting = new Map<string, HostTcp>();
  private readonly udpFlows = new Map<string, { h: HostUdp; used: number }>();
  private readonly listeners: HostListener[] = [];
  private readonly dns: string[];
  kick: () => void = () => {};
  log: (m: string) => void = () => {};

  constructor(clock: NetClock, deliver: (frame: Uint8Array) => void, hostfwd: HostFwd[] = []) {
    const st = this.stack = new NetStack(clock);
    st.promiscuous = true;
    const dev = st.addDevice('slirp0', 1500, SLIRP_GW_MAC);
    st.addAddr(dev, SLIRP_GW, 24);
    st.addAddr(dev, SLIRP_DNS, 24);
    st.setDevUp(dev, true);
    this.tcp = new Tcp(st);
    this.udp = new Udp(st);
    this.dns = hostNameservers();
    dev.transport = { describe: 'slirp gateway', send: (f) => deliver(f) };
    this.transport = {
      describe: 'slirp (user-mode NAT: 10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3)',
      send: (f) => dev.receiveFrame(f),
      close: () => this.close(),
    };
    const l = this.natListener;
    l.state = TcpState.LISTEN; l.backlog = 1024;
    l.onEvent = () => this.acceptAll();
    this.tcp.synHook = (seg, proceed, refuse) => this.outbound(seg, proceed, refuse);
    this.udp.catchAll = (pkt, sport, dport, data) => this.udpOut(pkt.src, sport, pkt.dst, dport, data);
    for (const f of hostfwd) this.forward(f);
  }

  private hostFor(dst: number): string | null {
    if (dst === SLIRP_GW) return '127.0.0.1';
    if ((dst & 0xffffff00) >>> 0 === SLIRP_NET) return null;
    if ((dst >>> 24) === 127 || dst === 0 || (dst >>> 28) >= 14) return null;
    return ipToString(dst);
  }

  private outbound(seg: TcpSeg, proceed: (l: TcpSock) => void, refuse: () => void): void {
    const host = this.hostFor(seg.dst);
    if (host === null) { refuse(); return; }
    const key = `${seg.dst}:${seg.dport}:${seg.src}:${seg.sport}`;
    let connected = false;
    let flow: Flow | null = null;
    const ev = {
      connect: () => { connected = true; this.waiting.set(key, h); proceed(this.natListener); this.kick(); },
      data: (b: Uint8Array) => flow?.events().data(b),
      end: () => flow?.events().end(),
      close: (err: string | null) => {
        if (!connected) { refuse(); this.kick(); return; }
        this.waiting.delete(key);
        flow?.events().close(err);
      },
      drain: () => flow?.events().drain(),
    };
    const h = hostTcpConnect(host, seg.dport, ev);
    h.pause();
    // The flow is attached when the guest's handshake completes (acceptAll).
    (h as HostTcp & { attach?: (f: Flow) => void }).attach = (f) => { flow = f; };
  }

  private acceptAll(): void {
    for (;;) {
      const c = this.tcp.accept(this.natListener);
      if (typeof c === 'number') break;
      const h = this.waiting.get(c.key) as (HostTcp & { attach?: (f: Flow) => void }) | undefined;
      if (!h) { this.tcp.abort(c); continue; }
      this.waiting.delete(c.key);
      const f = new Flow(this, c);
      f.h = h;
      h.attach?.(f);
      h.resume();
      f.pump();
    }
  }

  private forward(fw: HostFwd): void {
    if (fw.proto !== 'tcp') { this.log(`slirp: hostfwd=${fw.proto}: only tcp is supported`); return; }
    const l = hostTcpListen(fw.hostAddr, fw.hostPort, (accept) => {
      const sk = new TcpSock();
      const f = new Flow(this, sk);
      f.h = accept(f.events());
      this.tcp.connect(sk, fw.guestAddr, fw.guestPort);
      f.h.resume();
      f.pump();
      this.kick();
    }, (m) => this.log(`slirp: hostfwd ${fw.hostAddr}:${fw.hostPort}: ${m}`));
    this.listeners.push(l);
  }

  private udpOut(src: number, sport: number, dst: number, dport: number, data: Uint8Array): boolean {
    if (dport === 67 && (dst === 0xffffffff || dst === SLIRP_GW)) { this.dhcp(data); return true; }
    let host: string | null;
    if (dst === SLIRP_DNS && dport === 53) host = this.dns[0];
    else host = this.hostFor(dst);
    if (host === null) return false;
    const key = `${src}:${sport}`;
    let fl = this.udpFlows.get(key);
    if (!fl) {
      if (this.udpFlows.size >= 256) {
        const [k0, f0] = this.udpFlows.entries().next().value as [string, { h: HostUdp }];
        f0.h.close(); this.udpFlows.delete(k0);
      }
      const h = hostUdp((b, rhost, rport) => {
        let from: number;
        if (rport === 53 && this.dns.includes(rhost)) from = SLIRP_DNS;
        else if (rhost.startsWith('127.')) from = SLIRP_GW;
        else from = parseIp(rhost) ?? SLIRP_GW;
        this.stack.batch(() => this.udp.sendFrom(from, rport, src, sport, b));
        this.kick();
      }, (m) => this.log(`slirp: udp: ${m}`));
      fl = { h, used: 0 };
      this.udpFlows.set(key, fl);
    }
    fl.used++;
    fl.h.send(data, dport, host);
    return true;
  }

  /** The built-in DHCP server: one lease, 10.0.2.15/24, router 10.0.2.2, DNS 10.0.2.3. */
  private dhcp(m: Uint8Array): void {
    if (m.length < 240 || m[0] !== 1 || rd32(m, 236) !== 0x63825363) return;
    let type = 0;
    for (let i = 240; i < m.length;) {
      const o = m[i];
      if (o === 255) break;
      if (o === 0) { i++; continue; }
      if (i + 1 >= m.length) break;
      const len = m[i + 1];
      if (o === 53 && len >= 1) type = m[i + 2];
      i += 2 + len;
    }
    if (type !== 1 && type !== 3) return; // DISCOVER, REQUEST
    const r = new Uint8Array(300);
    r[0] = 2; r[1] = m[1]; r[2] = m[2];
    r.set(m.subarray(4, 8), 4);          // xid
    r.set(m.subarray(10, 12), 10);        // flags
    wr32(r, 16, SLIRP_GUEST); wr32(r, 20, SLIRP_GW);
    r.set(m.subarray(28, 44), 28);        // chaddr
    wr32(r, 236, 0x63825363);
    const opts = [53, 1, type === 1 ? 2 : 5, 54, 4, 10, 0, 2, 2, 51, 4, 0, 1, 0x51, 0x80, 1, 4, 255, 255, 255, 0,
      3, 4, 10, 0, 2, 2, 6, 4, 10, 0, 2, 3, 255];
    r.set(opts, 240);
    this.udp.sendFrom(SLIRP_GW, 67, 0xffffffff, 68, r);
    void rd16; void wr16;
  }

  close(): void {
    for (const l of this.listeners) l.close();
    for (const f of this.udpFlows.values()) f.h.close();
    this.udpFlows.clear();
  }
}
