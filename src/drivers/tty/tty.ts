// The tty core: a terminal (Tty) owns its termios, window size, session and foreground
// process group, its line discipline (N_TTY) and a driver that moves bytes to and from
// the device. Every open of a terminal is a TtyFile (the CharDev the VFS wraps), which
// carries the open flags and whether it came through /dev/console (exempt from job
// control and hangups, as Linux's redirected console files are).
//
// Job control (tty_check_change): a process in a background group of the terminal's
// session touching its controlling tty gets SIGTTIN (read) or SIGTTOU (write with TOSTOP,
// tcsetattr, tcflush, TIOCSPGRP …) sent to its group and the call returns -ERESTARTSYS,
// to be restarted once the group is continued; EIO if the group is orphaned, or for
// reads when SIGTTIN is blocked or ignored (a blocked or ignored SIGTTOU lets the call
// through).
import { EAGAIN, EBUSY, EINVAL, EIO, ENOTTY, ENXIO, EPERM, ERESTARTSYS } from '../../abi/linux/errno.js';
import { O_ACCMODE, O_NOCTTY, O_WRONLY } from '../../abi/linux/fcntl.js';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from '../../abi/linux/fs.js';
import * as I from '../../abi/linux/ioctl.js';
import * as T from '../../abi/linux/termios.js';
import { BLOCK, WaitQueue } from '../../lib/waitqueue.js';
import type { AddressSpace } from '../../mm/aspace.js';
import { copyOut, readBytes, readI32, writeU32 } from '../../mm/usercopy.js';
import type { CharDev, Sleeper } from '../char/registry.js';
import { CttyRef, currentProc, SIGCONT, SIGHUP, SIGTTIN, SIGTTOU, SIGWINCH, TtyProc, ttyJobControl } from './jobctl.js';
import { LdiscTty, NTty } from './n_tty.js';
import { Termios } from './termios.js';

/** The device side of a terminal. */
export interface TtyDriver {
  /** Transmit bytes (already output-processed). Synchronous: takes them all. */
  write(b: Uint8Array): void;
  /** Discard queued output (TCOFLUSH). */
  flushOutput?(): void;
  /** Bytes queued but not yet sent (TIOCOUTQ). */
  outq?(): number;
  /** Called when the tty wants input (a reader or poller arrived): start listening. */
  wantInput?(): void;
  /** The window size was set with TIOCSWINSZ. */
  resized?(rows: number, cols: number): void;
  /** Bytes write() can take now; at 0 writers wait on writeWq (pty slaves). */
  writeRoom?(): number;
  /** The last open file of the tty was closed. */
  lastClose?(): void;
}

export interface WinSize { row: number; col: number; xpixel: number; ypixel: number; }

/** new_encode_dev, as TIOCGDEV reports a device number. */
const encodeDev = (major: number, minor: number): number => ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0;

