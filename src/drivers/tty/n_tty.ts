// N_TTY, the default line discipline: input processing (ICRNL/INLCR/IGNCR, ISTRIP, IUCLC),
// flow-control characters (IXON), signal characters (ISIG), canonical line editing
// (ERASE, KILL, WERASE, EOF, EOL/EOL2, LNEXT, REPRINT), echo (ECHO, ECHOE, ECHOK, ECHOKE,
// ECHONL, ECHOCTL, ECHOPRT), non-canonical reads with VMIN/VTIME, and output processing
// (OPOST: ONLCR, OCRNL, ONOCR, ONLRET, OLCUC, XTABS).
//
// Received characters sit in a 4 KiB ring with three absolute indices, as in Linux:
// readTail (next to read) ≤ canonHead (end of the completed lines) ≤ readHead (end of
// input). A per-slot flag marks line terminators; an EOF (^D) terminator is stored but
// never copied to the reader.
import { EAGAIN } from '../../abi/linux/errno.js';
import * as T from '../../abi/linux/termios.js';
import { BLOCK, WaitQueue } from '../../lib/waitqueue.js';
import type { Sleeper } from '../char/registry.js';
import { addTimer, nowMs, SIGINT, SIGQUIT, SIGTSTP } from './jobctl.js';
import type { Termios } from './termios.js';

export const N_TTY_BUF_SIZE = 4096;
const MASK = N_TTY_BUF_SIZE - 1;
const F_EOL = 1, F_EOF = 2;

/** What the line discipline needs from its tty. */
export interface LdiscTty {
  readonly termios: Termios;
  /** Readers (and pollers) sleep here. */
  readonly readWq: WaitQueue;
  /** Hand processed output bytes to the device. */
  driverWrite(b: Uint8Array): void;
  /** Send sig to the foreground process group. */
  signalFg(sig: number): void;
  /** Discard output queued in the device (isig without NOFLSH). */
  flushOutput(): void;
  /** IXON flow control: ^S / ^Q. */
  stopOutput(): void;
  startOutput(): void;
  readonly outputStopped: boolean;
  /** No more input will arrive (host EOF): reads return 0 once the data is consumed. */
  readonly inputEnded: boolean;
}

const isCntrl = (c: number): boolean => c < 32 || c === 127;
const isCont = (c: number): boolean => (c & 0xc0) === 0x80;
const isAlnum = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

export class NTty {
  private readonly buf = new Uint8Array(N_TTY_BUF_SIZE);
  private readonly flags = new Uint8Array(N_TTY_BUF_SIZE);
  private readTail = 0;
  private canonHead = 0;
  private readHead = 0;
  /** The next character is literal (after LNEXT). */
  private lnext = false;
  /** Inside an ECHOPRT "\...". */
  private erasing = false;
  /** Output column (for tab erase). */
  column = 0;
  /** Column where the current input line started. */
  private canonColumn = 0;
  /** Echo bytes gathered while receiving; flushed through output processing. */
  private echoBuf: number[] = [];
  /** Time of the last received character (VTIME inter-byte timer). */
  private lastRx = 0;
  /** MIN=0, TIME>0 readers' deadlines, kept across the restarts of their read. */
  private readonly deadlines = new WeakMap<object, number>();

  constructor(private readonly tty: LdiscTty) {}

  private get t(): Termios { return this.tty.termios; }
  private get icanon(): boolean { return (this.t.lflag & T.ICANON) !== 0; }
  private cc(i: number): number { return this.t.cc[i]; }
  /** c is the (enabled) control character at c_cc[i]. */
  private is(c: number, i: number): boolean { const v = this.t.cc[i]; return v !== T.POSIX_VDISABLE && c === v; }

  /** Characters in the buffer. */
  get count(): number { return this.readHead - this.readTail; }

  /** Bytes a reader would get now (FIONREAD): complete lines in canonical mode. */
  available(): number {
    if (!this.icanon) return this.count;
    let n = 0;
    for (let i = this.readTail; i < this.canonHead; i++) if (!(this.flags[i & MASK] & F_EOF)) n++;
    return n;
  }

