// eth=mcast and eth=ucast: Ethernet frames as UDP datagrams, a LAN without a switch
// process. mcast is UML's transport: every machine joins one IPv4 multicast group and
// port (UML's defaults 239.192.168.1:1102, TTL 1) with loopback on, so machines on one
// host (and, TTL allowing, on the LAN) hear each other; a machine drops the copies of
// its own frames. ucast (a tuml addition, as QEMU's -netdev socket,udp=) is a point-to-
// point link: frames go to one peer's address and port, and only that peer is heard.
import type * as dgram from 'node:dgram';
import { nodeDgram } from '../../lib/nodemods.js';

export const MCAST_DEFAULT_ADDR = '239.192.168.1', MCAST_DEFAULT_PORT = 1102, MCAST_DEFAULT_TTL = 1;

export interface UdpLink {
  send(frame: Uint8Array): void;
  close(): void;
  readonly describe: string;
  readonly txDropped: number;
}

/** Frames whose source MAC is `mac` (our own, looped back by the host). */
function fromSelf(f: Uint8Array, mac: Uint8Array): boolean {
  return f.length >= 12 && f[6] === mac[0] && f[7] === mac[1] && f[8] === mac[2] && f[9] === mac[3] && f[10] === mac[4] && f[11] === mac[5];
}

function frameOf(b: Buffer): Uint8Array { return new Uint8Array(b.buffer, b.byteOffset, b.length).slice(); }

/**
 * Join multicast group addr:port. The membership uses the host's default interface,
 * as UML's; a host without a multicast route (no default route) gets the group on the
 * loopback interface instead, which still joins every machine on this host.
 */
export function openMcast(addr: string, port: number, ttl: number, mac: Uint8Array,
  deliver: (frame: Uint8Array) => void, log: (m: string) => void): UdpLink {
  const s = nodeDgram().createSocket({ type: 'udp4', reuseAddr: true });
  let open = true, txDropped = 0, ready = false;
  const early: Uint8Array[] = [];
  s.on('message', (b: Buffer) => { if (open && !fromSelf(b, mac)) deliver(frameOf(b)); });
  s.on('error', (e: Error) => { if (open) log(`mcast ${addr}:${port}: ${e.message}`); });
  s.bind(port, () => {
    try { s.addMembership(addr); }
    catch {
      try { s.addMembership(addr, '127.0.0.1'); s.setMulticastInterface('127.0.0.1'); log(`mcast ${addr}:${port}: no multicast route, using the loopback interface`); }
      catch (e) { log(`mcast ${addr}:${port}: cannot join the group: ${(e as Error).message}`); open = false; return; }
    }
    s.setMulticastLoopback(true);
    s.setMulticastTTL(ttl);
    ready = true;
    for (const f of early.splice(0)) s.send(f, port, addr);
  });
  return {
    describe: `mcast ${addr}:${port} ttl ${ttl}`,
    get txDropped() { return txDropped; },
    send(frame: Uint8Array): void {
      if (!open) { txDropped++; return; }
      if (!ready) { if (early.length < 64) early.push(frame.slice()); else txDropped++; return; }
      s.send(frame, port, addr, (err) => { if (err) txDropped++; });
    },
    close(): void { if (open) { open = false; s.close(); } },
  };
}

/** A point-to-point UDP link: listen on localAddr:localPort, send to remote:remotePort. */
export function openUcast(localAddr: string, localPort: number, remote: string, remotePort: number,
  deliver: (frame: Uint8Array) => void, log: (m: string) => void): UdpLink {
  const s = nodeDgram().createSocket({ type: 'udp4' });
  let open = true, txDropped = 0;
  s.on('message', (b: Buffer, r: dgram.RemoteInfo) => {
    if (open && r.port === remotePort && (r.address === remote || remote === '0.0.0.0')) deliver(frameOf(b));
  });
  s.on('error', (e: Error) => { if (open) { log(`ucast ${localAddr}:${localPort}: ${e.message}`); open = false; s.close(); } });
  s.bind(localPort, localAddr);
  return {
    describe: `ucast ${localAddr}:${localPort} <-> ${remote}:${remotePort}`,
    get txDropped() { return txDropped; },
    send(frame: Uint8Array): void {
      if (!open) { txDropped++; return; }
      s.send(frame, remotePort, remote, (err) => { if (err) txDropped++; });
    },
    close(): void { if (open) { open = false; s.close(); } },
  };
}