export class Tty implements CttyRef, LdiscTty {
  termios = new Termios();
  readonly readWq = new WaitQueue();
  readonly writeWq = new WaitQueue();
  readonly ldisc: NTty;
  winsize: WinSize = { row: 0, col: 0, xpixel: 0, ypixel: 0 };
  /** Session this is the controlling tty of (0: none) and its foreground group. */
  session = 0;
  pgrp = 0;
  outputStopped = false;
  /** TIOCEXCL. */
  exclusive = false;
  /** Open files on this tty (for hangup). */
  readonly files = new Set<TtyFile>();
  /** Output was stopped (true) or restarted (false) by flow control (pty packet mode). */
  onFlowChange: ((stopped: boolean) => void) | null = null;
  /** Received bytes the line discipline has no room for yet. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private hostEof = false;

  constructor(readonly ttyName: string, readonly driver: TtyDriver, readonly major = 4, readonly minor = 0) {
    this.ldisc = new NTty(this);
  }

  // ---- LdiscTty ----------------------------------------------------------------------
  get inputEnded(): boolean { return this.hostEof && this.pendingBytes === 0; }
  driverWrite(b: Uint8Array): void { if (b.length) this.driver.write(b); }
  signalFg(sig: number): void {
    if (this.pgrp > 0) ttyJobControl()?.signalPgrp(this.pgrp, sig);
  }
  flushOutput(): void { this.driver.flushOutput?.(); }
  stopOutput(): void {
    if (!this.outputStopped) this.onFlowChange?.(true);
    this.outputStopped = true;
  }
  startOutput(): void {
    if (!this.outputStopped) return;
    this.outputStopped = false;
    this.onFlowChange?.(false);
    this.writeWq.wakeAll();
    this.readWq.wakeAll(); // pollers of POLLOUT sleep on readWq as well
  }

  // ---- driver side -------------------------------------------------------------------
  /** Bytes arrived from the device. */
  receive(b: Uint8Array): void {
    if (b.length === 0) return;
    if (this.pendingBytes === 0) {
      const n = this.ldisc.receive(b);
      if (n === b.length) return;
      b = b.slice(n);
    }
    this.pending.push(b);
    this.pendingBytes += b.length;
  }
  /** Bytes waiting for room in the line discipline (the driver may throttle on this). */
  get backlog(): number { return this.pendingBytes; }
  /** Move waiting bytes into the line discipline as room allows. */
  unthrottle(): void {
    while (this.pending.length && this.ldisc.receiveRoom() > 0) {
      const b = this.pending[0];
      const n = this.ldisc.receive(b);
      this.pendingBytes -= n;
      if (n === b.length) this.pending.shift(); else { this.pending[0] = b.subarray(n); if (n === 0) break; }
    }
    if (this.inputEnded) this.ldisc.inputEnded();
  }
  /** The device will send no more input (host EOF). */
  endOfInput(): void {
    this.hostEof = true;
    this.unthrottle();
    this.readWq.wakeAll();
  }
  /** The device's window size changed: SIGWINCH to the foreground group. */
  resize(rows: number, cols: number, xpixel = 0, ypixel = 0): void {
    const w = this.winsize;
    if (w.row === rows && w.col === cols && w.xpixel === xpixel && w.ypixel === ypixel) return;
    this.winsize = { row: rows, col: cols, xpixel, ypixel };
    this.signalFg(SIGWINCH);
  }

  // ---- opening -----------------------------------------------------------------------
  /**
   * Open the tty. `redirect` marks /dev/console opens (never acquire a controlling tty,
   * no job control, survive hangups). `noctty` suppresses the controlling-tty
   * acquisition (O_NOCTTY, /dev/tty).
   */
  open(flags: number, redirect = false, noctty = false): TtyFile | number {
    const p = currentProc();
    if (this.exclusive && !(p?.isAdmin ?? true)) return -EBUSY;
    if (!redirect && !noctty && (flags & O_NOCTTY) === 0 && p && p.isSessionLeader && p.ctty === null && this.session === 0) {
      this.setCtty(p);
    }
    const f = new TtyFile(this, flags, redirect);
    this.files.add(f);
    return f;
  }

  private setCtty(p: TtyProc): void {
    this.session = p.sid;
    this.pgrp = p.pgid;
    p.ctty = this;
  }

  /**
   * Job-control check for the current process (Linux's __tty_check_change): 0 to
   * proceed, -EIO, or -ERESTARTSYS after signalling the caller's group.
   */
  checkChange(sig: number): number {
    const p = currentProc();
    if (!p || p.ctty !== this) return 0;
    if (this.pgrp > 0 && p.pgid !== this.pgrp) {
      const jc = ttyJobControl();
      if (p.sigIgnoredOrBlocked(sig)) return sig === SIGTTIN ? -EIO : 0;
      if (jc?.isOrphanedPgrp(p.pgid)) return -EIO;
      jc?.signalPgrp(p.pgid, sig);
      return -ERESTARTSYS;
    }
    return 0;
  }

