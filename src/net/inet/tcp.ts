// TCP (RFC 793/9293) for the inet stack: the full state machine (LISTEN, SYN-SENT,
// SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1/2, CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT),
// retransmission with an RFC 6298 RTO and exponential backoff, fast retransmit and
// Reno congestion control (RFC 5681, with NewReno partial ACKs), window scaling
// (RFC 7323; no SACK, no timestamps), zero-window probing, keepalive, Nagle, and
// RST/ICMP error handling. Sockets are plain objects; the socket layer calls the
// methods here and is told through onEvent() when readiness may have changed.
import { NetStack, IpPacket, IPPROTO_TCP, ProtoHandler, INADDR_ANY, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED } from './stack.js';
import { ByteQueue, csumFold, csumPartial, pseudoSum, rd16, rd32, wr16, wr32, seqLt, seqLe, seqGt, seqGe, seqAdd, seqSub, NetTimerHandle } from './util.js';
import { icmpErrno } from './udp.js';
import type { NetDevice } from './netdev.js';
import { addrTakes, addrsOverlap, isV6 } from '../inet6/addr.js';

/** States, numbered as Linux's TCP_* (the values /proc/net/tcp shows). */
export const enum TcpState {
  ESTABLISHED = 1, SYN_SENT = 2, SYN_RECV = 3, FIN_WAIT1 = 4, FIN_WAIT2 = 5, TIME_WAIT = 6, CLOSE = 7,
  CLOSE_WAIT = 8, LAST_ACK = 9, LISTEN = 10, CLOSING = 11,
}
export const TCP_STATE_NAMES = ['', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE',
  'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING'];

const FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16, URG = 32;
const EPIPE = 32, ENOTCONN = 107, ECONNREFUSED = 111, ECONNRESET = 104, ETIMEDOUT = 110, EAGAIN = 11, EINVAL = 22,
  EADDRINUSE = 98, EADDRNOTAVAIL = 99, ENETUNREACH = 101, EISCONN = 106, EALREADY = 114, EINPROGRESS = 115;
export const POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLRDNORM = 0x40,
  POLLWRNORM = 0x100, POLLRDHUP = 0x2000;

const MS = 1e6, SEC = 1e9;
export const TCP_RTO_MIN = 200 * MS, TCP_RTO_MAX = 120 * SEC, TCP_TIMEOUT_INIT = 1 * SEC;
export const TCP_TIMEWAIT_LEN = 60 * SEC;
const TCP_FIN_TIMEOUT = 60 * SEC;
const TCP_SYN_RETRIES = 6, TCP_SYNACK_RETRIES = 5, TCP_RETRIES2 = 15;
const RCV_WSCALE = 7;
const DEFAULT_MSS = 536;

export interface TcpSeg {
  sport: number; dport: number; seq: number; ack: number; flags: number; wnd: number;
  mss: number; wscale: number; data: Uint8Array; src: number; dst: number; dev: NetDevice | null;
}

export class TcpSock {
  state: TcpState = TcpState.CLOSE;
  laddr = 0; lport = 0; raddr = 0; rport = 0;
  /** An AF_INET6 socket's (its wildcard also takes IPv4 unless v6only: inet6/addr.ts). */
  v6 = false; v6only = false;
  // send side
  iss = 0; sndUna = 0; sndNxt = 0; sndMax = 0; sndWnd = 0; sndWl1 = 0; sndWl2 = 0;
  sndWscale = 0; rcvWscale = 0; wscaleOk = false;
  readonly sndBuf = new ByteQueue(16384);
  /** Sequence number of sndBuf's first byte. */
  sndBufSeq = 0;
  sndBufMax = 262144;
  finQueued = false;
  // receive side
  irs = 0; rcvNxt = 0;
  readonly rcvBuf = new ByteQueue(16384);
  rcvBufMax = 262144;
  /** Window right edge last advertised (never shrunk). */
  rcvAdv = 0;
  ooo: { seq: number; data: Uint8Array; fin: boolean }[] = [];
  finReceived = false;
  // congestion control and timing
  mss = DEFAULT_MSS; advMss = DEFAULT_MSS; userMss = 0;
  cwnd = 0; ssthresh = 0x7fffffff; dupAcks = 0; recover = 0; inRecovery = false;
  srtt = 0; rttvar = 0; rto = TCP_TIMEOUT_INIT;
  rttSeq = 0; rttTime = -1;
  retries = 0;
  // timers
  rtxTimer: NetTimerHandle | null = null;
  persistTimer: NetTimerHandle | null = null;
  keepTimer: NetTimerHandle | null = null;
  twTimer: NetTimerHandle | null = null;
  ackPending = 0;
  lastRx = 0; probes = 0;
  // options
  nodelay = false; cork = false; keepalive = false;
  keepIdle = 7200 * SEC; keepIntvl = 75 * SEC; keepCnt = 9;
  reuseAddr = false; reusePort = false;
  linger: number | null = null;
  userTimeout = 0;
  bindDev: NetDevice | null = null;
  ttl = -1; tos = 0;
  // socket state
  error = 0;
  shutRd = false; shutWr = false;
  /** The application closed its descriptor: the socket lives on until the protocol ends. */
  orphan = false;
  /** An accepted connection's listener until accept() takes it. */
  parent: TcpSock | null = null;
  backlog = 0;
  readonly acceptQ: TcpSock[] = [];
  readonly synQ = new Set<TcpSock>();
  /** Whether the socket ever reached SYN_SENT (connect in progress) or ESTABLISHED. */
  connecting = false;
  wasConnected = false;
  /** Peer reset the connection (reads return ECONNRESET once data is gone). */
  reset = false;
  onEvent: () => void = () => {};
  /** Statistics for /proc/net/tcp and tests. */
  retransmits = 0; segsOut = 0; segsIn = 0;
  inode = 0; uid = 0;

  get key(): string { return `${this.laddr}:${this.lport}:${this.raddr}:${this.rport}`; }
  /** Bytes queued but not yet acknowledged (tx_queue). */
  get txQueue(): number { return this.sndBuf.length; }
  get flight(): number { return seqSub(this.sndNxt, this.sndUna); }
  get sndSpace(): number { return Math.max(0, this.sndBufMax - this.sndBuf.length); }
  get rcvSpace(): number {
    let ooo = 0; for (const o of this.ooo) ooo += o.data.length;
    return Math.max(0, this.rcvBufMax - this.rcvBuf.length - ooo);
  }
  get finSeq(): number { return seqAdd(this.sndBufSeq, this.sndBuf.length); }
  get finSent(): boolean { return this.finQueued && seqGt(this.sndNxt, this.finSeq); }
  get finAcked(): boolean { return this.finQueued && seqGt(this.sndUna, this.finSeq); }
  get synchronized(): boolean { return this.state !== TcpState.CLOSE && this.state !== TcpState.LISTEN && this.state !== TcpState.SYN_SENT; }
}