  /** How many more characters receive() will take now (the tty keeps the rest). */
  receiveRoom(): number {
    const left = N_TTY_BUF_SIZE - 1 - this.count;
    // Canonical mode with no complete line: keep accepting (and dropping) so that a
    // newline can still get through.
    if (left <= 0 && this.icanon && this.canonHead === this.readTail) return 1;
    return Math.max(0, left);
  }

  /** Input is ready for a reader (poll POLLIN). */
  readable(): boolean {
    if (this.icanon) return this.canonHead > this.readTail;
    const min = this.cc(T.VMIN), time = this.cc(T.VTIME);
    const need = min > 0 && time === 0 ? min : 1;
    return this.count >= need || (this.count > 0 && min > 0 && time > 0);
  }

  /** Discard all input (TCIFLUSH, isig). */
  flushInput(): void {
    this.readTail = this.canonHead = this.readHead = 0;
    this.flags.fill(0);
    this.lnext = false;
    this.erasing = false;
    this.canonColumn = this.column;
  }

  /** Termios changed: switching ICANON moves the line boundary as Linux does. */
  setTermios(old: Termios): void {
    const was = (old.lflag & T.ICANON) !== 0, now = this.icanon;
    if (was !== now) {
      for (let i = this.readTail; i < this.readHead; i++) this.flags[i & MASK] &= ~F_EOL;
      this.erasing = false;
      this.lnext = false;
      if (!now || this.count === 0) {
        // Non-canonical: everything is readable. (EOF markers become NULs there, but
        // Linux stores them as __DISABLED_CHAR too.)
        this.canonHead = now ? this.readTail : this.readHead;
        if (!now) for (let i = this.readTail; i < this.readHead; i++) this.flags[i & MASK] = 0;
      } else {
        // Turning canonical on with pending data: it all becomes one completed line.
        this.flags[(this.readHead - 1) & MASK] |= F_EOL;
        this.canonHead = this.readHead;
      }
    }
    this.tty.readWq.wakeAll();
  }

  // ---- input -------------------------------------------------------------------------

  /** Process received characters; returns how many were taken (see receiveRoom). */
  receive(data: Uint8Array): number {
    let n = 0;
    for (; n < data.length; n++) {
      if (this.receiveRoom() <= 0) break;
      this.receiveChar(data[n]);
    }
    if (n > 0) this.lastRx = nowMs();
    this.commitEchoes();
    if (n > 0) this.tty.readWq.wakeAll();
    return n;
  }

  private receiveChar(c: number): void {
    const t = this.t;
    if (t.iflag & T.ISTRIP) c &= 0x7f;
    if ((t.iflag & T.IUCLC) && (t.lflag & T.IEXTEN) && c >= 65 && c <= 90) c += 32;
    if (t.lflag & T.EXTPROC) { this.put(c); return; }
    if (this.lnext) {
      this.lnext = false;
      this.receiveNormal(c);
      return;
    }
    if (t.iflag & T.IXON) {
      if (this.is(c, T.VSTOP)) { this.tty.stopOutput(); return; }
      if (this.is(c, T.VSTART)) { this.tty.startOutput(); return; }
    }
    if (t.lflag & T.ISIG) {
      const sig = this.is(c, T.VINTR) ? SIGINT : this.is(c, T.VQUIT) ? SIGQUIT : this.is(c, T.VSUSP) ? SIGTSTP : 0;
      if (sig) { this.receiveSignalChar(sig, c); return; }
    }
    if (this.tty.outputStopped && (t.iflag & T.IXON) && (t.iflag & T.IXANY)) this.tty.startOutput();
    if (c === 13) {
      if (t.iflag & T.IGNCR) return;
      if (t.iflag & T.ICRNL) c = 10;
    } else if (c === 10 && (t.iflag & T.INLCR)) c = 13;

    if (this.icanon) {
      const iext = (t.lflag & T.IEXTEN) !== 0;
      if (this.is(c, T.VERASE) || this.is(c, T.VKILL) || (iext && this.is(c, T.VWERASE))) {
        this.eraser(c);
        return;
      }
      if (iext && this.is(c, T.VLNEXT)) {
        this.lnext = true;
        if (t.lflag & T.ECHO) {
          this.finishErasing();
          if (t.lflag & T.ECHOCTL) this.echoBuf.push(94 /* ^ */, 8);
        }
        return;
      }
      if (iext && (t.lflag & T.ECHO) && this.is(c, T.VREPRINT)) { this.reprint(c); return; }
      if (c === 10) {
        if (t.lflag & (T.ECHO | T.ECHONL)) { this.finishErasing(); this.echoBuf.push(10); }
        this.newline(c, 0);
        return;
      }
      if (this.is(c, T.VEOF)) { this.newline(T.POSIX_VDISABLE, F_EOF); return; }
      if (this.is(c, T.VEOL) || (iext && this.is(c, T.VEOL2))) {
        if (t.lflag & T.ECHO) { this.finishErasing(); this.markCanonCol(); this.echoChar(c); }
        this.newline(c, 0);
        return;
      }
      // A full line buffer takes only terminators.
      if (this.count >= N_TTY_BUF_SIZE - 1) {
        if (t.iflag & T.IMAXBEL) this.echoBuf.push(7);
        return;
      }
    }
    this.receiveNormal(c);
  }