  /** Hang up: open files (but /dev/console ones) read EOF and fail writes; with
   *  exitSession the session loses the tty and the foreground group gets SIGHUP, SIGCONT. */
  hangup(exitSession: boolean): void {
    for (const f of this.files) if (!f.redirect) f.hungUp = true;
    if (this.session) {
      if (!exitSession) { this.signalFg(SIGHUP); this.signalFg(SIGCONT); }
      ttyJobControl()?.clearSessionCtty?.(this.session);
    }
    this.session = 0;
    this.pgrp = 0;
    this.readWq.wakeAll();
    this.writeWq.wakeAll();
  }

  /**
   * The line's carrier went away (a port client disconnected): as Linux's tty_hangup,
   * open files read EOF and fail writes, the session leader and the foreground group get
   * SIGHUP and SIGCONT, the session loses its controlling tty, pending input is dropped.
   */
  carrierLost(): void {
    this.vhangup();
    this.reset();
  }

  /**
   * Linux's tty_vhangup: open files (but /dev/console ones) are hung up, the session
   * leader gets SIGHUP and SIGCONT, and the session loses the tty.
   */
  vhangup(): void {
    const sid = this.session;
    for (const f of this.files) if (!f.redirect) f.hungUp = true;
    if (sid > 0) {
      const jc = ttyJobControl();
      jc?.signalPgrp(sid, SIGHUP);
      jc?.signalPgrp(sid, SIGCONT);
      jc?.clearSessionCtty?.(sid);
    }
    this.session = 0;
    this.pgrp = 0;
    this.readWq.wakeAll();
    this.writeWq.wakeAll();
  }

  /** A fresh line (a port client connected): no stale input, output running. */
  reset(): void {
    this.ldisc.flushInput();
    this.pending = [];
    this.pendingBytes = 0;
    this.hostEof = false;
    this.startOutput();
    this.ldisc.column = 0;
  }

  /** Set termios (TCSETS* after the checks), telling the line discipline. */
  setTermios(nt: Termios): void {
    const old = this.termios.clone();
    // Only N_TTY exists; keep c_line as given (Linux stores it).
    this.termios.assign(nt);
    if (!(nt.iflag & T.IXON) && (old.iflag & T.IXON)) this.startOutput();
    this.ldisc.setTermios(old);
    if (this.pendingBytes) this.unthrottle();
  }

  // ---- file operations ---------------------------------------------------------------
  read(f: TtyFile, buf: Uint8Array, nonblock: boolean, s: Sleeper): number {
    this.driver.wantInput?.();
    if (this.pendingBytes) this.unthrottle();
    if (!f.redirect) {
      const e = this.checkChange(SIGTTIN);
      if (e) return e;
    }
    const n = this.ldisc.read(buf, nonblock, s);
    if (n > 0 && this.pendingBytes) this.unthrottle();
    return n;
  }

  write(f: TtyFile, buf: Uint8Array, nonblock: boolean, s: Sleeper): number {
    if ((this.termios.lflag & T.TOSTOP) && !f.redirect) {
      const e = this.checkChange(SIGTTOU);
      if (e) return e;
    }
    if (buf.length === 0) return 0;
    let room = this.driver.writeRoom ? this.driver.writeRoom() : buf.length;
    if (this.outputStopped || room <= 0) {
      if (nonblock) return -EAGAIN;
      s.blockOn(this.writeWq);
      return BLOCK;
    }
    room = Math.min(room, buf.length);
    this.driverWrite(this.ldisc.processOutput(room < buf.length ? buf.subarray(0, room) : buf));
    return room;
  }

