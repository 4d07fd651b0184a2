// Host sockets for the user-mode NAT (slirp): TCP connections and listeners over
// node:net, UDP over node:dgram, and the host's DNS servers from /etc/resolv.conf.
// This is the only place the inet code touches the host network; everything here is
// callback based and the caller wakes the run loop after each event.
import type * as net from 'node:net';
import { nodeNet } from '../../lib/nodemods.js';
import { nodeDgram } from '../../lib/nodemods.js';
import { readFileSync } from 'node:fs';

export interface HostTcpEvents {
  connect(): void;
  data(b: Uint8Array): void;
  end(): void;
  /** The connection is gone (error text when it failed). */
  close(err: string | null): void;
  drain(): void;
}

export interface HostTcp {
  /** false: the host buffer is full, wait for drain(). */
  write(b: Uint8Array): boolean;
  end(): void;
  destroy(): void;
  pause(): void;
  resume(): void;
  readonly remote: string;
}

function wrap(s: net.Socket, ev: HostTcpEvents): HostTcp {
  let closed = false;
  s.on('connect', () => ev.connect());
  s.on('data', (b: Buffer) => ev.data(new Uint8Array(b.buffer, b.byteOffset, b.length)));
  s.on('end', () => ev.end());
  s.on('drain', () => ev.drain());
  s.on('error', () => { /* reported by close */ });
  s.on('close', (hadErr: boolean) => { if (!closed) { closed = true; ev.close(hadErr ? 'error' : null); } });
  s.setNoDelay(true);
  return {
    write: (b) => (s.destroyed ? false : s.write(b)),
    end: () => { if (!s.destroyed) s.end(); },
    destroy: () => { closed = true; s.destroy(); },
    pause: () => s.pause(),
    resume: () => s.resume(),
    get remote() { return `${s.remoteAddress}:${s.remotePort}`; },
  };
}

export function hostTcpConnect(host: string, port: number, ev: HostTcpEvents): HostTcp {
  const s = nodeNet().connect({ host, port, allowHalfOpen: true });
  return wrap(s, ev);
}

export interface HostListener { close(): void; }

/** Listen on host:port; each connection is handed over paused (call resume()). */
export function hostTcpListen(host: string, port: number, onConn: (accept: (ev: HostTcpEvents) => HostTcp) => void,
  onError: (msg: string) => void): HostListener {
  const srv = nodeNet().createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => {
    onConn((ev) => wrap(s, ev));
  });
  srv.on('error', (e: Error) => onError(e.message));
  srv.listen(port, host);
  return { close: () => srv.close() };
}

export interface HostUdp { send(b: Uint8Array, port: number, host: string): void; close(): void; }

export function hostUdp(onMessage: (b: Uint8Array, host: string, port: number) => void, onError: (m: string) => void): HostUdp {
  const s = nodeDgram().createSocket('udp4');
  s.on('message', (b: Buffer, r) => onMessage(new Uint8Array(b.buffer, b.byteOffset, b.length), r.address, r.port));
  s.on('error', (e: Error) => onError(e.message));
  s.bind(0);
  let closed = false;
  return {
    send: (b, port, host) => { if (!closed) s.send(b, port, host); },
    close: () => { if (!closed) { closed = true; s.close(); } },
  };
}

/** IPv4 name servers the host uses (/etc/resolv.conf), loopback resolvers included. */
export function hostNameservers(): string[] {
  try {
    const out: string[] = [];
    for (const line of readFileSync('/etc/resolv.conf', 'utf8').split('\n')) {
      const m = /^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(line);
      if (m) out.push(m[1]);
    }
    return out.length ? out : ['127.0.0.1'];
  } catch { return ['127.0.0.1']; }
}