export class Tcp implements ProtoHandler {
  /** Connected sockets (including SYN_RECV children and TIME_WAIT) by 4-tuple. */
  readonly conns = new Map<string, TcpSock>();
  readonly listeners = new Set<TcpSock>();
  /** Every socket holding a local port (bind conflicts). */
  readonly bound = new Set<TcpSock>();
  private seed = 0x12345678;
  stats = { activeOpens: 0, passiveOpens: 0, attemptFails: 0, estabResets: 0, inSegs: 0, outSegs: 0, retransSegs: 0, inErrs: 0, outRsts: 0, inCsumErrors: 0 };

  constructor(readonly stack: NetStack) { stack.protocols.set(IPPROTO_TCP, this); }

  seedIss(n: number): void { this.seed = n >>> 0 || 1; }
  private newIss(): number {
    // xorshift plus a 4 µs clock, as RFC 6528 suggests (without the hash).
    let x = this.seed; x ^= x << 13; x ^= x >>> 17; x ^= x << 5; this.seed = x >>> 0;
    return (this.seed + Math.floor(this.stack.now() / 4000)) >>> 0;
  }

  // ---- application interface ------------------------------------------------------------

  bind(sk: TcpSock, addr: number, port: number): number {
    if (sk.lport !== 0) return -EINVAL;
    if (addr !== INADDR_ANY && !this.stack.isLocal(addr)) return -EADDRNOTAVAIL;
    if (port === 0) {
      port = this.stack.ephemeralPort((p) => this.bindConflict(sk, addr, p), this.bound.size);
      if (port === 0) return -EADDRINUSE;
    } else if (this.bindConflict(sk, addr, port)) return -EADDRINUSE;
    sk.laddr = addr; sk.lport = port;
    this.bound.add(sk);
    return 0;
  }

  private bindConflict(sk: TcpSock, addr: number, port: number): boolean {
    for (const o of this.bound) {
      if (o === sk || o.lport !== port) continue;
      if (!addrsOverlap(o.laddr, o.v6, o.v6only, addr, sk.v6, sk.v6only)) continue;
      if (sk.reuseAddr && o.reuseAddr && o.state !== TcpState.LISTEN) continue;
      if (sk.reuseAddr && o.state === TcpState.TIME_WAIT) continue;
      if (sk.reusePort && o.reusePort) continue;
      return true;
    }
    return false;
  }

  listen(sk: TcpSock, backlog: number): number {
    if (sk.state !== TcpState.CLOSE && sk.state !== TcpState.LISTEN) return -EINVAL;
    if (sk.lport === 0) { const e = this.bind(sk, 0, 0); if (e) return e; }
    if (sk.state === TcpState.CLOSE) {
      for (const o of this.listeners) {
        if (o.lport === sk.lport && addrsOverlap(o.laddr, o.v6, o.v6only, sk.laddr, sk.v6, sk.v6only) && !(o.reusePort && sk.reusePort)) return -EADDRINUSE;
      }
    }
    sk.backlog = Math.max(1, Math.min(backlog < 0 ? 4096 : backlog, 4096));
    sk.state = TcpState.LISTEN;
    this.listeners.add(sk);
    return 0;
  }

  accept(sk: TcpSock): TcpSock | number {
    if (sk.state !== TcpState.LISTEN) return -EINVAL;
    const c = sk.acceptQ.shift();
    if (!c) return -EAGAIN;
    c.parent = null;
    return c;
  }

  /** Start an active open. Returns -EINPROGRESS (the caller waits for ESTABLISHED) or -errno. */
  connect(sk: TcpSock, dst: number, dport: number): number {
    switch (sk.state) {
      case TcpState.SYN_SENT: case TcpState.SYN_RECV: return -EALREADY;
      case TcpState.CLOSE: break;
      case TcpState.LISTEN: return -EINVAL;
      default: return -EISCONN;
    }
    if (sk.wasConnected) return -EISCONN; // closed after a connection: Linux says EISCONN… for a reused fd it is EINVAL-ish
    if (dport === 0) return -ECONNREFUSED;
    if (dst === INADDR_ANY) dst = 0x7f000001;
    return this.stack.batch(() => {
      const rt = this.stack.lookup(dst, sk.bindDev);
      if (!rt) return -ENETUNREACH;
      if (sk.laddr === INADDR_ANY) sk.laddr = rt.src;
      sk.raddr = dst; sk.rport = dport;
      if (sk.lport === 0) {
        const port = this.stack.ephemeralPort((p) => this.conns.has(`${sk.laddr}:${p}:${dst}:${dport}`) || this.bindConflict(sk, sk.laddr, p), this.bound.size);
        if (port === 0) { sk.raddr = 0; sk.rport = 0; return -EADDRNOTAVAIL; }
        sk.lport = port; this.bound.add(sk);
      } else if (this.conns.has(sk.key)) { sk.raddr = 0; sk.rport = 0; return -EADDRNOTAVAIL; }
      this.initConn(sk, rt.dev.mtu);
      sk.iss = this.newIss();
      sk.sndUna = sk.iss; sk.sndNxt = sk.iss; sk.sndMax = sk.iss; sk.sndBufSeq = seqAdd(sk.iss, 1);
      sk.state = TcpState.SYN_SENT;
      sk.connecting = true;
      this.conns.set(sk.key, sk);
      this.stats.activeOpens++;
      this.sendSyn(sk);
      return -EINPROGRESS;
    });
  }

  private initConn(sk: TcpSock, mtu: number): void {
    const max = Math.min(mtu, 65535) - (isV6(sk.raddr) ? 60 : 40);
    sk.advMss = sk.userMss ? Math.max(88, Math.min(sk.userMss, max)) : max;
    sk.rcvWscale = RCV_WSCALE;
    sk.rto = TCP_TIMEOUT_INIT; sk.srtt = 0; sk.rttvar = 0; sk.retries = 0;
    sk.lastRx = this.stack.now();
  }

  /** Queue bytes for sending; returns how many were taken, or -errno (EPIPE, ENOTCONN, EAGAIN if full). */
  send(sk: TcpSock, data: Uint8Array, more = false): number {
    if (sk.error && sk.state === TcpState.CLOSE) { const e = sk.error; sk.error = 0; return -e; }
    if (sk.shutWr || sk.finQueued) return -EPIPE;
    switch (sk.state) {
      case TcpState.ESTABLISHED: case TcpState.CLOSE_WAIT: break;
      case TcpState.SYN_SENT: case TcpState.SYN_RECV: return -EAGAIN;
      case TcpState.CLOSE: return sk.wasConnected ? -EPIPE : -ENOTCONN;
      case TcpState.LISTEN: return -ENOTCONN;
      default: return -EPIPE;
    }
    const n = Math.min(data.length, sk.sndSpace);
    if (n === 0) return data.length === 0 ? 0 : -EAGAIN;
    sk.sndBuf.push(n === data.length ? data : data.subarray(0, n));
    this.stack.batch(() => this.output(sk, more));
    return n;
  }