  poll(): number {
    this.driver.wantInput?.();
    if (this.pendingBytes) this.unthrottle();
    let m = 0;
    if (this.ldisc.readable() || this.inputEnded) m |= POLLIN | POLLRDNORM;
    if (this.hostEof && this.inputEnded) m |= POLLHUP;
    if (!this.outputStopped && (!this.driver.writeRoom || this.driver.writeRoom() > 0)) m |= POLLOUT | POLLWRNORM;
    return m;
  }

  ioctl(f: TtyFile, cmd: number, arg: number, mm: AddressSpace): number {
    const p = currentProc();
    const isCtty = p !== null && p.ctty === this;
    switch (cmd >>> 0) {
      case I.TCGETS: case T.TCGETS2: case I.TCGETA:
      case I.TCSETS: case I.TCSETSW: case I.TCSETSF:
      case T.TCSETS2: case T.TCSETSW2: case T.TCSETSF2:
      case I.TCSETA: case I.TCSETAW: case I.TCSETAF:
        return this.termiosIoctl(cmd >>> 0, arg, mm, true);
      case I.TIOCGWINSZ: case I.TIOCSWINSZ:
        return this.ioctlWinsize(cmd >>> 0, arg, mm);
      case I.TIOCGPGRP:
        if (!isCtty) return -ENOTTY;
        writeU32(mm, arg, this.pgrp);
        return 0;
      case I.TIOCSPGRP: {
        const e = this.checkChange(SIGTTOU);
        if (e === -EIO) return -ENOTTY;
        if (e) return e;
        if (!p || !isCtty || this.session !== p.sid) return -ENOTTY;
        const pg = readI32(mm, arg);
        if (pg < 0) return -EINVAL;
        const jc = ttyJobControl();
        if (jc && !jc.pgrpInSession(pg, p.sid)) return -EPERM;
        this.pgrp = pg;
        return 0;
      }
      case I.TIOCGSID:
        if (!isCtty || this.session === 0) return -ENOTTY;
        writeU32(mm, arg, this.session);
        return 0;
      case I.TIOCSCTTY: {
        if (!p) return -EPERM;
        if (p.isSessionLeader && this.session === p.sid) return 0;
        if (!p.isSessionLeader || p.ctty !== null) return -EPERM;
        if (this.session !== 0) {
          if (arg === 1 && p.isAdmin) ttyJobControl()?.clearSessionCtty?.(this.session);
          else return -EPERM;
        }
        if ((f.flags & O_ACCMODE) === O_WRONLY && !p.isAdmin) return -EPERM;
        this.setCtty(p);
        return 0;
      }
      case I.TIOCNOTTY:
        if (!p || !isCtty) return -ENOTTY;
        if (p.isSessionLeader) disassociateCtty(p, false);
        else p.ctty = null;
        return 0;
      case I.FIONREAD:
        writeU32(mm, arg, this.ldisc.available());
        return 0;
      case I.TIOCOUTQ:
        writeU32(mm, arg, this.driver.outq?.() ?? 0);
        return 0;
      case I.TCFLSH: {
        const e = this.checkChange(SIGTTOU);
        if (e) return e;
        if (arg === T.TCIFLUSH || arg === T.TCIOFLUSH) { this.ldisc.flushInput(); this.pending = []; this.pendingBytes = 0; }
        if (arg === T.TCOFLUSH || arg === T.TCIOFLUSH) this.flushOutput();
        return arg >= 0 && arg <= 2 ? 0 : -EINVAL;
      }
      case I.TCXONC: {
        const e = this.checkChange(SIGTTOU);
        if (e) return e;
        switch (arg) {
          case T.TCOOFF: this.stopOutput(); return 0;
          case T.TCOON: this.startOutput(); return 0;
          case T.TCIOFF: case T.TCION: {
            const ch = this.termios.cc[arg === T.TCIOFF ? T.VSTOP : T.VSTART];
            if (ch !== T.POSIX_VDISABLE) this.driverWrite(Uint8Array.of(ch));
            return 0;
          }
          default: return -EINVAL;
        }
      }
      case I.TCSBRK: case I.TCSBRKP: case I.TIOCSBRK: case I.TIOCSETD: {
        const e = this.checkChange(SIGTTOU);
        if (e) return e;
        if (cmd === I.TIOCSETD) return readI32(mm, arg) === T.N_TTY ? 0 : -EINVAL;
        return 0;
      }
      case I.TIOCCBRK: return 0;
      case I.TIOCGETD: writeU32(mm, arg, this.termios.line === T.N_TTY ? T.N_TTY : T.N_TTY); return 0;
      case I.TIOCSTI: {
        if (!isCtty && !(p?.isAdmin ?? true)) return -EPERM;
        const ch = readBytes(mm, arg, 1);
        this.receive(ch);
        return 0;
      }
      case I.TIOCEXCL: this.exclusive = true; return 0;
      case I.TIOCNXCL: this.exclusive = false; return 0;
      case T.TIOCGEXCL: writeU32(mm, arg, this.exclusive ? 1 : 0); return 0;
      case I.TIOCGDEV: writeU32(mm, arg, encodeDev(this.major, this.minor)); return 0;
      case T.TIOCGLCKTRMIOS: copyOut(mm, arg, new Uint8Array(T.TERMIOS_SIZE)); return 0;
      case T.TIOCSLCKTRMIOS: return p?.isAdmin ?? true ? 0 : -EPERM;
      case I.TIOCCONS: return p?.isAdmin ?? true ? 0 : -EPERM;
      case I.TIOCVHANGUP:
        if (!(p?.isAdmin ?? true)) return -EPERM;
        this.hangup(false);
        return 0;
      default:
        return -ENOTTY;
    }
  }

