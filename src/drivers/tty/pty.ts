// Unix98 pseudo-terminals: /dev/ptmx (5,2) hands out a master; its slave is
// /dev/pts/N (136, N) on devpts. The slave is an ordinary Tty (N_TTY line discipline,
// job control, window size); what the slave's side writes (program output, echoes)
// queues for the master's reader, and what the master writes is the slave's input.
//
//   TIOCGPTN      the index N           TIOCSPTLCK / TIOCGPTLCK  the slave lock (set at open)
//   TIOCGPTPEER   open the slave (the syscall layer opens /dev/pts/N; see ptyIndex)
//   TIOCPKT       packet mode: every master read starts with a status byte (TIOCPKT_DATA,
//                 or FLUSHREAD/FLUSHWRITE/STOP/START when those happened)
//   TIOCSIG       a signal to the slave's foreground group
//   TIOCGWINSZ / TIOCSWINSZ on either side: the pair's one window size (SIGWINCH)
// Closing the master hangs the slave up (SIGHUP and SIGCONT to its session leader; slave
// reads return 0, writes EIO). With no slave open, master reads return EIO once drained.
import { EAGAIN, EINVAL, EIO, ENOSPC, ENOTTY } from '../../abi/linux/errno.js';
import { O_NOCTTY } from '../../abi/linux/fcntl.js';
import { POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from '../../abi/linux/fs.js';
import * as I from '../../abi/linux/ioctl.js';
import * as T from '../../abi/linux/termios.js';
import { BLOCK, WaitQueue } from '../../lib/waitqueue.js';
import type { AddressSpace } from '../../mm/aspace.js';
import { readI32, writeU32 } from '../../mm/usercopy.js';
import { CharDev, registerCharDevice, Sleeper } from '../char/registry.js';
import { Tty, TtyDriver, TtyFile } from './tty.js';
import { registerCkptState } from '../../lib/ckptstate.js';

export const PTMX_MAJOR = 5, PTMX_MINOR = 2, PTS_MAJOR = 136;
export const TIOCGPTLCK = 0x80045439, TIOCGPTPEER = 0x5441;
const TIOCPKT_DATA = 0, TIOCPKT_FLUSHWRITE = 2, TIOCPKT_STOP = 4, TIOCPKT_START = 8;
/** Bytes the master side buffers before slave writers wait (Linux: 8 KiB per tty_buffer chunk, 64 KiB limit). */
const MASTER_BUF = 64 * 1024;
/** kernel.pty.max */
const PTY_MAX = 4096;

/** What devpts does when a pair appears or goes (fs/devpts implements it). */
export interface PtsNodes {
  add(index: number): void;
  remove(index: number): void;
}
let nodes: PtsNodes | null = null;
export function setPtsNodes(n: PtsNodes | null): void { nodes = n; }

const pairs = new Map<number, PtyPair>();
registerCkptState('pty.pairs', () => pairs, (v) => { pairs.clear(); for (const [i, p] of v as Map<number, PtyPair>) pairs.set(i, p); });

/** The slave's device side: output goes to the master's queue. */
export class SlaveDriver implements TtyDriver {
  constructor(private readonly pair: PtyPair) {}
  write(b: Uint8Array): void { this.pair.toMaster(b); }
  flushOutput(): void { this.pair.flushMaster(); }
  outq(): number { return this.pair.queued; }
  writeRoom(): number { return MASTER_BUF - this.pair.queued; }
  lastClose(): void { this.pair.otherClosed = true; this.pair.masterWq.wakeAll(); }
}

export class PtyPair {
  readonly slave: Tty;
  readonly masterWq = new WaitQueue();
  private buf: Uint8Array[] = [];
  queued = 0;
  locked = true;
  masterOpen = true;
  /** Every slave file was closed (Linux's TTY_OTHER_CLOSED): master reads fail with EIO.
   *  Not set before the first slave open. */
  otherClosed = false;
  packet = false;
  /** Packet-mode status bits not yet reported. */
  private ctrl = 0;

  constructor(readonly index: number) {
    this.slave = new Tty(`pts/${index}`, new SlaveDriver(this), PTS_MAJOR, index);
    this.slave.onFlowChange = (stopped) => this.status(stopped ? TIOCPKT_STOP : TIOCPKT_START);
    // Linux's pty slave: tty_std_termios with c_cflag B38400 | CS8 | CREAD
    this.slave.termios.cflag = T.B38400 | T.CS8 | T.CREAD;
  }

  toMaster(b: Uint8Array): void {
    if (b.length === 0 || !this.masterOpen) return;
    this.buf.push(b.slice());
    this.queued += b.length;
    this.masterWq.wakeAll();
  }
  flushMaster(): void {
    this.buf = [];
    this.queued = 0;
    this.status(TIOCPKT_FLUSHWRITE);
    this.slave.writeWq.wakeAll();
  }
  status(bit: number): void {
    if (!this.packet) return;
    if (bit === TIOCPKT_STOP) this.ctrl = (this.ctrl & ~TIOCPKT_START) | bit;
    else if (bit === TIOCPKT_START) this.ctrl = (this.ctrl & ~TIOCPKT_STOP) | bit;
    else this.ctrl |= bit;
    this.masterWq.wakeAll();
  }

  // ---- the master's file operations -------------------------------------------------
  read(dst: Uint8Array, nonblock: boolean, s: Sleeper): number {
    if (dst.length === 0) return 0;
    if (this.packet && this.ctrl) {
      dst[0] = this.ctrl;
      this.ctrl = 0;
      return 1;
    }
    if (this.queued === 0) {
      if (this.otherClosed) return -EIO;
      if (nonblock) return -EAGAIN;
      s.blockOn(this.masterWq);
      return BLOCK;
    }
    let n = 0;
    if (this.packet) dst[n++] = TIOCPKT_DATA;
    while (n < dst.length && this.buf.length) {
      const b = this.buf[0];
      const k = Math.min(b.length, dst.length - n);
      dst.set(b.subarray(0, k), n);
      n += k;
      this.queued -= k;
      if (k === b.length) this.buf.shift(); else this.buf[0] = b.subarray(k);
    }
    this.slave.writeWq.wakeAll();
    this.slave.readWq.wakeAll(); // pollers of the slave's POLLOUT
    return n;
  }

  write(b: Uint8Array, _nonblock: boolean, _s: Sleeper): number {
    if (b.length === 0) return 0;
    this.slave.receive(b.slice());
    return b.length;
  }

  poll(): number {
    let m = POLLOUT | POLLWRNORM;
    if (this.queued > 0 || (this.packet && this.ctrl)) m |= POLLIN | POLLRDNORM;
    if (this.otherClosed) m |= POLLHUP | POLLIN | POLLRDNORM;
    return m;
  }

  ioctl(cmd: number, arg: number, mm: AddressSpace): number {
    switch (cmd >>> 0) {
      case I.TIOCGPTN: writeU32(mm, arg, this.index); return 0;
      case I.TIOCSPTLCK: this.locked = readI32(mm, arg) !== 0; return 0;
      case TIOCGPTLCK: writeU32(mm, arg, this.locked ? 1 : 0); return 0;
      case T.TIOCPKT: {
        const on = readI32(mm, arg) !== 0;
        if (on && !this.packet) this.ctrl = 0;
        this.packet = on;
        return 0;
      }
      case T.TIOCGPKT: writeU32(mm, arg, this.packet ? 1 : 0); return 0;
      case T.TIOCSIG: {
        const sig = arg | 0;
        if (sig <= 0 || sig >= 65) return -EINVAL;
        this.slave.signalFg(sig);
        return 0;
      }
      case I.TIOCGWINSZ: case I.TIOCSWINSZ:
        // one window size for the pair (SIGWINCH to the slave's foreground group)
        return this.slave.ioctlWinsize(cmd >>> 0, arg, mm);
      case I.FIONREAD: writeU32(mm, arg, this.queued); return 0;
      case I.TIOCOUTQ: writeU32(mm, arg, this.slave.backlog); return 0;
      case I.TCGETS: case T.TCGETS2: case I.TCGETA:
      case I.TCSETS: case I.TCSETSW: case I.TCSETSF: case T.TCSETS2: case T.TCSETSW2: case T.TCSETSF2:
      case I.TCSETA: case I.TCSETAW: case I.TCSETAF:
        // as Linux's tty_mode_ioctl: a master's termios ioctls act on its slave
        return this.slave.termiosIoctl(cmd >>> 0, arg, mm, false);
      case I.TCFLSH:
        // the master's input is the slave's output and the other way round
        if (arg === T.TCIFLUSH || arg === T.TCIOFLUSH) { this.buf = []; this.queued = 0; this.slave.writeWq.wakeAll(); }
        if (arg === T.TCOFLUSH || arg === T.TCIOFLUSH) this.slave.ldisc.flushInput();
        return arg >= 0 && arg <= 2 ? 0 : -EINVAL;
      case I.TCSBRK: case I.TCSBRKP: case I.TCXONC: return 0;
      case I.TIOCGDEV: return -ENOTTY;
      case I.TIOCSCTTY: case I.TIOCNOTTY: case I.TIOCGPGRP: case I.TIOCSPGRP: case I.TIOCGSID:
        return -ENOTTY; // a master is not a controlling terminal here
      default: return -ENOTTY;
    }
  }

  /** The master's last close: hang the slave up and free the index. */
  closeMaster(): void {
    if (!this.masterOpen) return;
    this.masterOpen = false;
    this.buf = [];
    this.queued = 0;
    this.slave.vhangup();
    pairs.delete(this.index);
    nodes?.remove(this.index);
  }
}

/** An open master: the CharDev behind an fd from /dev/ptmx. */
export class PtyMaster implements CharDev {
  constructor(readonly pair: PtyPair) {}
  get waitQueue(): WaitQueue { return this.pair.masterWq; }
  read(buf: Uint8Array, nonblock: boolean, s: Sleeper): number { return this.pair.read(buf, nonblock, s); }
  write(buf: Uint8Array, nonblock: boolean, s: Sleeper): number { return this.pair.write(buf, nonblock, s); }
  ioctl(cmd: number, arg: number, mm: AddressSpace): number { return this.pair.ioctl(cmd, arg, mm); }
  poll(): number { return this.pair.poll(); }
  available(): number { return this.pair.queued; }
  /** The slave's index, for TIOCGPTPEER (the syscall layer opens /dev/pts/N). */
  ptyIndex(): number { return this.pair.index; }
  release(): void { this.pair.closeMaster(); }
}

/** Open /dev/ptmx: a new pair, its slave locked. */
export function openPtmx(): PtyMaster | number {
  let i = 0;
  while (pairs.has(i)) i++;
  if (i >= PTY_MAX) return -ENOSPC;
  const p = new PtyPair(i);
  pairs.set(i, p);
  nodes?.add(i);
  return new PtyMaster(p);
}

/** Open /dev/pts/N. */
export function openPts(index: number, flags: number): TtyFile | number {
  const p = pairs.get(index);
  if (!p || !p.masterOpen || p.locked) return -EIO;
  const f = p.slave.open(flags, false, (flags & O_NOCTTY) !== 0);
  if (typeof f !== 'number') p.otherClosed = false;
  return f;
}

export function ptyPair(index: number): PtyPair | null { return pairs.get(index) ?? null; }

let registered = false;
export function registerPtyDevices(): void {
  if (registered) return;
  registered = true;
  registerCharDevice(PTMX_MAJOR, PTMX_MINOR, () => openPtmx());
  registerCharDevice(PTS_MAJOR, -1, (minor, flags) => openPts(minor, flags));
}

