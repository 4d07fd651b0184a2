// /proc/net (dev, route, tcp, udp, raw, arp, snmp) and /proc/sys/net (ip_forward and
// friends): views of the machine's inet stack (net/inet).
import { EINVAL } from '../abi/linux/errno.js';
import type { Kernel } from '../kernel/kernel.js';
import { DirNode } from './nodes.js';
import { inetOf, Inet } from '../net/inet/sock.js';
import { prefixToMask, ipToString, macToString } from '../net/inet/util.js';
import { TcpState } from '../net/inet/tcp.js';
import { hexAddr6 } from '../net/inet6/addr.js';

/** An address as /proc/net shows it: the network-order word printed as a host-order hex. */
function hexAddr4(a: number): string {
  const sw = (((a & 255) << 24) | (((a >>> 8) & 255) << 16) | (((a >>> 16) & 255) << 8) | (a >>> 24)) >>> 0;
  return sw.toString(16).toUpperCase().padStart(8, '0');
}
const hex = (n: number, w: number): string => (n >>> 0).toString(16).toUpperCase().padStart(w, '0');

function firstLine(buf: Uint8Array): string {
  const s = Buffer.from(buf).toString('latin1');
  const nl = s.indexOf('\n');
  return (nl >= 0 ? s.slice(0, nl) : s).trim();
}

export function devText(inet: Inet): string {
  let s = 'Inter-|   Receive                                                |  Transmit\n' +
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';
  for (const d of inet.stack.devices) {
    const x = d.stats;
    s += `${d.name.padStart(6)}:${String(x.rxBytes).padStart(8)} ${String(x.rxPackets).padStart(7)} ${String(x.rxErrors).padStart(4)} ` +
      `${String(x.rxDropped).padStart(4)} ${String(x.rxFifo).padStart(4)} ${String(x.rxFrame).padStart(5)} ${'0'.padStart(10)} ` +
      `${String(x.rxMulticast).padStart(9)} ${String(x.txBytes).padStart(8)} ${String(x.txPackets).padStart(7)} ` +
      `${String(x.txErrors).padStart(4)} ${String(x.txDropped).padStart(4)} ${String(x.txFifo).padStart(4)} ` +
      `${String(x.collisions).padStart(5)} ${String(x.txCarrier).padStart(7)} ${'0'.padStart(10)}\n`;
  }
  return s;
}

export function routeText(inet: Inet): string {
  const pad = (l: string): string => l.padEnd(127) + '\n';
  let s = pad('Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT');
  for (const r of inet.stack.routes) {
    if (r.type !== 1) continue;
    s += pad(`${r.dev.name}\t${hexAddr4(r.dst)}\t${hexAddr4(r.gateway)}\t${hex(r.flags, 4)}\t0\t0\t${r.metric}\t` +
      `${hexAddr4(prefixToMask(r.prefix))}\t0\t0\t0`);
  }
  return s;
}

export function tcpText(inet: Inet, v6 = false): string {
  let s = v6 ? '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n'
    : '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'.padEnd(149) + '\n';
  const hexAddr = v6 ? hexAddr6 : hexAddr4;
  const socks = new Set([...inet.tcp.listeners, ...inet.tcp.conns.values()]);
  let i = 0;
  for (const sk of socks) {
    if (sk.v6 !== v6) continue; // a dual-stack socket shows in tcp6 only, as on Linux
    const rx = sk.state === TcpState.LISTEN ? sk.acceptQ.length : sk.rcvBuf.length;
    const tr = sk.rtxTimer ? 1 : sk.keepTimer ? 2 : sk.state === TcpState.TIME_WAIT ? 3 : sk.persistTimer ? 4 : 0;
    s += `${String(i++).padStart(4)}: ${hexAddr(sk.laddr)}:${hex(sk.lport, 4)} ${hexAddr(sk.raddr)}:${hex(sk.rport, 4)} ` +
      `${hex(sk.state, 2)} ${hex(sk.txQueue, 8)}:${hex(rx, 8)} ${hex(tr, 2)}:00000000 ${hex(sk.retries, 8)} ` +
      `${String(sk.uid).padStart(5)} ${String(0).padStart(8)} ${sk.state === TcpState.TIME_WAIT ? 0 : sk.inode} 1 0000000000000000 ` +
      `${Math.floor(sk.rto / 1e7)} 0 0 ${Math.floor(sk.cwnd / Math.max(sk.mss, 1))} ${sk.ssthresh >= 0x7fffffff ? -1 : Math.floor(sk.ssthresh / Math.max(sk.mss, 1))}\n`;
  }
  return s;
}