  /** TCGETS*, TCSETS* and the SysV TCGETA/TCSETA*; jobctl: the SIGTTOU check (not for a
   *  pty master acting on its slave). */
  termiosIoctl(c: number, arg: number, mm: AddressSpace, jobctl: boolean): number {
    switch (c) {
      case I.TCGETS: copyOut(mm, arg, this.termios.encode(false)); return 0;
      case T.TCGETS2: copyOut(mm, arg, this.termios.encode(true)); return 0;
      case I.TCGETA: copyOut(mm, arg, this.encodeTermio()); return 0;
    }
    if (jobctl) {
      const e = this.checkChange(SIGTTOU);
      if (e) return e;
    }
    let nt: Termios;
    if (c === I.TCSETA || c === I.TCSETAW || c === I.TCSETAF) nt = this.decodeTermio(readBytes(mm, arg, 18));
    else {
      const two = c === T.TCSETS2 || c === T.TCSETSW2 || c === T.TCSETSF2;
      nt = Termios.decode(readBytes(mm, arg, two ? T.TERMIOS2_SIZE : T.TERMIOS_SIZE), two);
    }
    if (c === I.TCSETSF || c === T.TCSETSF2 || c === I.TCSETAF) this.ldisc.flushInput();
    this.setTermios(nt);
    return 0;
  }

  /** TIOCGWINSZ / TIOCSWINSZ (also a pty master's, which shares its slave's size). */
  ioctlWinsize(cmd: number, arg: number, mm: AddressSpace): number {
    if (cmd === I.TIOCGWINSZ) {
      const b = new Uint8Array(T.WINSIZE_SIZE), dv = new DataView(b.buffer);
      const w = this.winsize;
      dv.setUint16(0, w.row, true); dv.setUint16(2, w.col, true);
      dv.setUint16(4, w.xpixel, true); dv.setUint16(6, w.ypixel, true);
      copyOut(mm, arg, b);
      return 0;
    }
    const b = readBytes(mm, arg, T.WINSIZE_SIZE), dv = new DataView(b.buffer);
    const row = dv.getUint16(0, true), col = dv.getUint16(2, true);
    this.resize(row, col, dv.getUint16(4, true), dv.getUint16(6, true));
    this.driver.resized?.(row, col);
    return 0;
  }