  /** An ordinary character: echo it and queue it. */
  private receiveNormal(c: number): void {
    const t = this.t;
    if (this.icanon && this.count >= N_TTY_BUF_SIZE - 1) return;
    if (t.lflag & T.ECHO) {
      this.finishErasing();
      if (c === 10) this.echoBuf.push(10);
      else { this.markCanonCol(); this.echoChar(c); }
    }
    this.put(c);
  }

  private receiveSignalChar(sig: number, c: number): void {
    // Echoes of earlier characters are shown (typed input arrives a byte at a time).
    this.commitEchoes();
    if (!(this.t.lflag & T.NOFLSH)) {
      this.tty.flushOutput();
      this.flushInput();
    }
    this.tty.signalFg(sig);
    if (this.t.iflag & T.IXON) this.tty.startOutput();
    if (this.t.lflag & T.ECHO) { this.echoChar(c); }
    this.commitEchoes();
  }

  private put(c: number): void {
    const i = this.readHead & MASK;
    this.buf[i] = c;
    this.flags[i] = 0;
    this.readHead++;
  }

  private newline(c: number, extra: number): void {
    const i = this.readHead & MASK;
    this.buf[i] = c;
    this.flags[i] = F_EOL | extra;
    this.readHead++;
    this.canonHead = this.readHead;
    this.canonColumn = this.column;
  }

  private markCanonCol(): void {
    if (this.canonHead === this.readHead) this.canonColumn = this.column + this.pendingEchoWidth();
  }

  /** Echo c, as ^X for control characters under ECHOCTL (not tab or newline). */
  private echoChar(c: number): void {
    if ((this.t.lflag & T.ECHOCTL) && isCntrl(c) && c !== 9 && c !== 10) this.echoBuf.push(94, c ^ 0x40);
    else this.echoBuf.push(c);
  }

  private finishErasing(): void {
    if (this.erasing) { this.echoBuf.push(47 /* / */); this.erasing = false; }
  }

