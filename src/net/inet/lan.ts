// The ethN= transports that join machines into a LAN, parsed in UML's syntax:
//   ethN=daemon,[MAC],[unix],[CTLSOCKET]        a port on uml_switch (default /tmp/uml.ctl)
//   ethN=mcast,[MAC],[ADDR],[PORT],[TTL]          UDP multicast (239.192.168.1, 1102, 1)
//   ethN=ucast,[MAC],[ADDR],[PORT],[LPORT],[LADDR] a UDP point-to-point link to ADDR:PORT,
//                                                (tuml's; 127.0.0.1, 1102, LPORT = PORT,
//                                                LADDR 127.0.0.1 or 0.0.0.0 for a remote peer)
// Empty fields take the defaults, as UML's parser does.
import type { LinkTransport } from './netdev.js';
import { parseIp, parseMac } from './util.js';
import { DAEMON_DEFAULT_CTL, openDaemonPort } from '../../drivers/net/daemon.js';
import { MCAST_DEFAULT_ADDR, MCAST_DEFAULT_PORT, MCAST_DEFAULT_TTL, openMcast, openUcast } from '../../drivers/net/mcast.js';

export type LanSpec =
  | { kind: 'daemon'; mac: Uint8Array | null; ctl: string }
  | { kind: 'mcast'; mac: Uint8Array | null; addr: string; port: number; ttl: number }
  | { kind: 'ucast'; mac: Uint8Array | null; addr: string; port: number; lport: number; laddr: string };

function port(s: string | undefined, def: number, what: string): number | string {
  if (s === undefined || s === '') return def;
  if (!/^\d+$/.test(s) || +s < 1 || +s > 65535) return `${what} '${s}' is not a port number (1-65535)`;
  return +s;
}

function mac(s: string | undefined): Uint8Array | null | string {
  if (s === undefined || s === '') return null;
  return parseMac(s) ?? `'${s}' is not a MAC address (xx:xx:xx:xx:xx:xx)`;
}

/** Parse a daemon/mcast/ucast value (the fields after the transport name). */
export function parseLanSpec(kind: string, f: string[]): LanSpec | string {
  const m = mac(f[0]);
  if (typeof m === 'string') return `eth=${kind}: ${m}`;
  switch (kind) {
    case 'daemon': {
      if (f.length > 3) return `eth=daemon: a separate data socket is uml_switch's protocol version 0, which tuml does not speak (use daemon,MAC,unix,CTLSOCKET)`;
      const type = f[1] || 'unix';
      if (type !== 'unix') return `eth=daemon: unsupported socket type '${type}' (only 'unix')`;
      return { kind, mac: m, ctl: f[2] || DAEMON_DEFAULT_CTL };
    }
    case 'mcast': {
      if (f.length > 4) return `eth=mcast: too many fields (mcast,MAC,ADDR,PORT,TTL)`;
      const addr = f[1] || MCAST_DEFAULT_ADDR;
      const a = parseIp(addr);
      if (a === null || (a >>> 28) !== 14) return `eth=mcast: '${addr}' is not an IPv4 multicast address (224.0.0.0/4)`;
      const p = port(f[2], MCAST_DEFAULT_PORT, 'port');
      if (typeof p === 'string') return `eth=mcast: ${p}`;
      const ttl = f[3] === undefined || f[3] === '' ? MCAST_DEFAULT_TTL : /^\d+$/.test(f[3]) && +f[3] <= 255 ? +f[3] : -1;
      if (ttl < 0) return `eth=mcast: TTL '${f[3]}' is not 0-255`;
      return { kind, mac: m, addr, port: p, ttl };
    }
    case 'ucast': {
      if (f.length > 5) return `eth=ucast: too many fields (ucast,MAC,ADDR,PORT,LPORT,LADDR)`;
      const addr = f[1] || '127.0.0.1';
      const a = parseIp(addr);
      if (a === null || (a >>> 28) >= 14) return `eth=ucast: '${addr}' is not a unicast IPv4 address`;
      const p = port(f[2], MCAST_DEFAULT_PORT, 'port');
      if (typeof p === 'string') return `eth=ucast: ${p}`;
      const lp = port(f[3], p, 'local port');
      if (typeof lp === 'string') return `eth=ucast: ${lp}`;
      const laddr = f[4] || ((a >>> 24) === 127 ? '127.0.0.1' : '0.0.0.0');
      if (parseIp(laddr) === null) return `eth=ucast: '${laddr}' is not an IPv4 address`;
      if (lp === p && (a >>> 24) === 127 && parseIp(laddr)! >>> 24 === 127) return `eth=ucast: the local and remote ends are both ${addr}:${p} (give LPORT)`;
      return { kind, mac: m, addr, port: p, lport: lp, laddr };
    }
    default:
      return `unknown eth transport '${kind}'`;
  }
}

/** A random unicast, locally administered MAC (x2:xx:xx:xx:xx:xx). */
export function randomMac(fill: (b: Uint8Array) => void): Uint8Array {
  const m = new Uint8Array(6);
  fill(m);
  m[0] = (m[0] & 0xfc) | 0x02;
  return m;
}

/** Open the transport; throws an Error with a one-line message when it cannot start. */
export function openLan(spec: LanSpec, devName: string, devMac: Uint8Array, deliver: (frame: Uint8Array) => void,
  log: (m: string) => void): LinkTransport {
  switch (spec.kind) {
    case 'daemon':
      return openDaemonPort(spec.ctl, devName, deliver, (why) => log(`${devName}: ${why}; the link is down`));
    case 'mcast':
      return openMcast(spec.addr, spec.port, spec.ttl, devMac, deliver, (m) => log(`${devName}: ${m}`));
    case 'ucast':
      return openUcast(spec.laddr, spec.lport, spec.addr, spec.port, deliver, (m) => log(`${devName}: ${m}`));
  }
}
