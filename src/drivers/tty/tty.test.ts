import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tty, TtyDriver, TtyFile, disassociateCtty, openCtty } from './tty.js';
import { CttyRef, setTtyJobControl, TtyJobControl, TtyProc, SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH, SIGHUP } from './jobctl.js';
import { Termios } from './termios.js';
import * as T from '../../abi/linux/termios.js';
import * as I from '../../abi/linux/ioctl.js';
import { EAGAIN, EINVAL, EIO, ENOTTY, ENXIO, EPERM, ERESTARTSYS } from '../../abi/linux/errno.js';
import { O_NOCTTY, O_RDWR } from '../../abi/linux/fcntl.js';
import { BLOCK, WaitQueue } from '../../lib/waitqueue.js';
import { PhysMem } from '../../mm/phys.js';
import { AddressSpace } from '../../mm/aspace.js';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../../abi/linux/mman.js';
import { copyOut, readBytes, readI32, writeU32 } from '../../mm/usercopy.js';

class Out implements TtyDriver {
  bytes: number[] = [];
  write(b: Uint8Array): void { this.bytes.push(...b); }
  take(): string { const s = Buffer.from(this.bytes).toString('latin1'); this.bytes = []; return s; }
}
class Sl { blocked: WaitQueue[] = []; blockOn(wq: WaitQueue): void { this.blocked.push(wq); } }

const enc = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
function mk(): { tty: Tty; out: Out; f: TtyFile } {
  setTtyJobControl(null);
  const out = new Out();
  const tty = new Tty('ttyT', out);
  const f = tty.open(O_RDWR) as TtyFile;
  return { tty, out, f };
}
function rd(f: TtyFile, n = 100, nonblock = true, s = new Sl()): string | number {
  const b = new Uint8Array(n);
  const r = f.read(b, nonblock, s);
  return r < 0 ? r : Buffer.from(b.subarray(0, r)).toString('latin1');
}
function setFlags(tty: Tty, fn: (t: Termios) => void): void {
  const t = tty.termios.clone(); fn(t); tty.setTermios(t);
}

test('default termios is tty_std_termios', () => {
  const t = new Termios();
  assert.equal(t.iflag, T.ICRNL | T.IXON);
  assert.equal(t.oflag, T.OPOST | T.ONLCR);
  assert.equal(t.cflag, T.B38400 | T.CS8 | T.CREAD | T.HUPCL);
  assert.equal(t.lflag, T.ISIG | T.ICANON | T.ECHO | T.ECHOE | T.ECHOK | T.ECHOCTL | T.ECHOKE | T.IEXTEN);
  assert.deepEqual([...t.cc.subarray(0, 7)], [3, 28, 127, 21, 4, 0, 1]);
  const b = t.encode(true);
  assert.equal(b.length, 44);
  const d = Termios.decode(b, true);
  assert.deepEqual(d, t);
  assert.equal(Termios.decode(t.encode(false), false).ospeed, 38400);
});

test('canonical mode: a line is readable only once complete; ICRNL; echo with ONLCR', () => {
  const { tty, out, f } = mk();
  tty.receive(enc('hello'));
  assert.equal(rd(f), -EAGAIN);
  assert.equal(f.available(), 0);
  const s = new Sl();
  assert.equal(rd(f, 100, false, s), BLOCK);
  assert.equal(s.blocked[0], tty.readWq);
  tty.receive(enc('\r'));
  assert.equal(out.take(), 'hello\r\n');
  assert.equal(f.available(), 6);
  assert.equal(rd(f), 'hello\n');
});

test('a short read returns part of the line; the rest follows', () => {
  const { tty, f } = mk();
  tty.receive(enc('abcdef\nxy\n'));
  assert.equal(rd(f, 4), 'abcd');
  assert.equal(rd(f, 100), 'ef\n');
  assert.equal(rd(f, 100), 'xy\n');
});