  /** Read received bytes; 0 at end of stream, -EAGAIN when none yet, -errno on error. */
  recv(sk: TcpSock, buf: Uint8Array, peek = false): number {
    if (sk.state === TcpState.LISTEN) return -ENOTCONN;
    if (sk.rcvBuf.length > 0) {
      if (buf.length === 0) return 0;
      const n = peek ? sk.rcvBuf.peek(buf) : sk.rcvBuf.take(buf);
      if (!peek) this.stack.batch(() => this.windowUpdate(sk));
      return n;
    }
    if (sk.error) { const e = sk.error; sk.error = 0; return -e; }
    if (sk.finReceived || sk.shutRd) return 0;
    if (sk.state === TcpState.CLOSE) return sk.wasConnected || sk.reset ? 0 : -ENOTCONN;
    if (sk.state === TcpState.SYN_SENT || sk.state === TcpState.SYN_RECV) return -EAGAIN;
    return -EAGAIN;
  }

  /** shutdown(2): how = 0 (RD), 1 (WR), 2 (RDWR). */
  shutdown(sk: TcpSock, how: number): number {
    if (sk.state === TcpState.LISTEN && how !== 1) {
      // Linux: shutdown(SHUT_RD/RDWR) on a listener closes it for new connections.
      this.stack.batch(() => this.closeListener(sk));
      sk.shutRd = true; sk.onEvent();
      return 0;
    }
    if (!sk.synchronized && sk.state !== TcpState.SYN_SENT) return -ENOTCONN;
    if (how === 0 || how === 2) sk.shutRd = true;
    if ((how === 1 || how === 2) && !sk.shutWr) {
      sk.shutWr = true;
      this.stack.batch(() => {
        if (sk.state === TcpState.SYN_SENT) { this.destroy(sk); return; }
        this.queueFin(sk);
      });
    }
    sk.onEvent();
    return 0;
  }

  /** The descriptor is closed. */
  close(sk: TcpSock): void {
    this.stack.batch(() => {
      sk.orphan = true;
      sk.onEvent = () => {};
      switch (sk.state) {
        case TcpState.LISTEN: this.closeListener(sk); this.destroy(sk); return;
        case TcpState.CLOSE: this.destroy(sk); return;
        case TcpState.SYN_SENT: this.destroy(sk); return;
      }
      if (sk.rcvBuf.length > 0 || (sk.linger !== null && sk.linger === 0)) {
        // Unread data or SO_LINGER {1, 0}: abort with RST (RFC 2525 2.17, as Linux).
        this.sendRst(sk, sk.sndNxt);
        this.destroy(sk);
        return;
      }
      if (sk.state === TcpState.TIME_WAIT || sk.state === TcpState.CLOSING || sk.state === TcpState.LAST_ACK) return;
      if (!sk.shutWr) { sk.shutWr = true; this.queueFin(sk); }
      if (sk.state === TcpState.FIN_WAIT2) this.armFinTimeout(sk);
    });
  }

  /** Abort: send RST and drop (SO_LINGER 0 close, or a kernel decision). */
  abort(sk: TcpSock, err = ECONNRESET): void {
    this.stack.batch(() => {
      if (sk.synchronized && sk.state !== TcpState.TIME_WAIT) this.sendRst(sk, sk.sndNxt);
      sk.error = err;
      this.destroy(sk);
    });
  }

  private closeListener(sk: TcpSock): void {
    for (const c of [...sk.acceptQ, ...sk.synQ]) { this.sendRst(c, c.sndNxt); this.destroy(c); }
    sk.acceptQ.length = 0; sk.synQ.clear();
    this.listeners.delete(sk);
    sk.state = TcpState.CLOSE;
  }

  private queueFin(sk: TcpSock): void {
    if (sk.finQueued) return;
    switch (sk.state) {
      case TcpState.SYN_RECV: case TcpState.ESTABLISHED: sk.state = TcpState.FIN_WAIT1; break;
      case TcpState.CLOSE_WAIT: sk.state = TcpState.LAST_ACK; break;
      default: return;
    }
    sk.finQueued = true;
    this.output(sk, false);
  }

  /** Readiness as poll(2) bits (Linux's tcp_poll). */
  poll(sk: TcpSock): number {
    let m = 0;
    const st = sk.state;
    if (st === TcpState.LISTEN) return sk.acceptQ.length ? POLLIN | POLLRDNORM : 0;
    const shutBoth = sk.shutRd && (sk.shutWr || sk.finQueued);
    if (shutBoth || st === TcpState.CLOSE) m |= POLLHUP;
    if (sk.finReceived || sk.shutRd) m |= POLLIN | POLLRDNORM | POLLRDHUP;
    if (st !== TcpState.SYN_SENT && st !== TcpState.SYN_RECV) {
      if (sk.rcvBuf.length > 0) m |= POLLIN | POLLRDNORM;
      if (!sk.shutWr && !sk.finQueued) {
        if (sk.sndSpace >= Math.min(sk.sndBufMax / 3, sk.sndBufMax - sk.sndBuf.length) && sk.sndSpace > 0) m |= POLLOUT | POLLWRNORM;
      } else if (st === TcpState.CLOSE) m |= POLLOUT | POLLWRNORM;
    }
    if (sk.error) m |= POLLERR;
    return m;
  }

  // ---- timers ---------------------------------------------------------------------------

  private timer(at: number, fn: () => void): NetTimerHandle {
    return this.stack.addTimer(at, () => this.stack.batch(fn));
  }

  private armRtx(sk: TcpSock): void {
    this.stack.cancelTimer(sk.rtxTimer);
    sk.rtxTimer = this.timer(this.stack.now() + sk.rto, () => { sk.rtxTimer = null; this.onRto(sk); });
  }
  private stopRtx(sk: TcpSock): void { this.stack.cancelTimer(sk.rtxTimer); sk.rtxTimer = null; }

  private onRto(sk: TcpSock): void {
    if (sk.state === TcpState.CLOSE || sk.state === TcpState.TIME_WAIT || sk.state === TcpState.LISTEN) return;
    sk.retries++;
    const limit = sk.state === TcpState.SYN_SENT ? TCP_SYN_RETRIES : sk.state === TcpState.SYN_RECV ? TCP_SYNACK_RETRIES : TCP_RETRIES2;
    const zeroWnd = sk.sndWnd === 0 && sk.synchronized;
    if ((!zeroWnd && sk.retries > limit) || (sk.userTimeout && this.stack.now() - sk.lastRx > sk.userTimeout)) {
      if (sk.synchronized) this.sendRst(sk, sk.sndNxt);
      sk.error = ETIMEDOUT;
      if (sk.state === TcpState.SYN_SENT) this.stats.attemptFails++;
      this.destroy(sk);
      return;
    }
    sk.rto = Math.min(sk.rto * 2, TCP_RTO_MAX);
    sk.rttTime = -1; // Karn: no RTT samples from retransmitted data
    if (sk.state === TcpState.SYN_SENT || sk.state === TcpState.SYN_RECV) { this.sendSyn(sk); return; }
    // Go back N: everything from snd.una is sent again within a one-segment window.
    sk.ssthresh = Math.max(Math.floor(sk.flight / 2), 2 * sk.mss);
    sk.cwnd = sk.mss;
    sk.dupAcks = 0; sk.inRecovery = false;
    sk.sndNxt = sk.sndUna;
    sk.retransmits++;
    this.output(sk, false, true);
    if (!sk.rtxTimer && sk.flight > 0) this.armRtx(sk);
  }

