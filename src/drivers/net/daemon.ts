// eth=daemon: a port on Debian's uml_switch (uml-utilities), speaking its control
// protocol version 3 as UML's daemon transport does. A blocking AF_UNIX stream
// connection to the control socket carries one request
//   struct request_v3 { u32 magic = 0xfeedface; u32 version = 3; u32 type = REQ_NEW_CONTROL;
//                       struct sockaddr_un sock; }        (host byte order, 124 bytes)
// naming our datagram socket; the switch answers with the sockaddr_un (110 bytes) of its
// own datagram socket and keeps the port while the control connection stays open.
// Ethernet frames then travel as single AF_UNIX datagrams (at most 1514 bytes: the
// switch's packet buffer). The switch matches senders by the whole sockaddr_un, so our
// socket is bound with the full sun_path (an abstract name padded with zeros), as UML's.
import { EAGAIN, ECONNREFUSED, ENOENT } from '../../abi/linux/errno.js';
import { dgramAddon, dgramUnavailable, ERRNO, MSG, type Addon } from '../unixdgram.js';

export const DAEMON_DEFAULT_CTL = '/tmp/uml.ctl';
const SWITCH_MAGIC = 0xfeedface, SWITCH_VERSION = 3, REQ_NEW_CONTROL = 0;
const AF_UNIX = 1;
const SUN_PATH = 108, SOCKADDR_UN = 2 + SUN_PATH, REQUEST_V3 = 124;
/** struct packet of uml_switch: a 14-byte header and 1500 bytes of data. */
export const DAEMON_MAX_FRAME = 1514;
const CONNECT_TIMEOUT_MS = 5000;
const TXQUEUELEN = 1000;
/** uv_poll's UV_WRITABLE. */
const POLL_OUT = 2;
/** Frames received but not yet taken in by the kernel: 4 MiB, ~2700 full frames. */
const RX_RING_BYTES = 4 << 20;
const EMPTY = new Uint8Array(0);

export interface DaemonPort {
  send(frame: Uint8Array): void;
  /** Take in the frames waiting on the socket (the run loop calls it between slices). */
  poll(): void;
  close(): void;
  readonly describe: string;
  /** Frames the host refused (the switch's queue was full, or it is gone). */
  readonly txDropped: number;
  /** Frames lost because the receive ring was full. */
  readonly rxDropped: number;
}

function errText(r: number): string { const c = ERRNO[-r]; return c ? (MSG[c] ?? c) : `errno ${-r}`; }

let seq = 0;

/** The request_v3 bytes for a data socket bound to `name` (sun_path, 108 bytes). */
export function switchRequest(name: Uint8Array): Uint8Array {
  const req = new Uint8Array(REQUEST_V3);
  const w = new Uint32Array(req.buffer, 0, 3); // host byte order, as the C struct
  w[0] = SWITCH_MAGIC; w[1] = SWITCH_VERSION; w[2] = REQ_NEW_CONTROL;
  new Uint16Array(req.buffer, 12, 1)[0] = AF_UNIX;
  req.set(name.subarray(0, SUN_PATH), 14);
  return req;
}

/**
 * Join the switch behind control socket `ctl`. Frames from the switch go to deliver();
 * onDown() reports that the switch closed the control connection. Throws an Error with
 * a one-line message when the switch cannot be reached.
 */