test('ERASE, KILL, WERASE editing and their echo', () => {
  const { tty, out, f } = mk();
  tty.receive(enc('abc\x7f'));
  assert.equal(out.take(), 'abc\b \b');
  tty.receive(enc('\x15'));           // ^U with ECHOKE: erase visually
  assert.equal(out.take(), '\b \b\b \b');
  tty.receive(enc('foo bar  \x17'));   // ^W: trailing blanks and the word
  out.take();
  tty.receive(enc('\n'));
  assert.equal(rd(f), 'foo \n');
  out.take();
  // KILL without ECHOKE: echo ^U and a newline (ECHOK)
  setFlags(tty, (t) => { t.lflag &= ~T.ECHOKE; });
  tty.receive(enc('zz\x15'));
  assert.equal(out.take(), 'zz^U\r\n');
  tty.receive(enc('q\n'));
  assert.equal(rd(f), 'q\n');
  out.take();
  // ERASE without ECHOE echoes the erase character
  setFlags(tty, (t) => { t.lflag &= ~T.ECHOE; });
  tty.receive(enc('ab\x7f'));
  assert.equal(out.take(), 'ab^?');
  // erasing a control character under ECHOCTL erases two columns
  setFlags(tty, (t) => { t.lflag |= T.ECHOE; });
  tty.receive(enc('\n'));
  rd(f); out.take();
  tty.receive(enc('\x01\x7f'));
  assert.equal(out.take(), '^A\b \b\b \b');
  // erase at the start of a line does nothing
  tty.receive(enc('\x7f'));
  assert.equal(out.take(), '');
});

test('erasing a tab backs up to where the tab started', () => {
  const { tty, out } = mk();
  tty.receive(enc('ab\t'));
  assert.equal(out.take(), 'ab\t');
  tty.receive(enc('\x7f'));
  assert.equal(out.take(), '\b\b\b\b\b\b');
});

test('EOF: ^D at line start reads 0, ^D after text pushes the line without newline', () => {
  const { tty, out, f } = mk();
  tty.receive(enc('abc\x04'));
  assert.equal(out.take(), 'abc');
  assert.equal(rd(f), 'abc');
  assert.equal(rd(f), -EAGAIN);
  tty.receive(enc('\x04'));
  assert.equal(rd(f), '');
  tty.receive(enc('xy\x04'));
  assert.equal(rd(f, 2), 'xy');          // the EOF mark is consumed with the data
  assert.equal(rd(f), -EAGAIN);
});

test('EOL, LNEXT, REPRINT', () => {
  const { tty, out, f } = mk();
  setFlags(tty, (t) => { t.cc[T.VEOL] = 0x3b; }); // ';'
  tty.receive(enc('a;'));
  assert.equal(rd(f), 'a;');
  out.take();
  tty.receive(enc('\x16\x03\x16\x7f\n'));        // ^V^C ^V DEL: literal
  assert.equal(out.take(), '^\b^C^\b^?\r\n');
  assert.equal(rd(f), '\x03\x7f\n');
  tty.receive(enc('xy\x12'));
  assert.equal(out.take(), 'xy^R\r\nxy');
});

test('ECHOCTL shows ^C on INTR; ISIG signals the foreground group and flushes input', () => {
  const { tty, out, f } = mk();
  const sigs: [number, number][] = [];
  const jc: TtyJobControl = {
    current: () => null, signalPgrp: (pg, sig) => { sigs.push([pg, sig]); },
    pgrpInSession: () => true, isOrphanedPgrp: () => false,
  };
  setTtyJobControl(jc);
  tty.pgrp = 42;
  tty.receive(enc('abc\x03'));
  assert.equal(out.take(), 'abc^C');
  tty.receive(enc('\n'));
  assert.equal(rd(f), '\n');              // 'abc' was flushed
  tty.receive(enc('\x1c\x1a'));
  assert.deepEqual(sigs, [[42, SIGINT], [42, SIGQUIT], [42, SIGTSTP]]);
  setFlags(tty, (t) => { t.lflag |= T.NOFLSH; });
  tty.receive(enc('k\x03\n'));
  assert.equal(rd(f), 'k\n');
  setFlags(tty, (t) => { t.lflag &= ~T.ISIG; });
  tty.receive(enc('\x03\n'));
  assert.equal(rd(f), '\x03\n');
  setTtyJobControl(null);
});