  private armPersist(sk: TcpSock): void {
    if (sk.persistTimer) return;
    const backoff = Math.min(Math.max(sk.rto, TCP_RTO_MIN) * (1 << Math.min(sk.probes, 10)), TCP_RTO_MAX);
    sk.persistTimer = this.timer(this.stack.now() + backoff, () => {
      sk.persistTimer = null;
      if (!sk.synchronized || sk.sndWnd > 0 || sk.flight > 0) { this.output(sk, false); return; }
      const unsent = sk.sndBuf.length - seqSub(sk.sndNxt, sk.sndBufSeq);
      if (unsent <= 0) return;
      // Zero-window probe: an already acknowledged byte elicits an ACK with the window.
      sk.probes++;
      this.sendSeg(sk, seqAdd(sk.sndUna, -1), ACK, new Uint8Array(0));
      this.armPersist(sk);
    });
  }

  armKeepalive(sk: TcpSock): void {
    this.stack.cancelTimer(sk.keepTimer); sk.keepTimer = null;
    if (!sk.keepalive || !sk.synchronized || sk.state === TcpState.TIME_WAIT) return;
    const due = sk.lastRx + sk.keepIdle + sk.probes * sk.keepIntvl;
    sk.keepTimer = this.timer(Math.max(due, this.stack.now() + MS), () => {
      sk.keepTimer = null;
      if (!sk.keepalive || !sk.synchronized) return;
      const idle = this.stack.now() - sk.lastRx;
      if (idle < sk.keepIdle) { sk.probes = 0; this.armKeepalive(sk); return; }
      if (sk.probes >= sk.keepCnt) {
        this.sendRst(sk, sk.sndNxt);
        sk.error = ETIMEDOUT;
        this.destroy(sk);
        return;
      }
      sk.probes++;
      this.sendSeg(sk, seqAdd(sk.sndUna, -1), ACK, new Uint8Array(0));
      this.armKeepalive(sk);
    });
  }

  private armFinTimeout(sk: TcpSock): void {
    if (!sk.orphan) return;
    this.stack.cancelTimer(sk.twTimer);
    sk.twTimer = this.timer(this.stack.now() + TCP_FIN_TIMEOUT, () => { sk.twTimer = null; if (sk.state === TcpState.FIN_WAIT2) this.destroy(sk); });
  }

  private enterTimeWait(sk: TcpSock): void {
    sk.state = TcpState.TIME_WAIT;
    this.stopRtx(sk);
    this.stack.cancelTimer(sk.persistTimer); sk.persistTimer = null;
    this.stack.cancelTimer(sk.keepTimer); sk.keepTimer = null;
    this.stack.cancelTimer(sk.twTimer);
    sk.twTimer = this.timer(this.stack.now() + TCP_TIMEWAIT_LEN, () => { sk.twTimer = null; this.destroy(sk); });
    sk.onEvent();
  }

  /** Remove the socket from every table and stop its timers (state CLOSE). */
  destroy(sk: TcpSock): void {
    this.stopRtx(sk);
    for (const t of [sk.persistTimer, sk.keepTimer, sk.twTimer]) this.stack.cancelTimer(t);
    sk.persistTimer = sk.keepTimer = sk.twTimer = null;
    if (this.conns.get(sk.key) === sk) this.conns.delete(sk.key);
    this.listeners.delete(sk);
    if (sk.parent) {
      sk.parent.synQ.delete(sk);
      const i = sk.parent.acceptQ.indexOf(sk);
      if (i >= 0) sk.parent.acceptQ.splice(i, 1);
      sk.parent = null;
    }
    if (sk.orphan || !sk.wasConnected) this.bound.delete(sk);
    else if (sk.state !== TcpState.CLOSE) this.bound.delete(sk);
    sk.state = TcpState.CLOSE;
    sk.ooo = [];
    sk.onEvent();
  }

  /** The descriptor of a closed, never-connected or finished socket is released. */
  release(sk: TcpSock): void { this.bound.delete(sk); }

  // ---- output ---------------------------------------------------------------------------

  private sendSyn(sk: TcpSock): void {
    const isAck = sk.state === TcpState.SYN_RECV;
    this.sendSeg(sk, sk.iss, SYN | (isAck ? ACK : 0), new Uint8Array(0), true);
    sk.sndNxt = seqAdd(sk.iss, 1);
    if (seqGt(sk.sndNxt, sk.sndMax)) sk.sndMax = sk.sndNxt;
    if (sk.retries === 0) { sk.rttSeq = sk.iss; sk.rttTime = this.stack.now(); }
    this.armRtx(sk);
  }

  /** Send what the windows allow. `more`: MSG_MORE (hold a partial segment). */
  output(sk: TcpSock, more: boolean, rtx = false): void {
    if (!sk.synchronized || sk.state === TcpState.TIME_WAIT) return;
    let sent = false;
    for (;;) {
      const offset = seqSub(sk.sndNxt, sk.sndBufSeq);
      const unsent = sk.sndBuf.length - offset;
      const wnd = Math.min(sk.sndWnd, sk.cwnd);
      const avail = wnd - sk.flight;
      if (unsent > 0) {
        let len = Math.min(unsent, sk.mss, avail);
        if (len <= 0) {
          if (sk.sndWnd === 0 && sk.flight === 0) this.armPersist(sk);
          break;
        }
        if (len < sk.mss && len === unsent && !rtx) {
          // Nagle (RFC 896) and MSG_MORE/TCP_CORK: hold a partial segment while data is in flight.
          const isLast = sk.finQueued;
          if (!isLast && (more || sk.cork || (!sk.nodelay && sk.flight > 0))) break;
        }
        if (len < sk.mss && len < unsent && avail < sk.mss && sk.flight > 0 && !rtx) break; // silly window
        const data = sk.sndBuf.view(offset, len).slice();
        const fin = sk.finQueued && len === unsent;
        let flags = ACK | (len === unsent ? PSH : 0) | (fin ? FIN : 0);
        if (fin && sk.state !== TcpState.FIN_WAIT1 && sk.state !== TcpState.LAST_ACK && sk.state !== TcpState.CLOSING) flags &= ~FIN;
        this.sendSeg(sk, sk.sndNxt, flags, data);
        if (seqLt(sk.sndNxt, sk.sndMax)) { sk.retransmits++; this.stats.retransSegs++; }
        else if (sk.rttTime < 0) { sk.rttSeq = sk.sndNxt; sk.rttTime = this.stack.now(); }
        sk.sndNxt = seqAdd(sk.sndNxt, len + (flags & FIN ? 1 : 0));
        if (seqGt(sk.sndNxt, sk.sndMax)) sk.sndMax = sk.sndNxt;
        sent = true;
        rtx = false;
        if (!sk.rtxTimer) this.armRtx(sk);
        continue;
      }
      if (sk.finQueued && !sk.finSent) {
        this.sendSeg(sk, sk.sndNxt, ACK | FIN, new Uint8Array(0));
        sk.sndNxt = seqAdd(sk.sndNxt, 1);
        if (seqGt(sk.sndNxt, sk.sndMax)) sk.sndMax = sk.sndNxt;
        sent = true;
        if (!sk.rtxTimer) this.armRtx(sk);
      }
      break;
    }
    if (sent) sk.ackPending = 0;
  }