export function udpText(inet: Inet, eps: Iterable<{ laddr: number; lport: number; raddr: number; rport: number; connected: boolean; rxBytes: number; drops: number; v6?: boolean }>, v6 = false): string {
  let s = v6 ? '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n'
    : '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops'.padEnd(127) + '\n';
  const hexAddr = v6 ? hexAddr6 : hexAddr4;
  let i = 0;
  for (const e of eps) {
    if (!!e.v6 !== v6) continue;
    s += `${String(i++).padStart(5)}: ${hexAddr(e.laddr)}:${hex(e.lport, 4)} ${hexAddr(e.connected ? e.raddr : 0)}:${hex(e.connected ? e.rport : 0, 4)} ` +
      `${e.connected ? '01' : '07'} 00000000:${hex(e.rxBytes, 8)} 00:00000000 00000000     0        0 0 2 0000000000000000 ${e.drops}\n`;
  }
  void inet;
  return s;
}

export function arpText(inet: Inet): string {
  let s = 'IP address       HW type     Flags       HW address            Mask     Device\n';
  for (const e of inet.stack.arpEntries()) {
    const flags = e.mac ? (e.permanent ? 0x6 : 0x2) : 0;
    s += `${ipToString(e.ip).padEnd(16)} 0x${'1'.padEnd(10)}0x${flags.toString(16).padEnd(10)}` +
      `${(e.mac ? macToString(e.mac) : '00:00:00:00:00:00').padEnd(17)}     ${'*'.padEnd(9)}${e.dev.name}\n`;
  }
  return s;
}

/** /proc/net/snmp: Linux's MIB names (a subset of the columns; tools read them by name). */
export function snmpText(inet: Inet): string {
  const x = inet.stack.stats, t = inet.tcp.stats, u = inet.udp;
  return 'Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates\n' +
    `Ip: ${inet.stack.ipForward ? 1 : 2} ${inet.stack.defaultTtl} ${x.inReceives} ${x.inHdrErrors} ${x.inAddrErrors} ${x.forwDatagrams} ${x.inUnknownProtos} ${x.inDiscards} ${x.inDelivers} ${x.outRequests} ${x.outDiscards} ${x.outNoRoutes} ${x.reasmTimeout} ${x.reasmReqds} ${x.reasmOKs} ${x.reasmFails} ${x.fragOKs} ${x.fragFails} ${x.fragCreates}\n` +
    'Icmp: InMsgs InErrors InCsumErrors OutMsgs\n' +
    `Icmp: ${x.icmpInMsgs} ${x.icmpInErrors} ${x.icmpInCsumErrors} ${x.icmpOutMsgs}\n` +
    'Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n' +
    `Tcp: 1 200 120000 -1 ${t.activeOpens} ${t.passiveOpens} ${t.attemptFails} ${t.estabResets} ${[...inet.tcp.conns.values()].filter((s) => s.state === TcpState.ESTABLISHED || s.state === TcpState.CLOSE_WAIT).length} ${t.inSegs} ${t.outSegs} ${t.retransSegs} ${t.inErrs} ${t.outRsts} ${t.inCsumErrors}\n` +
    'Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors\n' +
    `Udp: ${u.inDatagrams} ${u.noPorts} ${u.inErrors} ${u.outDatagrams} ${u.rcvbufErrors} 0 ${u.inCsumErrors}\n`;
}

/** /proc/net/if_inet6: address, ifindex, prefix length, scope, flags, device (only ::1 on lo). */
function ifInet6Text(inet: Inet): string {
  const lo = inet.stack.lo;
  if (!lo.up) return '';
  return `${'0'.repeat(31)}1 ${hex(lo.index, 2).toLowerCase()} 80 10 80 ${lo.name.padStart(8)}\n`;
}

/** /proc/net/snmp6: one "Name value" line per counter. */
function snmp6Text(inet: Inet): string {
  return Object.entries(inet.ip6.stats).map(([k, v]) => `${k.padEnd(32)}${v}\n`).join('');
}

/** Fill /proc/net. */
export function buildProcNet(dir: DirNode, k: Kernel): void {
  const get = (f: (i: Inet) => string) => (): string => { const i = inetOf(k); return i ? f(i) : ''; };
  dir.file('dev', get(devText));
  dir.file('route', get(routeText));
  dir.file('tcp', get(tcpText));
  dir.file('udp', get((i) => udpText(i, i.udp.endpoints)));
  dir.file('raw', get((i) => udpText(i, [...i.raws].map((r) => ({ ...r.ep, lport: r.protocol, laddr: r.ep.laddr, raddr: r.ep.raddr, rport: 0, connected: r.ep.connected, rxBytes: r.ep.rxBytes, drops: r.ep.drops })))));
  dir.file('arp', get(arpText));
  dir.file('snmp', get(snmpText));
  dir.file('tcp6', get((i) => tcpText(i, true)));
  dir.file('udp6', get((i) => udpText(i, i.udp.endpoints, true)));
  dir.file('if_inet6', get(ifInet6Text));
  dir.file('snmp6', get(snmp6Text));
}

