// Building a machine's inet stack: the clock adapter over the kernel's timer queue, lo
// (127.0.0.1/8, up at boot as in UML), and ethN devices with their transports.
import { NetStack } from './stack.js';
import { Inet, attachInet } from './sock.js';
import './netlink.js';
import '../packet.js';
import type { NetClock, NetTimerHandle } from './util.js';
import type { LinkTransport } from './netdev.js';

/** What the stack needs from the kernel (kernel/kernel.ts Kernel satisfies it). */
export interface KernelHooks {
  now(): number;
  readonly timers: { add(at: number, fire: () => void): NetTimerHandle; cancel(t: NetTimerHandle): void };
  log(msg: string, important?: boolean): void;
  /** The kernel's random source (seeded under time-travel, so runs repeat). */
  random(b: Uint8Array): void;
  /** Polled by the run loop between slices (host devices that can be read without blocking). */
  readonly pollers: (() => void)[];
  /** Wakes the run loop after host events that queued work or timers. */
  onRunnable(): void;
}

export function kernelClock(k: KernelHooks): NetClock {
  return {
    now: () => k.now(),
    addTimer: (at, fire) => k.timers.add(at, fire),
    cancelTimer: (h) => k.timers.cancel(h as never),
  };
}

export function setupInet(k: KernelHooks & object): Inet {
  const stack = new NetStack(kernelClock(k));
  stack.log = (m) => k.log(m);
  stack.setupLoopback();
  const inet = new Inet(stack);
  const seed = new Uint32Array(1);
  seed[0] = (Math.floor(k.now()) ^ 0x9e3779b9) >>> 0;
  inet.tcp.seedIss(seed[0]);
  attachInet(k, inet);
  return inet;
}

/** Add ethN with a transport; frames from the host wake the run loop. */
export function addEther(k: KernelHooks, inet: Inet, name: string, mac: Uint8Array, mtu: number,
  make: (deliver: (frame: Uint8Array) => void) => LinkTransport): void {
  const dev = inet.stack.addDevice(name, mtu, mac);
  dev.transport = make((frame) => {
    try { dev.receiveFrame(frame); } catch (e) { dev.malformed++; k.log(`${name}: dropped a frame: ${(e as Error).message}`); }
    k.onRunnable();
  });
  k.log(`${name}: ${dev.transport.describe}, MAC ${[...mac].map((x) => x.toString(16).padStart(2, '0')).join(':')}`);
}

import { Slirp, parseHostFwd, HostFwd, SLIRP_GUEST, SLIRP_GW } from './slirp.js';
import { parseMac } from './util.js';
import { defaultMac } from './netdev.js';
import { parseLanSpec, openLan, randomMac } from './lan.js';

/** One ethN= option. */
export interface EthSpec { index: number; spec: string; }

/** Check an ethN= value at parse time: null when fine, else the message. */
export function checkEthSpec(spec: string): string | null {
  const [kind, ...rest] = spec.split(',');
  switch (kind) {
    case 'slirp':
      for (const r of rest) {
        if (r === '') continue;
        if (r.startsWith('hostfwd=')) { const h = parseHostFwd(r.slice(8)); if (typeof h === 'string') return h; continue; }
        if (!parseMac(r)) return `eth=slirp: '${r}' is neither a MAC address nor hostfwd=...`;
      }
      return null;
    case 'tuntap': case 'tap': case 'pcap': case 'vde': case 'ethertap':
      return process.getuid?.() === 0 ? `eth transport '${kind}' is not implemented in tuml yet` :
        `eth transport '${kind}' needs root (CAP_NET_ADMIN) on the host; use eth0=slirp for networking without privileges`;
    case 'daemon': case 'mcast': case 'ucast': {
      const l = parseLanSpec(kind, rest);
      return typeof l === 'string' ? l : null;
    }
    default:
      return `unknown eth transport '${kind}' (supported: slirp, daemon, mcast, ucast)`;
  }
}

/**
 * Create the ethN devices. `hostfwd` adds forwards to the slirp device; `ip` is the
 * kernel's ip= option: "dhcp"/"auto" configures a slirp eth0 with its lease at boot.
 */
export function configureEth(k: KernelHooks, inet: Inet, eths: EthSpec[], hostfwd: string[], ip: string | null): void {
  for (const e of [...eths].sort((a, b) => a.index - b.index)) {
    const [kind, ...rest] = e.spec.split(',');
    const name = `eth${e.index}`;
    if (kind === 'daemon' || kind === 'mcast' || kind === 'ucast') {
      const l = parseLanSpec(kind, rest);
      if (typeof l === 'string') throw new Error(l);
      // Machines on one LAN need distinct MACs: without one, pick a random locally
      // administered address, as UML 6.1 does ("Choosing a random ethernet address").
      const mac = l.mac ?? randomMac(k.random);
      addEther(k, inet, name, mac, 1500, (deliver) => {
        const t = openLan(l, name, mac, deliver, (m) => k.log(m, true));
        if (t.poll) k.pollers.push(t.poll);
        return t;
      });
      continue;
    }
    if (kind !== 'slirp') throw new Error(checkEthSpec(e.spec) ?? `eth${e.index}: unsupported`);
    let mac = defaultMac(e.index);
    const fwds: HostFwd[] = [];
    for (const r of rest) {
      if (r.startsWith('hostfwd=')) fwds.push(parseHostFwd(r.slice(8)) as HostFwd);
      else if (r) mac = parseMac(r)!;
    }
    if (e === eths[0]) for (const h of hostfwd) { const p = parseHostFwd(h); if (typeof p !== 'string') fwds.push(p); }
    addEther(k, inet, name, mac, 1500, (deliver) => {
      const s = new Slirp(kernelClock(k), deliver, fwds);
      s.kick = () => k.onRunnable();
      s.log = (m) => k.log(m);
      return s.transport;
    });
    if (ip === 'dhcp' || ip === 'auto' || ip === 'on' || ip === 'any') {
      const dev = inet.stack.devByName(name)!;
      inet.stack.addAddr(dev, SLIRP_GUEST, 24);
      inet.stack.setDevUp(dev, true);
      if (!inet.stack.routes.some((r) => r.prefix === 0)) inet.stack.addRoute({ dst: 0, prefix: 0, gateway: SLIRP_GW, dev, proto: 3 });
    }
  }
}