  private rcvWindow(sk: TcpSock): number {
    let w = sk.rcvSpace;
    // Never shrink what was offered (RFC 9293 3.8.6.2.2).
    const offered = seqSub(sk.rcvAdv, sk.rcvNxt);
    if (w < offered) w = offered;
    return w;
  }

  private sendSeg(sk: TcpSock, seq: number, flags: number, data: Uint8Array, syn = false): void {
    let wnd = this.rcvWindow(sk);
    let wfield: number;
    if (flags & SYN) wfield = Math.min(wnd, 65535);
    else {
      const shift = sk.wscaleOk ? sk.rcvWscale : 0;
      wfield = Math.min(wnd >>> shift, 65535);
      wnd = wfield << shift;
    }
    if (!(flags & SYN) && sk.state !== TcpState.SYN_SENT) {
      const edge = seqAdd(sk.rcvNxt, wnd);
      if (seqGt(edge, sk.rcvAdv)) sk.rcvAdv = edge;
    }
    let opts: number[] = [];
    if (syn) {
      opts = [2, 4, sk.advMss >>> 8, sk.advMss & 255];
      if (sk.state === TcpState.SYN_SENT || sk.wscaleOk) opts.push(1, 3, 3, sk.rcvWscale);
    }
    const ack = (flags & ACK) ? sk.rcvNxt : 0;
    this.emit(sk.laddr, sk.raddr, sk.lport, sk.rport, seq, ack, flags, wfield, data, opts, sk);
    sk.segsOut++;
    if (flags & ACK) sk.ackPending = 0;
  }

  private emit(src: number, dst: number, sport: number, dport: number, seq: number, ack: number, flags: number, wnd: number,
    data: Uint8Array, opts: number[], sk: TcpSock | null): void {
    while (opts.length % 4) opts.push(1);
    const hl = 20 + opts.length;
    const s = new Uint8Array(hl + data.length);
    wr16(s, 0, sport); wr16(s, 2, dport); wr32(s, 4, seq); wr32(s, 8, ack);
    s[12] = (hl / 4) << 4; s[13] = flags; wr16(s, 14, wnd);
    for (let i = 0; i < opts.length; i++) s[20 + i] = opts[i];
    s.set(data, hl);
    wr16(s, 16, csumFold(csumPartial(s, 0, s.length, pseudoSum(src, dst, IPPROTO_TCP, s.length))));
    this.stats.outSegs++;
    if (flags & RST) this.stats.outRsts++;
    this.stack.output(src, dst, IPPROTO_TCP, s, {
      ttl: sk && sk.ttl >= 0 ? sk.ttl : undefined, tos: sk?.tos, df: true, dev: sk?.bindDev ?? null,
    });
  }

  private sendAck(sk: TcpSock): void { this.sendSeg(sk, sk.sndNxt, ACK, new Uint8Array(0)); }

  private sendRst(sk: TcpSock, seq: number): void {
    this.emit(sk.laddr, sk.raddr, sk.lport, sk.rport, seq, sk.rcvNxt, RST | ACK, 0, new Uint8Array(0), [], sk);
  }

  /** ACK soon: at the end of this receive batch (coalescing), or now when `now`. */
  private scheduleAck(sk: TcpSock, now: boolean): void {
    sk.ackPending++;
    if (now || sk.ackPending >= 2) { this.sendAck(sk); return; }
    this.stack.defer(() => { if (sk.ackPending > 0 && sk.synchronized) this.sendAck(sk); });
  }

  private windowUpdate(sk: TcpSock): void {
    if (!sk.synchronized || sk.finReceived) return;
    const offered = seqSub(sk.rcvAdv, sk.rcvNxt);
    const now = sk.rcvSpace;
    if (now - offered >= 2 * sk.advMss || (offered < sk.advMss && now >= sk.advMss) || (offered <= 0 && now > 0)) this.sendAck(sk);
  }

  // ---- input ----------------------------------------------------------------------------

  rx(pkt: IpPacket): void {
    const t = pkt.payload;
    this.stats.inSegs++;
    if (t.length < 20) { this.stats.inErrs++; return; }
    const hl = (t[12] >> 4) * 4;
    if (hl < 20 || hl > t.length) { this.stats.inErrs++; return; }
    if (csumFold(csumPartial(t, 0, t.length, pseudoSum(pkt.src, pkt.dst, IPPROTO_TCP, t.length))) !== 0) { this.stats.inErrs++; this.stats.inCsumErrors++; return; }
    const seg: TcpSeg = {
      sport: rd16(t, 0), dport: rd16(t, 2), seq: rd32(t, 4), ack: rd32(t, 8), flags: t[13] & 0x3f, wnd: rd16(t, 14),
      mss: 0, wscale: -1, data: t.subarray(hl), src: pkt.src, dst: pkt.dst, dev: pkt.dev,
    };
    if (seg.flags & SYN) parseOptions(t, hl, seg);
    if (pkt.src === 0 || this.stack.isBroadcast(pkt.dst, pkt.dev) || (pkt.dst >>> 28) === 14) return;
    const sk = this.conns.get(`${pkt.dst}:${seg.dport}:${pkt.src}:${seg.sport}`);
    if (sk) { sk.segsIn++; this.segment(sk, seg); return; }
    let lsn: TcpSock | null = null;
    for (const l of this.listeners) {
      if (l.lport !== seg.dport) continue;
      if (!addrTakes(l.laddr, l.v6, l.v6only, pkt.dst)) continue;
      if (l.bindDev && pkt.dev && l.bindDev !== pkt.dev && !pkt.dev.isLoopback) continue;
      if (!lsn || l.laddr !== INADDR_ANY) lsn = l;
    }
    if (lsn) { this.listenRx(lsn, seg); return; }
    if (this.synHook && (seg.flags & (SYN | ACK | RST)) === SYN) {
      const key = `${pkt.dst}:${seg.dport}:${pkt.src}:${seg.sport}`;
      if (this.synPending.has(key)) return; // a retransmitted SYN while the NAT connects
      this.synPending.add(key);
      const s2: TcpSeg = { ...seg, data: seg.data.slice() };
      this.synHook(s2,
        (l) => this.stack.batch(() => { this.synPending.delete(key); if (!this.conns.has(key)) this.listenRx(l, s2); }),
        () => this.stack.batch(() => { this.synPending.delete(key); this.rstFor(s2); }));
      return;
    }
    this.rstFor(seg);
  }