export function openDaemonPort(ctl: string, tag: string, deliver: (frame: Uint8Array) => void,
  onDown: (why: string) => void): DaemonPort {
  const a: Addon | null = dgramAddon();
  if (!a) throw new Error(`daemon transport: ${dgramUnavailable()}`);
  const fd = a.socket();
  if (fd < 0) throw new Error(`daemon transport: socket: ${errText(fd)}`);
  // An abstract name unique to this process and device, padded to the full sun_path.
  const name = new Uint8Array(SUN_PATH);
  const label = Buffer.from(`tuml-${process.pid}-${tag}-${++seq}-${Date.now() % 1000000}`);
  name.set(label.subarray(0, SUN_PATH - 1), 1);
  let r = a.bind(fd, Buffer.from(name));
  if (r < 0) { a.close(fd); throw new Error(`daemon transport: bind: ${errText(r)}`); }
  const reply = a.ctlConnect(Buffer.from(ctl), switchRequest(name), SOCKADDR_UN, CONNECT_TIMEOUT_MS);
  if (typeof reply === 'number') {
    a.close(fd);
    const hint = reply === -ENOENT || reply === -ECONNREFUSED ? ' (is uml_switch running? start it with: uml_switch -unix ' + ctl + ')' : '';
    throw new Error(`daemon transport: cannot join the switch at ${ctl}: ${errText(reply)}${hint}`);
  }
  const [ctlFd, sun] = reply;
  // The switch's data socket becomes our default destination and the only sender we accept.
  r = a.connect(fd, sun.subarray(2));
  if (r < 0) { a.close(fd); a.close(ctlFd); throw new Error(`daemon transport: connect to the switch's data socket: ${errText(r)}`); }
  a.setBufs(fd, 1 << 20, 1 << 20);
  let open = true, ctlOpen = true, txDropped = 0;
  const rx = new Uint8Array(65536);
  // Frames the switch could not take yet (its socket queue holds net.unix.max_dgram_qlen
  // datagrams, 10 by default): kept in order and sent when our connected socket turns
  // writable again, instead of dropped, up to a device's txqueuelen.
  const txq: Uint8Array[] = [];
  let txHead = 0;
  const poll = (): void => {
    if (!open) return;
    for (;;) {
      const n = a.rxRead(fd, rx);
      if (n === -EAGAIN || !open) break;
      if (n > 0) deliver(rx.slice(0, n));
    }
  };
  const flush = (): void => {
    while (txHead < txq.length) {
      const r = a.send(fd, txq[txHead]);
      if (r === -EAGAIN) return;
      if (r < 0) txDropped++;
      txq[txHead++] = EMPTY;
    }
    txq.length = 0; txHead = 0;
    a.watchEvents(fd, 0);
  };
  // A receive thread keeps the socket empty (see native/rxring.c); the uv_poll watch
  // only waits for room to send when the switch's queue was full.
  r = a.rxStart(fd, poll, RX_RING_BYTES);
  if (r < 0) { a.close(fd); a.close(ctlFd); throw new Error(`daemon transport: receive thread: ${errText(r)}`); }
  a.watch(fd, (events: number) => { if (open && (events & POLL_OUT)) flush(); }, false);
  a.watchEvents(fd, 0);
  const ctlBuf = new Uint8Array(256);
  a.watch(ctlFd, () => {
    const n = a.recvInto(ctlFd, ctlBuf);
    if (n === -EAGAIN) return;
    if (n > 0 || !ctlOpen) return; // uml_switch sends nothing more on this connection
    ctlOpen = false;
    a.close(ctlFd);
    if (open) onDown(`uml_switch at ${ctl} closed the control connection`);
  }, false);
  return {
    describe: `daemon ${ctl}`,
    get txDropped() { return txDropped; },
    get rxDropped() { return a.rxDropped(fd); },
    poll,
    send(frame: Uint8Array): void {
      // Longer frames would be cut short by the switch (the MTU keeps them out anyway).
      if (!open || frame.length > DAEMON_MAX_FRAME) { txDropped++; return; }
      if (txHead === txq.length) {
        const r = a.send(fd, frame);
        if (r !== -EAGAIN) { if (r < 0) txDropped++; return; } // ECONNREFUSED: the switch is gone
        a.watchEvents(fd, POLL_OUT);
      }
      if (txq.length - txHead >= TXQUEUELEN) { txDropped++; return; }
      txq.push(frame);
    },
    close(): void {
      if (!open) return;
      open = false;
      a.close(fd);
      if (ctlOpen) { ctlOpen = false; a.close(ctlFd); }
    },
  };
}