  /** struct termio (SysV): u16 flags, c_line, c_cc[8]; 18 bytes with padding. */
  private encodeTermio(): Uint8Array {
    const b = new Uint8Array(18), dv = new DataView(b.buffer);
    const t = this.termios;
    dv.setUint16(0, t.iflag & 0xffff, true); dv.setUint16(2, t.oflag & 0xffff, true);
    dv.setUint16(4, t.cflag & 0xffff, true); dv.setUint16(6, t.lflag & 0xffff, true);
    b[8] = t.line;
    b.set(t.cc.subarray(0, 8), 9);
    return b;
  }
  private decodeTermio(b: Uint8Array): Termios {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const t = this.termios.clone();
    t.iflag = ((t.iflag & 0xffff0000) | dv.getUint16(0, true)) >>> 0;
    t.oflag = ((t.oflag & 0xffff0000) | dv.getUint16(2, true)) >>> 0;
    t.cflag = ((t.cflag & 0xffff0000) | dv.getUint16(4, true)) >>> 0;
    t.lflag = ((t.lflag & 0xffff0000) | dv.getUint16(6, true)) >>> 0;
    t.line = b[8];
    t.cc.set(b.subarray(9, 17));
    return t;
  }
}

/** An open file description on a tty: the CharDev the VFS wraps. */
export class TtyFile implements CharDev {
  hungUp = false;
  constructor(readonly tty: Tty, readonly flags: number, readonly redirect: boolean) {}

  get waitQueue(): WaitQueue { return this.tty.readWq; }

  read(buf: Uint8Array, nonblock: boolean, s: Sleeper): number {
    if (this.hungUp) return 0;
    return this.tty.read(this, buf, nonblock, s);
  }
  write(buf: Uint8Array, nonblock: boolean, s: Sleeper): number {
    if (this.hungUp) return -EIO;
    return this.tty.write(this, buf, nonblock, s);
  }
  ioctl(cmd: number, arg: number, mm: AddressSpace, _s: Sleeper): number {
    if (this.hungUp) return (cmd >>> 0) === I.TIOCSPGRP ? -ENOTTY : -EIO;
    return this.tty.ioctl(this, cmd, arg, mm);
  }
  poll(): number {
    if (this.hungUp) return POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDNORM | POLLWRNORM;
    return this.tty.poll();
  }
  available(): number { return this.tty.ldisc.available(); }
  release(): void {
    this.tty.files.delete(this);
    if (this.tty.files.size === 0) this.tty.driver.lastClose?.();
  }
}

/**
 * The process gives up its controlling tty (Linux's disassociate_ctty): the kernel calls
 * this with onExit=true when a session leader exits; TIOCNOTTY from a session leader
 * does it with onExit=false (SIGHUP and SIGCONT to the foreground group). The tty
 * forgets its session and every process of the session loses it (clearSessionCtty).
 */
export function disassociateCtty(p: TtyProc, onExit: boolean): void {
  const tty = p.ctty;
  if (!(tty instanceof Tty)) { p.ctty = null; return; }
  if (onExit) tty.hangup(true);
  else {
    tty.signalFg(SIGHUP);
    tty.signalFg(SIGCONT);
    const sid = tty.session;
    tty.session = 0;
    tty.pgrp = 0;
    if (sid) ttyJobControl()?.clearSessionCtty?.(sid);
  }
  p.ctty = null;
}

/** /dev/tty: the caller's controlling terminal, or ENXIO. Without a job-control
 *  implementation (unit tests), `fallback` is opened. */
export function openCtty(flags: number, fallback: Tty | null): TtyFile | number {
  const jc = ttyJobControl();
  if (!jc) return fallback ? fallback.open(flags, false, true) : -ENXIO;
  const p = jc.current();
  const t = p?.ctty;
  if (!(t instanceof Tty)) return -ENXIO;
  return t.open(flags, false, true);
}