  /**
   * User-mode NAT: a SYN that no listener takes is offered here; the NAT calls proceed
   * with a listener once the host side connected (the handshake completes then), or
   * refuse (the guest gets a RST, as from a closed port).
   */
  synHook: ((seg: TcpSeg, proceed: (l: TcpSock) => void, refuse: () => void) => void) | null = null;
  private readonly synPending = new Set<string>();

  /** Answer a segment that belongs to no connection (RFC 9293 3.10.7.1). */
  private rstFor(seg: TcpSeg): void {
    if (seg.flags & RST) return;
    if (seg.flags & ACK) this.emit(seg.dst, seg.src, seg.dport, seg.sport, seg.ack, 0, RST, 0, new Uint8Array(0), [], null);
    else {
      const len = seg.data.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
      this.emit(seg.dst, seg.src, seg.dport, seg.sport, 0, seqAdd(seg.seq, len), RST | ACK, 0, new Uint8Array(0), [], null);
    }
  }

  private listenRx(l: TcpSock, seg: TcpSeg): void {
    if (seg.flags & RST) return;
    if (seg.flags & ACK) { this.rstFor(seg); return; }
    if (!(seg.flags & SYN)) return;
    if (l.acceptQ.length >= l.backlog || l.synQ.size >= Math.max(l.backlog, 128)) return; // dropped: the peer retries
    const c = new TcpSock();
    c.laddr = seg.dst; c.lport = seg.dport; c.raddr = seg.src; c.rport = seg.sport;
    c.nodelay = l.nodelay; c.keepalive = l.keepalive; c.keepIdle = l.keepIdle; c.keepIntvl = l.keepIntvl; c.keepCnt = l.keepCnt;
    c.rcvBufMax = l.rcvBufMax; c.sndBufMax = l.sndBufMax; c.reuseAddr = l.reuseAddr; c.userMss = l.userMss;
    c.linger = l.linger; c.bindDev = l.bindDev; c.ttl = l.ttl; c.tos = l.tos; c.uid = l.uid; c.v6 = l.v6; c.v6only = l.v6only;
    c.parent = l;
    const rt = this.stack.lookup(seg.src);
    this.initConn(c, rt ? rt.dev.mtu : 576);
    c.irs = seg.seq; c.rcvNxt = seqAdd(seg.seq, 1);
    this.applySynOptions(c, seg);
    c.iss = this.newIss();
    c.sndUna = c.iss; c.sndNxt = c.iss; c.sndMax = c.iss; c.sndBufSeq = seqAdd(c.iss, 1);
    c.sndWnd = seg.wnd; c.sndWl1 = seg.seq; c.sndWl2 = c.iss;
    c.state = TcpState.SYN_RECV;
    l.synQ.add(c);
    this.conns.set(c.key, c);
    this.bound.add(c);
    this.stats.passiveOpens++;
    this.sendSyn(c);
  }

  private applySynOptions(sk: TcpSock, seg: TcpSeg): void {
    sk.mss = Math.min(seg.mss || DEFAULT_MSS, sk.advMss);
    sk.rcvAdv = sk.rcvNxt;
    if (seg.wscale >= 0) { sk.wscaleOk = true; sk.sndWscale = Math.min(seg.wscale, 14); }
    else { sk.wscaleOk = false; sk.sndWscale = 0; sk.rcvWscale = 0; }
    // RFC 5681 initial window (Linux uses 10 segments, RFC 6928).
    sk.cwnd = 10 * sk.mss;
  }