  /** ERASE, WERASE and KILL in canonical mode. */
  private eraser(c: number): void {
    const t = this.t;
    if (this.readHead === this.canonHead) return;
    const kill = this.is(c, T.VKILL), erase = this.is(c, T.VERASE);
    const werase = !kill && !erase;
    const echo = (t.lflag & T.ECHO) !== 0;
    if (kill) {
      if (!echo) { this.readHead = this.canonHead; return; }
      if (!(t.lflag & T.ECHOK) || !(t.lflag & T.ECHOKE) || !(t.lflag & T.ECHOE)) {
        this.readHead = this.canonHead;
        this.finishErasing();
        this.echoChar(c);
        if (t.lflag & T.ECHOK) this.echoBuf.push(10);
        return;
      }
    }
    let seenAlnums = 0;
    while (this.readHead > this.canonHead) {
      let head = this.readHead - 1;
      let ch = this.buf[head & MASK];
      // Erase a whole UTF-8 sequence.
      let cnt = 1;
      if (t.iflag & T.IUTF8) {
        while (isCont(ch) && head > this.canonHead) { head--; cnt++; ch = this.buf[head & MASK]; }
      }
      if (werase) {
        if (isAlnum(ch)) seenAlnums++;
        else if (seenAlnums) break;
      }
      this.readHead = head;
      if (echo) {
        if (t.lflag & T.ECHOPRT) {
          if (!this.erasing) { this.echoBuf.push(92 /* \ */); this.erasing = true; }
          for (let k = 0; k < cnt; k++) this.echoChar(this.buf[(head + k) & MASK]);
        } else if (erase && !(t.lflag & T.ECHOE)) {
          this.echoChar(c);
        } else if (ch === 9) {
          const after = this.lineWidth();
          const before = this.column + this.pendingEchoWidth();
          for (let k = 0; k < before - after; k++) this.echoBuf.push(8);
        } else {
          if (isCntrl(ch) && (t.lflag & T.ECHOCTL)) this.echoBuf.push(8, 32, 8);
          if (!isCntrl(ch) || (t.lflag & T.ECHOCTL)) this.echoBuf.push(8, 32, 8);
        }
      }
      if (erase) break;
    }
    if (this.readHead === this.canonHead && echo) this.finishErasing();
  }

  /** Display column at the end of the current (unfinished) line, as echoed. */
  private lineWidth(): number {
    let col = this.canonColumn;
    const ctl = (this.t.lflag & T.ECHOCTL) !== 0;
    for (let i = this.canonHead; i < this.readHead; i++) {
      const ch = this.buf[i & MASK];
      if (ch === 9) col = (col | 7) + 1;
      else if (isCntrl(ch)) { if (ctl) col += 2; }
      else if (!((this.t.iflag & T.IUTF8) && isCont(ch))) col++;
    }
    return col;
  }

  /** How far the not yet written echo bytes move the column (approximately). */
  private pendingEchoWidth(): number {
    let col = 0;
    for (const ch of this.echoBuf) {
      if (ch === 8) col--;
      else if (ch === 10 || ch === 13) col = -this.column;
      else if (ch === 9) col = ((this.column + col) | 7) + 1 - this.column;
      else if (!isCntrl(ch) && !isCont(ch)) col++;
    }
    return col;
  }

  private reprint(c: number): void {
    this.finishErasing();
    this.echoChar(c);
    this.echoBuf.push(10);
    this.commitEchoes();
    this.canonColumn = this.column;
    for (let i = this.canonHead; i < this.readHead; i++) this.echoChar(this.buf[i & MASK]);
  }

  private commitEchoes(): void {
    if (this.echoBuf.length === 0) return;
    const b = Uint8Array.from(this.echoBuf);
    this.echoBuf.length = 0;
    this.tty.driverWrite(this.processOutput(b));
  }

  /** Host input ended: a partial line becomes readable, as if EOF had been typed. */
  inputEnded(): void {
    if (this.icanon && this.readHead > this.canonHead) this.newline(T.POSIX_VDISABLE, F_EOF);
    this.tty.readWq.wakeAll();
  }

  // ---- reading -----------------------------------------------------------------------

  /** read(2): bytes, 0 (EOF / VMIN=0 timeout), -EAGAIN, or BLOCK after s.blockOn. */
  read(dst: Uint8Array, nonblock: boolean, s: Sleeper): number {
    if (dst.length === 0) return 0;
    return this.icanon ? this.readCanon(dst, nonblock, s) : this.readRaw(dst, nonblock, s);
  }

  private readCanon(dst: Uint8Array, nonblock: boolean, s: Sleeper): number {
    if (this.canonHead === this.readTail) {
      if (this.tty.inputEnded) return 0;
      if (nonblock) return -EAGAIN;
      s.blockOn(this.tty.readWq);
      return BLOCK;
    }
    let n = 0;
    while (this.readTail < this.canonHead && n < dst.length) {
      const i = this.readTail & MASK;
      const f = this.flags[i];
      this.readTail++;
      if (f & F_EOL) {
        this.flags[i] = 0;
        if (!(f & F_EOF)) dst[n++] = this.buf[i];
        return n;
      }
      dst[n++] = this.buf[i];
    }
    // The buffer filled exactly up to an EOF mark: consume it with the data.
    if (this.readTail < this.canonHead && (this.flags[this.readTail & MASK] & F_EOF)) {
      this.flags[this.readTail & MASK] = 0;
      this.readTail++;
    }
    return n;
  }