test('ECHONL, no ECHO, INLCR, IGNCR', () => {
  const { tty, out, f } = mk();
  setFlags(tty, (t) => { t.lflag &= ~T.ECHO; t.lflag |= T.ECHONL; });
  tty.receive(enc('secret\n'));
  assert.equal(out.take(), '\r\n');
  assert.equal(rd(f), 'secret\n');
  setFlags(tty, (t) => { t.iflag |= T.IGNCR; });
  tty.receive(enc('a\rb\n'));
  assert.equal(rd(f), 'ab\n');
  setFlags(tty, (t) => { t.iflag &= ~(T.IGNCR | T.ICRNL); t.iflag |= T.INLCR; t.lflag &= ~T.ICANON; });
  tty.receive(enc('\n'));
  assert.equal(rd(f), '\r');
});

test('output processing: ONLCR, OPOST off, OCRNL, ONOCR, XTABS, OLCUC', () => {
  const { tty, out, f } = mk();
  const s = new Sl();
  assert.equal(f.write(enc('a\nb\n'), false, s), 4);
  assert.equal(out.take(), 'a\r\nb\r\n');
  setFlags(tty, (t) => { t.oflag &= ~T.OPOST; });
  f.write(enc('a\nb'), false, s);
  assert.equal(out.take(), 'a\nb');
  setFlags(tty, (t) => { t.oflag = T.OPOST | T.OCRNL | T.XTABS | T.OLCUC; });
  f.write(enc('\rx\ty'), false, s);
  assert.equal(out.take(), '\nX      Y');
  setFlags(tty, (t) => { t.oflag = T.OPOST | T.ONOCR; });
  f.write(enc('\r\n\rq\r'), false, s);
  assert.equal(out.take(), '\r\nq\r');   // the first \r ends column 2
});

test('raw mode: VMIN=0 VTIME=0 never blocks; VMIN=2 waits for two bytes', () => {
  const { tty, f } = mk();
  setFlags(tty, (t) => { t.lflag &= ~(T.ICANON | T.ECHO); t.cc[T.VMIN] = 0; t.cc[T.VTIME] = 0; });
  const s = new Sl();
  assert.equal(rd(f, 10, false, s), '');
  assert.equal(s.blocked.length, 0);
  tty.receive(enc('xyz'));
  assert.equal(rd(f, 2, false), 'xy');
  assert.equal(rd(f, 10, false), 'z');
  setFlags(tty, (t) => { t.cc[T.VMIN] = 2; });
  tty.receive(enc('1'));
  assert.equal(rd(f, 10, false, s), BLOCK);
  assert.equal(f.poll() & 1, 0);
  assert.equal(rd(f, 10, true), '1');      // O_NONBLOCK: what there is
  assert.equal(rd(f, 10, true), -EAGAIN);
  tty.receive(enc('12'));
  assert.equal(f.poll() & 1, 1);
  assert.equal(rd(f, 10, false), '12');
});

test('raw mode: VMIN=0 VTIME>0 times out and returns 0', async () => {
  const { tty, f } = mk();
  setFlags(tty, (t) => { t.lflag &= ~T.ICANON; t.cc[T.VMIN] = 0; t.cc[T.VTIME] = 1; });
  const s = new Sl();
  assert.equal(rd(f, 10, false, s), BLOCK);
  const keep = setTimeout(() => {}, 60_000);   // keeps the event loop alive until the VTIME timer fires, however late
  await new Promise<void>((res) => { const w = { wake: () => res() }; tty.readWq.add(w); });
  clearTimeout(keep);
  assert.equal(rd(f, 10, false, s), '');
});

test('switching ICANON off makes a partial line readable', () => {
  const { tty, f } = mk();
  tty.receive(enc('par'));
  assert.equal(rd(f), -EAGAIN);
  setFlags(tty, (t) => { t.lflag &= ~T.ICANON; });
  assert.equal(rd(f), 'par');
});

test('host EOF: a partial line, then 0 forever; POLLHUP', () => {
  const { tty, f } = mk();
  tty.receive(enc('tail'));
  tty.endOfInput();
  assert.equal(rd(f), 'tail');
  assert.equal(rd(f, 10, false), '');
  assert.equal(rd(f, 10, false), '');
  assert.ok(f.poll() & 0x10);
});