  private segment(sk: TcpSock, seg: TcpSeg): void {
    sk.lastRx = this.stack.now();
    sk.probes = 0;
    if (sk.state === TcpState.SYN_SENT) { this.synSentRx(sk, seg); return; }
    const segLen = seg.data.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
    const rcvWnd = Math.max(0, seqSub(sk.rcvAdv, sk.rcvNxt), sk.rcvSpace);

    // 1. Sequence acceptability.
    let ok: boolean;
    if (segLen === 0) ok = rcvWnd === 0 ? seg.seq === sk.rcvNxt : seqGe(seg.seq, sk.rcvNxt) && seqLt(seg.seq, seqAdd(sk.rcvNxt, rcvWnd)) || seg.seq === sk.rcvNxt;
    else ok = rcvWnd > 0 && (
      (seqGe(seg.seq, sk.rcvNxt) && seqLt(seg.seq, seqAdd(sk.rcvNxt, rcvWnd))) ||
      (seqGe(seqAdd(seg.seq, segLen - 1), sk.rcvNxt) && seqLt(seqAdd(seg.seq, segLen - 1), seqAdd(sk.rcvNxt, rcvWnd))));
    if (!ok) {
      if (sk.state === TcpState.TIME_WAIT && (seg.flags & SYN) && !(seg.flags & RST) && seqGt(seg.seq, sk.rcvNxt)) {
        // A new incarnation (RFC 1122 4.2.2.13): let a listener take it.
        this.destroy(sk); this.rx2(seg); return;
      }
      if (!(seg.flags & RST)) this.sendAck(sk);
      // A zero-window probe or old duplicate: the ACK still carries window information.
      if ((seg.flags & ACK) && sk.synchronized) this.ackRx(sk, seg, true);
      return;
    }
    // 2. RST.
    if (seg.flags & RST) {
      if (seg.seq !== sk.rcvNxt) { this.sendAck(sk); return; } // RFC 5961 challenge ACK
      switch (sk.state) {
        case TcpState.SYN_RECV:
          if (sk.parent) { this.destroy(sk); return; }
          sk.error = ECONNREFUSED; break;
        case TcpState.ESTABLISHED: case TcpState.FIN_WAIT1: case TcpState.FIN_WAIT2: case TcpState.CLOSE_WAIT:
          sk.error = sk.state === TcpState.CLOSE_WAIT ? EPIPE : ECONNRESET;
          sk.reset = true;
          this.stats.estabResets++;
          break;
      }
      this.destroy(sk);
      return;
    }
    // 3. SYN inside the window: challenge ACK (RFC 5961 4.2).
    if (seg.flags & SYN) {
      if (sk.state === TcpState.SYN_RECV && seg.seq === sk.irs) { this.sendSyn(sk); return; }
      this.sendAck(sk); return;
    }
    // 4. ACK.
    if (!(seg.flags & ACK)) return;
    if (sk.state === TcpState.SYN_RECV) {
      if (seqLe(seg.ack, sk.sndUna) || seqGt(seg.ack, sk.sndMax)) { this.rstFor(seg); return; }
      sk.sndUna = seg.ack;
      this.established(sk, seg);
      const l = sk.parent;
      if (l) {
        l.synQ.delete(sk);
        if (l.state === TcpState.LISTEN) { l.acceptQ.push(sk); l.onEvent(); }
      }
    }
    if (!this.ackRx(sk, seg, false)) return;
    if ((sk.state as TcpState) === TcpState.CLOSE) return;
    // 5. Data.
    let fin = (seg.flags & FIN) !== 0;
    let data = seg.data;
    let seq = seg.seq;
    if (data.length > 0 || fin) {
      switch (sk.state) {
        case TcpState.ESTABLISHED: case TcpState.FIN_WAIT1: case TcpState.FIN_WAIT2: break;
        case TcpState.CLOSE_WAIT: case TcpState.CLOSING: case TcpState.LAST_ACK: case TcpState.TIME_WAIT:
          if (sk.state === TcpState.TIME_WAIT && fin) {
            // A retransmitted FIN: ACK it and restart the 2MSL timer.
            this.sendAck(sk);
            this.enterTimeWait(sk);
          }
          return;
        default: return;
      }
      // Trim what we already have.
      if (seqLt(seq, sk.rcvNxt)) {
        const skip = seqSub(sk.rcvNxt, seq);
        data = data.subarray(Math.min(skip, data.length));
        seq = sk.rcvNxt;
      }
      // Trim to the window: what was advertised stays acceptable even when the buffer
      // (which counts queued out-of-order data) has less room now; dropping such segments
      // made the sender resend whole bursts it had been allowed to send.
      const room = Math.max(0, seqSub(seqAdd(sk.rcvNxt, this.rcvWindow(sk)), seq));
      if (data.length > room) { data = data.subarray(0, room); fin = false; }
      if (seq === sk.rcvNxt) {
        const hadOoo = sk.ooo.length > 0;
        if (data.length) {
          if (sk.orphan && (sk.state === TcpState.FIN_WAIT1 || sk.state === TcpState.FIN_WAIT2) && sk.linger === null) {
            // Linux resets when data arrives for a closed socket.
            this.sendRst(sk, sk.sndNxt); this.destroy(sk); return;
          }
          sk.rcvBuf.push(data);
          sk.rcvNxt = seqAdd(sk.rcvNxt, data.length);
        }
        // Pull in queued out-of-order segments.
        let progressed = true;
        while (progressed && sk.ooo.length) {
          progressed = false;
          for (let i = 0; i < sk.ooo.length; i++) {
            const o = sk.ooo[i];
            const end = seqAdd(o.seq, o.data.length);
            if (seqGt(o.seq, sk.rcvNxt)) continue;
            sk.ooo.splice(i, 1); i--;
            if (seqGt(end, sk.rcvNxt)) {
              const part = o.data.subarray(seqSub(sk.rcvNxt, o.seq));
              sk.rcvBuf.push(part);
              sk.rcvNxt = end;
              progressed = true;
            }
            if (o.fin && seqGe(sk.rcvNxt, end)) fin = true;
          }
        }
        if (fin) this.finRx(sk);
        else if (data.length) this.scheduleAck(sk, hadOoo);
        if (data.length || fin) sk.onEvent();
      } else {
        // Out of order: keep it and send a duplicate ACK at once (fast retransmit at the peer).
        if (data.length || fin) {
          if (!sk.ooo.some((o) => o.seq === seq && o.data.length >= data.length)) sk.ooo.push({ seq, data: data.slice(), fin });
          if (sk.ooo.length > 512) sk.ooo.shift();
        }
        this.sendAck(sk);
      }
    }
    if (sk.state !== TcpState.CLOSE) this.output(sk, false);
  }

  /** rx for a segment after its TIME_WAIT socket was dropped. */
  private rx2(seg: TcpSeg): void {
    for (const l of this.listeners) {
      if (l.lport === seg.dport && addrTakes(l.laddr, l.v6, l.v6only, seg.dst)) { this.listenRx(l, seg); return; }
    }
    this.rstFor(seg);
  }

  private finRx(sk: TcpSock): void {
    sk.finReceived = true;
    sk.rcvNxt = seqAdd(sk.rcvNxt, 1);
    switch (sk.state) {
      case TcpState.SYN_RECV: case TcpState.ESTABLISHED: sk.state = TcpState.CLOSE_WAIT; break;
      case TcpState.FIN_WAIT1:
        if (sk.finAcked) { this.sendAck(sk); this.enterTimeWait(sk); return; }
        sk.state = TcpState.CLOSING; break;
      case TcpState.FIN_WAIT2: this.sendAck(sk); this.enterTimeWait(sk); return;
    }
    this.sendAck(sk);
    sk.onEvent();
  }

  private established(sk: TcpSock, seg: TcpSeg): void {
    sk.state = TcpState.ESTABLISHED;
    sk.wasConnected = true;
    sk.retries = 0;
    sk.sndWnd = seg.wnd << sk.sndWscale;
    sk.sndWl1 = seg.seq; sk.sndWl2 = seg.ack;
    this.stopRtx(sk);
    this.armKeepalive(sk);
    sk.onEvent();
  }

  private synSentRx(sk: TcpSock, seg: TcpSeg): void {
    const f = seg.flags;
    if (f & ACK) {
      if (seqLe(seg.ack, sk.iss) || seqGt(seg.ack, sk.sndMax)) { if (!(f & RST)) this.rstFor(seg); return; }
    }
    if (f & RST) {
      if (f & ACK) { sk.error = ECONNREFUSED; this.stats.attemptFails++; this.destroy(sk); }
      return;
    }
    if (!(f & SYN)) return;
    sk.irs = seg.seq; sk.rcvNxt = seqAdd(seg.seq, 1);
    this.applySynOptions(sk, seg);
    if (f & ACK) {
      sk.sndUna = seg.ack;
      this.rttSample(sk, seg.ack);
      this.established(sk, seg);
      sk.sndWnd = seg.wnd; // the window in a SYN is never scaled
      this.sendAck(sk);
      this.output(sk, false);
      return;
    }
    // Simultaneous open.
    sk.state = TcpState.SYN_RECV;
    sk.sndWnd = seg.wnd; sk.sndWl1 = seg.seq; sk.sndWl2 = sk.iss;
    this.sendSyn(sk);
  }