  private copyRaw(dst: Uint8Array): number {
    const n = Math.min(dst.length, this.count);
    for (let k = 0; k < n; k++) dst[k] = this.buf[(this.readTail + k) & MASK];
    this.readTail += n;
    this.canonHead = Math.max(this.canonHead, this.readTail);
    return n;
  }

  private readRaw(dst: Uint8Array, nonblock: boolean, s: Sleeper): number {
    const min = this.cc(T.VMIN), time = this.cc(T.VTIME);
    const avail = this.count;
    if (min === 0) {
      if (avail > 0) { this.deadlines.delete(s); return this.copyRaw(dst); }
      if (time === 0 || this.tty.inputEnded) return 0;
      if (nonblock) return -EAGAIN;
      // Overall timer from the start of the read.
      const now = nowMs();
      let dl = this.deadlines.get(s);
      if (dl !== undefined && now >= dl) { this.deadlines.delete(s); return 0; }
      if (dl === undefined) { dl = now + time * 100; this.deadlines.set(s, dl); }
      this.armTimer(dl - now);
      s.blockOn(this.tty.readWq);
      return BLOCK;
    }
    const need = Math.min(min, dst.length);
    if (avail >= need) return this.copyRaw(dst);
    if (avail > 0 && (nonblock || this.tty.inputEnded)) return this.copyRaw(dst);
    if (avail === 0) {
      if (this.tty.inputEnded) return 0;
      if (nonblock) return -EAGAIN;
      s.blockOn(this.tty.readWq);
      return BLOCK;
    }
    if (time > 0) {
      // Inter-byte timer: started by the last character received.
      const left = this.lastRx + time * 100 - nowMs();
      if (left <= 0) return this.copyRaw(dst);
      this.armTimer(left);
    }
    s.blockOn(this.tty.readWq);
    return BLOCK;
  }

  private armTimer(ms: number): void {
    addTimer(Math.max(1, Math.ceil(ms)), () => this.tty.readWq.wakeAll());
  }

  // ---- output ------------------------------------------------------------------------

  /** Apply OPOST processing to bytes written by a program (or echoed). */
  processOutput(b: Uint8Array): Uint8Array {
    const o = this.t.oflag;
    if (!(o & T.OPOST)) {
      for (const c of b) this.trackColumn(c);
      return b;
    }
    let out: number[] | null = null;
    for (let k = 0; k < b.length; k++) {
      const c = b[k];
      let emit: number[] | null = null;
      switch (c) {
        case 10:
          if (o & T.ONLRET) this.column = 0;
          if (o & T.ONLCR) { this.column = 0; emit = [13, 10]; }
          break;
        case 13:
          if ((o & T.ONOCR) && this.column === 0) { emit = []; break; }
          if (o & T.OCRNL) { if (o & T.ONLRET) this.column = 0; emit = [10]; break; }
          this.column = 0;
          break;
        case 9: {
          const spaces = 8 - (this.column & 7);
          if ((o & T.TABDLY) === T.XTABS) emit = new Array<number>(spaces).fill(32);
          this.column += spaces;
          break;
        }
        case 8:
          if (this.column > 0) this.column--;
          break;
        default:
          if ((o & T.OLCUC) && c >= 97 && c <= 122) emit = [c - 32];
          if (!isCntrl(c) && !((this.t.iflag & T.IUTF8) && isCont(c))) this.column++;
      }
      if (emit !== null && out === null) out = Array.from(b.subarray(0, k));
      if (out !== null) { if (emit !== null) out.push(...emit); else out.push(c); }
    }
    return out === null ? b : Uint8Array.from(out);
  }

  private trackColumn(c: number): void {
    if (c === 10 || c === 13) this.column = 0;
    else if (c === 9) this.column = (this.column | 7) + 1;
    else if (c === 8) { if (this.column > 0) this.column--; }
    else if (!isCntrl(c) && !isCont(c)) this.column++;
  }
}