test('IXON: ^S stops output (writes block), ^Q restarts', () => {
  const { tty, out, f } = mk();
  tty.receive(enc('\x13'));
  const s = new Sl();
  assert.equal(f.write(enc('x'), false, s), BLOCK);
  assert.equal(f.write(enc('x'), true, s), -EAGAIN);
  tty.receive(enc('\x11'));
  assert.equal(f.write(enc('x'), false, s), 1);
  assert.equal(out.take(), 'x');
});

test('a full line buffer keeps taking newlines; input beyond room waits', () => {
  const { tty, f } = mk();
  setFlags(tty, (t) => { t.lflag &= ~T.ECHO; });
  tty.receive(new Uint8Array(5000).fill(97));
  tty.receive(enc('\n'));
  const r = rd(f, 10000) as string;
  assert.equal(r.length, 4096);
  assert.ok(r.endsWith('a\n'));
  // raw mode: nothing is lost, the tty holds what the line discipline cannot
  setFlags(tty, (t) => { t.lflag &= ~T.ICANON; });
  tty.receive(new Uint8Array(10000).fill(98));
  let total = 0;
  for (;;) { const x = rd(f, 3000); if (typeof x !== 'string' || x === '') break; total += x.length; }
  assert.equal(total, 10000);
});

// ---- ioctls and job control -----------------------------------------------------------

function guestMem(): AddressSpace {
  const mm = new AddressSpace(new PhysMem(1 << 20));
  mm.mmap(0x10000, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, null, 0);
  return mm;
}

class FakeProc implements TtyProc {
  ctty: CttyRef | null = null;
  ignored = new Set<number>();
  isAdmin = false;
  constructor(public pid: number, public pgid: number, public sid: number) {}
  get isSessionLeader(): boolean { return this.pid === this.sid; }
  sigIgnoredOrBlocked(sig: number): boolean { return this.ignored.has(sig); }
}
class FakeJc implements TtyJobControl {
  cur: FakeProc | null = null;
  sigs: [number, number][] = [];
  groups = new Map<number, number>(); // pgid -> sid
  orphaned = new Set<number>();
  procs: FakeProc[] = [];
  current(): TtyProc | null { return this.cur; }
  signalPgrp(pgid: number, sig: number): void { this.sigs.push([pgid, sig]); }
  pgrpInSession(pgid: number, sid: number): boolean { return this.groups.get(pgid) === sid; }
  isOrphanedPgrp(pgid: number): boolean { return this.orphaned.has(pgid); }
  clearSessionCtty(sid: number): void { for (const p of this.procs) if (p.sid === sid) p.ctty = null; }
}

function jobSetup(): { tty: Tty; out: Out; jc: FakeJc; leader: FakeProc; bg: FakeProc; mm: AddressSpace; f: TtyFile } {
  const out = new Out();
  const tty = new Tty('ttyJ', out);
  const jc = new FakeJc();
  setTtyJobControl(jc);
  const leader = new FakeProc(100, 100, 100);
  const bg = new FakeProc(101, 101, 100);
  jc.procs.push(leader, bg);
  jc.groups.set(100, 100).set(101, 100).set(200, 200);
  jc.cur = leader;
  const f = tty.open(O_RDWR) as TtyFile;   // the session leader acquires the tty
  bg.ctty = leader.ctty;
  return { tty, out, jc, leader, bg, mm: guestMem(), f };
}

test('a session leader opening a tty acquires it; O_NOCTTY and others do not', () => {
  const { tty, leader } = jobSetup();
  assert.equal(leader.ctty, tty);
  assert.equal(tty.session, 100);
  assert.equal(tty.pgrp, 100);
  const other = new Tty('ttyK', new Out());
  const p2 = new FakeProc(300, 300, 300);
  (jobSetup as unknown);
  const jc = new FakeJc(); jc.cur = p2; setTtyJobControl(jc);
  other.open(O_RDWR | O_NOCTTY);
  assert.equal(p2.ctty, null);
  other.open(O_RDWR, true);                // /dev/console never becomes a ctty
  assert.equal(p2.ctty, null);
  other.open(O_RDWR);
  assert.equal(p2.ctty, other);
  // /dev/tty
  assert.equal((openCtty(O_RDWR, null) as TtyFile).tty, other);
  jc.cur = new FakeProc(400, 400, 400);
  assert.equal(openCtty(O_RDWR, null), -ENXIO);
  setTtyJobControl(null);
});