  private rttSample(sk: TcpSock, ack: number): void {
    if (sk.rttTime < 0 || !seqGt(ack, sk.rttSeq)) return;
    const r = Math.max(this.stack.now() - sk.rttTime, 1000);
    sk.rttTime = -1;
    if (sk.srtt === 0) { sk.srtt = r; sk.rttvar = r / 2; }
    else {
      sk.rttvar = 0.75 * sk.rttvar + 0.25 * Math.abs(sk.srtt - r);
      sk.srtt = 0.875 * sk.srtt + 0.125 * r;
    }
    sk.rto = Math.min(Math.max(sk.srtt + Math.max(4 * sk.rttvar, 1 * MS), TCP_RTO_MIN), TCP_RTO_MAX);
  }

  /** ACK processing (step 5 of SEGMENT ARRIVES). Returns false if the segment is done with. */
  private ackRx(sk: TcpSock, seg: TcpSeg, windowOnly: boolean): boolean {
    const ack = seg.ack;
    if (seqGt(ack, sk.sndMax)) { if (!windowOnly) this.sendAck(sk); return false; }
    const wnd = seg.wnd << sk.sndWscale;
    // A duplicate ACK (RFC 5681) repeats the last window too: compare with the window
    // before this segment updates it, or a receiver's window updates count as dupacks.
    const prevWnd = sk.sndWnd;
    if (seqLt(sk.sndWl1, seg.seq) || (sk.sndWl1 === seg.seq && seqLe(sk.sndWl2, ack))) {
      const opened = wnd > sk.sndWnd;
      sk.sndWnd = wnd; sk.sndWl1 = seg.seq; sk.sndWl2 = ack;
      if (opened && wnd > 0) { this.stack.cancelTimer(sk.persistTimer); sk.persistTimer = null; sk.probes = 0; }
    }
    if (seqGt(ack, sk.sndUna)) {
      const acked = seqSub(ack, sk.sndUna);
      this.rttSample(sk, ack);
      // Drop acknowledged bytes from the send buffer (SYN and FIN occupy no buffer).
      const dataAcked = Math.max(0, Math.min(seqSub(ack, sk.sndBufSeq), sk.sndBuf.length));
      if (dataAcked > 0) { sk.sndBuf.drop(dataAcked); sk.sndBufSeq = seqAdd(sk.sndBufSeq, dataAcked); }
      sk.sndUna = ack;
      if (seqLt(sk.sndNxt, sk.sndUna)) sk.sndNxt = sk.sndUna;
      sk.retries = 0;
      // Congestion control: Reno with NewReno partial ACKs (RFC 6582).
      if (sk.inRecovery) {
        if (seqGe(ack, sk.recover)) { sk.inRecovery = false; sk.cwnd = sk.ssthresh; }
        else { this.retransmitFirst(sk); sk.cwnd = Math.max(sk.cwnd - acked + sk.mss, sk.mss); }
      } else if (sk.cwnd < sk.ssthresh) sk.cwnd += Math.min(acked, sk.mss);
      else sk.cwnd += Math.max(1, Math.floor(sk.mss * sk.mss / sk.cwnd));
      sk.cwnd = Math.min(sk.cwnd, 0x3fffffff);
      sk.dupAcks = 0;
      if (sk.rto > TCP_RTO_MIN && sk.srtt) sk.rto = Math.min(Math.max(sk.srtt + Math.max(4 * sk.rttvar, MS), TCP_RTO_MIN), TCP_RTO_MAX);
      if (sk.flight > 0) this.armRtx(sk); else this.stopRtx(sk);
      if (dataAcked > 0) sk.onEvent();
      // FIN acknowledged?
      if (sk.finAcked) {
        switch (sk.state) {
          case TcpState.FIN_WAIT1: sk.state = TcpState.FIN_WAIT2; this.armFinTimeout(sk); sk.onEvent(); break;
          case TcpState.CLOSING: this.enterTimeWait(sk); return false;
          case TcpState.LAST_ACK: this.destroy(sk); return false;
        }
      }
    } else if (ack === sk.sndUna && !windowOnly && seg.data.length === 0 && !(seg.flags & FIN) && sk.flight > 0 && wnd === prevWnd) {
      sk.dupAcks++;
      if (sk.dupAcks === 3 && !sk.inRecovery) {
        sk.ssthresh = Math.max(Math.floor(sk.flight / 2), 2 * sk.mss);
        sk.recover = sk.sndMax;
        sk.inRecovery = true;
        this.retransmitFirst(sk);
        sk.cwnd = sk.ssthresh + 3 * sk.mss;
      } else if (sk.inRecovery) sk.cwnd += sk.mss;
    }
    return true;
  }

  /** Retransmit the segment at snd.una (fast retransmit). */
  private retransmitFirst(sk: TcpSock): void {
    const offset = seqSub(sk.sndUna, sk.sndBufSeq);
    const len = Math.min(sk.mss, sk.sndBuf.length - offset);
    sk.rttTime = -1;
    if (len > 0 && offset >= 0) {
      const fin = sk.finQueued && offset + len === sk.sndBuf.length && sk.finSent;
      this.sendSeg(sk, sk.sndUna, ACK | (fin ? FIN : 0), sk.sndBuf.view(offset, len).slice());
    } else if (sk.finSent && !sk.finAcked) this.sendSeg(sk, sk.finSeq, ACK | FIN, new Uint8Array(0));
    else return;
    sk.retransmits++; this.stats.retransSegs++;
    this.armRtx(sk);
  }

  err(type: number, code: number, q: IpPacket, info: number): void {
    if (q.payload.length < 8) return;
    const sport = rd16(q.payload, 0), dport = rd16(q.payload, 2), seq = rd32(q.payload, 4);
    const sk = this.conns.get(`${q.src}:${sport}:${q.dst}:${dport}`);
    if (!sk) return;
    if (!seqGe(seq, sk.sndUna) || !seqLe(seq, sk.sndMax)) return;
    if (type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED) {
      if (info >= 68) { sk.mss = Math.min(sk.mss, info - 40); this.retransmitFirst(sk); }
      return;
    }
    const e = icmpErrno(type, code);
    this.stack.batch(() => {
      if (sk.state === TcpState.SYN_SENT && (code === 2 || code === 3)) {
        sk.error = e; this.stats.attemptFails++; this.destroy(sk); return;
      }
      // Soft error: remembered, reported if the connection times out.
      if (sk.state === TcpState.SYN_SENT || sk.state === TcpState.SYN_RECV) sk.error = 0;
    });
  }
}

function parseOptions(t: Uint8Array, hl: number, seg: TcpSeg): void {
  let i = 20;
  while (i < hl) {
    const kind = t[i];
    if (kind === 0) break;
    if (kind === 1) { i++; continue; }
    if (i + 1 >= hl) break;
    const len = t[i + 1];
    if (len < 2 || i + len > hl) break;
    if (kind === 2 && len === 4) seg.mss = rd16(t, i + 2);
    else if (kind === 3 && len === 3) seg.wscale = t[i + 2];
    i += len;
  }
}

void URG; void POLLPRI; void ENOTCONN;