/** Fill /proc/sys/net (net.ipv4.*, net.core.*). */
export function buildSysNet(dir: DirNode, k: Kernel): void {
  const ipv4 = dir.dir('ipv4');
  const knob = (d: DirNode, name: string, get: (i: Inet) => string, set: (i: Inet, v: string) => boolean): void => {
    d.file(name, () => { const i = inetOf(k); return (i ? get(i) : '0') + '\n'; }, 0o644, (buf) => {
      const i = inetOf(k);
      if (!i) return -EINVAL;
      return set(i, firstLine(buf)) ? buf.length : -EINVAL;
    });
  };
  const int = (v: string, lo: number, hi: number): number | null => {
    if (!/^-?\d+$/.test(v)) return null;
    const n = +v; return n < lo || n > hi ? null : n;
  };
  knob(ipv4, 'ip_forward', (i) => (i.stack.ipForward ? '1' : '0'), (i, v) => {
    const n = int(v, -2147483648, 2147483647); if (n === null) return false; i.stack.ipForward = n !== 0; return true;
  });
  knob(ipv4, 'ip_default_ttl', (i) => String(i.stack.defaultTtl), (i, v) => {
    const n = int(v, 1, 255); if (n === null) return false; i.stack.defaultTtl = n; return true;
  });
  knob(ipv4, 'icmp_echo_ignore_all', (i) => (i.stack.echoIgnoreAll ? '1' : '0'), (i, v) => {
    const n = int(v, 0, 1); if (n === null) return false; i.stack.echoIgnoreAll = n === 1; return true;
  });
  knob(ipv4, 'ip_local_port_range', (i) => `${i.stack.portLow}\t${i.stack.portHigh}`, (i, v) => {
    const m = /^(\d+)\s+(\d+)$/.exec(v); if (!m) return false;
    const lo = +m[1], hi = +m[2]; if (lo < 1 || hi > 65535 || lo > hi) return false;
    i.stack.portLow = lo; i.stack.portHigh = hi; return true;
  });
  ipv4.file('ping_group_range', () => '0\t2147483647\n', 0o644, (buf) => buf.length);
  ipv4.file('tcp_congestion_control', () => 'reno\n', 0o644, (buf) => (/^(reno|cubic)$/.test(firstLine(buf)) ? buf.length : -2));
  ipv4.file('tcp_available_congestion_control', () => 'reno\n');
  ipv4.file('tcp_window_scaling', () => '1\n');
  ipv4.file('tcp_sack', () => '0\n');
  ipv4.file('tcp_timestamps', () => '0\n');
  ipv4.file('tcp_fin_timeout', () => '60\n');
  ipv4.file('tcp_keepalive_time', () => '7200\n');
  ipv4.file('tcp_keepalive_intvl', () => '75\n');
  ipv4.file('tcp_keepalive_probes', () => '9\n');
  ipv4.file('tcp_syn_retries', () => '6\n');
  ipv4.file('tcp_rmem', () => '4096\t131072\t6291456\n');
  ipv4.file('tcp_wmem', () => '4096\t16384\t4194304\n');
  const conf = ipv4.dir('conf');
  for (const name of ['all', 'default', 'lo', 'eth0', 'eth1', 'eth2', 'eth3']) {
    const c = conf.dir(name);
    c.file('forwarding', () => { const i = inetOf(k); return (i?.stack.ipForward ? '1' : '0') + '\n'; }, 0o644, (buf) => {
      const i = inetOf(k); if (i && name === 'all') i.stack.ipForward = firstLine(buf) !== '0'; return buf.length;
    });
    c.file('rp_filter', () => '0\n', 0o644, (buf) => buf.length);
  }
  const ipv6 = dir.dir('ipv6');
  knob(ipv6, 'bindv6only', (i) => (i.bindv6only ? '1' : '0'), (i, v) => {
    const n = int(v, -2147483648, 2147483647); if (n === null) return false; i.bindv6only = n !== 0; return true;
  });
  const core = dir.dir('core');
  core.file('somaxconn', () => '4096\n');
  core.file('rmem_default', () => '212992\n');
  core.file('wmem_default', () => '212992\n');
  core.file('rmem_max', () => '212992\n');
  core.file('wmem_max', () => '212992\n');
}