test('TIOCGPGRP/TIOCSPGRP/TIOCGSID rules', () => {
  const { tty, jc, leader, mm, f } = jobSetup();
  const a = 0x10000;
  assert.equal(f.ioctl(I.TIOCGPGRP, a, mm, new Sl()), 0);
  assert.equal(readI32(mm, a), 100);
  assert.equal(f.ioctl(I.TIOCGSID, a, mm, new Sl()), 0);
  assert.equal(readI32(mm, a), 100);
  writeU32(mm, a, 101);
  assert.equal(f.ioctl(I.TIOCSPGRP, a, mm, new Sl()), 0);
  assert.equal(tty.pgrp, 101);
  writeU32(mm, a, -5);
  // leader is now in the background: SIGTTOU unless ignored
  assert.equal(f.ioctl(I.TIOCSPGRP, a, mm, new Sl()), -ERESTARTSYS);
  assert.deepEqual(jc.sigs.pop(), [100, SIGTTOU]);
  leader.ignored.add(SIGTTOU);
  assert.equal(f.ioctl(I.TIOCSPGRP, a, mm, new Sl()), -EINVAL);
  writeU32(mm, a, 200);                    // a group of another session
  assert.equal(f.ioctl(I.TIOCSPGRP, a, mm, new Sl()), -EPERM);
  writeU32(mm, a, 100);
  assert.equal(f.ioctl(I.TIOCSPGRP, a, mm, new Sl()), 0);
  // a process for which this is not the controlling tty
  jc.cur = new FakeProc(500, 500, 500);
  assert.equal(f.ioctl(I.TIOCGPGRP, a, mm, new Sl()), -ENOTTY);
  assert.equal(f.ioctl(I.TIOCSPGRP, a, mm, new Sl()), -ENOTTY);
  assert.equal(f.ioctl(I.TIOCGSID, a, mm, new Sl()), -ENOTTY);
  setTtyJobControl(null);
});

test('background read: SIGTTIN to the group, EIO if ignored or orphaned; TOSTOP writes', () => {
  const { tty, jc, bg, f } = jobSetup();
  tty.receive(enc('line\n'));
  jc.cur = bg;
  assert.equal(rd(f), -ERESTARTSYS);
  assert.deepEqual(jc.sigs.pop(), [101, SIGTTIN]);
  jc.orphaned.add(101);
  assert.equal(rd(f), -EIO);
  jc.orphaned.clear();
  bg.ignored.add(SIGTTIN);
  assert.equal(rd(f), -EIO);
  // writes go through unless TOSTOP
  assert.equal(f.write(enc('x'), false, new Sl()), 1);
  setFlags(tty, (t) => { t.lflag |= T.TOSTOP; });
  assert.equal(f.write(enc('x'), false, new Sl()), -ERESTARTSYS);
  assert.deepEqual(jc.sigs.pop(), [101, SIGTTOU]);
  bg.ignored.add(SIGTTOU);
  assert.equal(f.write(enc('x'), false, new Sl()), 1);
  // the foreground reads normally
  jc.cur = jc.procs[0];
  assert.equal(rd(f), 'line\n');
  setTtyJobControl(null);
});

test('background tcsetattr gets SIGTTOU; console-redirect files are exempt from read checks', () => {
  const { tty, jc, bg, mm } = jobSetup();
  const con = tty.open(O_RDWR, true) as TtyFile;
  jc.cur = bg;
  copyOut(mm, 0x10000, tty.termios.encode(false));
  assert.equal(con.ioctl(I.TCSETS, 0x10000, mm, new Sl()), -ERESTARTSYS);
  assert.deepEqual(jc.sigs.pop(), [101, SIGTTOU]);
  tty.receive(enc('hi\n'));
  assert.equal(rd(con), 'hi\n');
  setTtyJobControl(null);
});

test('TCGETS/TCSETS/TCSETSF/TCGETS2, TIOCGWINSZ/TIOCSWINSZ (SIGWINCH), FIONREAD, TCFLSH', () => {
  const { tty, jc, mm, f } = jobSetup();
  const a = 0x10000, s = new Sl();
  assert.equal(f.ioctl(I.TCGETS, a, mm, s), 0);
  const raw = readBytes(mm, a, 36);
  assert.deepEqual(raw, tty.termios.encode(false));
  raw[12] &= ~T.ICANON;                     // c_lflag low byte
  copyOut(mm, a, raw);
  assert.equal(f.ioctl(I.TCSETS, a, mm, s), 0);
  assert.equal(tty.termios.lflag & T.ICANON, 0);
  assert.equal(f.ioctl(T.TCGETS2, a, mm, s), 0);
  assert.equal(readI32(mm, a + 36), 38400);
  tty.receive(enc('abc'));
  assert.equal(f.ioctl(I.FIONREAD, a, mm, s), 0);
  assert.equal(readI32(mm, a), 3);
  assert.equal(f.ioctl(I.TCFLSH, T.TCIFLUSH, mm, s), 0);
  assert.equal(f.available(), 0);
  assert.equal(f.ioctl(I.TCFLSH, 7, mm, s), -EINVAL);
  tty.receive(enc('abc'));
  copyOut(mm, a, tty.termios.encode(false));
  assert.equal(f.ioctl(I.TCSETSF, a, mm, s), 0);
  assert.equal(f.available(), 0);
  copyOut(mm, a, Uint8Array.of(24, 0, 80, 0, 0, 0, 0, 0));
  assert.equal(f.ioctl(I.TIOCSWINSZ, a, mm, s), 0);
  assert.deepEqual(jc.sigs.pop(), [100, SIGWINCH]);
  assert.equal(f.ioctl(I.TIOCSWINSZ, a, mm, s), 0);   // unchanged: no signal
  assert.equal(jc.sigs.length, 0);
  copyOut(mm, a, new Uint8Array(8));
  assert.equal(f.ioctl(I.TIOCGWINSZ, a, mm, s), 0);
  assert.deepEqual(readBytes(mm, a, 8), Uint8Array.of(24, 0, 80, 0, 0, 0, 0, 0));
  assert.equal(f.ioctl(I.TCSBRK, 1, mm, s), 0);
  assert.equal(f.ioctl(I.TCXONC, T.TCOON, mm, s), 0);
  assert.equal(f.ioctl(0x54ff, 0, mm, s), -ENOTTY);
  setTtyJobControl(null);
});

test('TIOCSCTTY, TIOCNOTTY, session leader exit', () => {
  const out = new Out();
  const tty = new Tty('ttyS', out);
  const jc = new FakeJc(); setTtyJobControl(jc);
  const p = new FakeProc(10, 10, 10), child = new FakeProc(11, 10, 10);
  jc.procs.push(p, child);
  jc.cur = p;
  const f = tty.open(O_RDWR | O_NOCTTY) as TtyFile;
  const mm = guestMem();
  jc.cur = child;
  assert.equal(f.ioctl(I.TIOCSCTTY, 0, mm, new Sl()), -EPERM);   // not a leader
  jc.cur = p;
  assert.equal(f.ioctl(I.TIOCSCTTY, 0, mm, new Sl()), 0);
  assert.equal(p.ctty, tty);
  child.ctty = tty;
  assert.equal(f.ioctl(I.TIOCSCTTY, 0, mm, new Sl()), 0);        // already ours
  const q = new FakeProc(20, 20, 20); jc.cur = q;
  assert.equal(f.ioctl(I.TIOCSCTTY, 0, mm, new Sl()), -EPERM);   // another session's
  jc.cur = p;
  assert.equal(f.ioctl(I.TIOCNOTTY, 0, mm, new Sl()), 0);
  assert.deepEqual(jc.sigs.map((x) => x[1]), [SIGHUP, 18]);
  assert.equal(p.ctty, null);
  assert.equal(child.ctty, null);
  assert.equal(tty.session, 0);
  // reacquire, then the leader exits: the tty is hung up for non-console files
  assert.equal(f.ioctl(I.TIOCSCTTY, 0, mm, new Sl()), 0);
  disassociateCtty(p, true);
  assert.equal(p.ctty, null);
  assert.equal(rd(f), '');
  assert.equal(f.write(enc('x'), false, new Sl()), -EIO);
  setTtyJobControl(null);
});
