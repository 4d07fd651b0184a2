// Host channels for consoles and serial lines (UML's con=, conN=, ssl=, sslN=).
//
// A line's spec is `IN[,OUT]`: one channel for both directions, or an input channel and
// an output channel. The kinds:
//   fd:N      a host file descriptor (fd:0: hoststdin.ts, the host stdin)
//   null      no input ever; output discarded
//   port:N    a TCP listener on 127.0.0.1:N (telnet or nc); lines naming the same port
//             share it, each connection takes the next free line (port:N only alone)
//   file:PATH output appended to a host file (output only)
//   pts, xterm  refused: Node has no bare host pseudo-terminal (node-pty only spawns
//             programs in one) and tuml opens no X terminals
// The tty side (drivers/tty/lines.ts) turns a parsed spec into a TtyDriver.
import * as fs from 'node:fs';
import type * as net from 'node:net';
import { nodeNet, nodeTty } from '../../lib/nodemods.js';
import { hostStdin, type HostInput } from './hoststdin.js';

export type ChanSpec =
  | { kind: 'fd'; fd: number }
  | { kind: 'null' }
  | { kind: 'port'; port: number }
  | { kind: 'file'; path: string };

export interface LineSpec { input: ChanSpec; output: ChanSpec; text: string; }

/** Parse a line's spec; a one-line error string when it is unusable. */
export function parseLineSpec(key: string, text: string): LineSpec | string {
  const parts = text.split(',');
  if (parts.length > 2 || parts.some((p) => p === '')) return `${key}=${text}: expected CHANNEL or IN,OUT`;
  const chans: ChanSpec[] = [];
  for (const p of parts) {
    let m: RegExpExecArray | null;
    if (p === 'null') chans.push({ kind: 'null' });
    else if ((m = /^fd:(\d+)$/.exec(p))) chans.push({ kind: 'fd', fd: Number(m[1]) });
    else if ((m = /^port:(\d+)$/.exec(p))) {
      const port = Number(m[1]);
      if (port > 65535) return `${key}=${text}: port ${port} is out of range (0-65535)`;
      chans.push({ kind: 'port', port });
    } else if ((m = /^file:(.+)$/.exec(p))) chans.push({ kind: 'file', path: m[1] });
    else if (p === 'pts' || p.startsWith('pts:')) {
      return `${key}=${text}: host pseudo-terminals (pts) are not supported (Node has no bare pty master; node-pty only spawns programs); use port:N or fd:N`;
    } else if (p === 'xterm' || p.startsWith('xterm:')) {
      return `${key}=${text}: xterm channels are not supported; use port:N and a telnet client`;
    } else return `${key}=${text}: unknown channel '${p}' (fd:N, null, port:N, file:PATH)`;
  }
  const input = chans[0], output = chans[1] ?? chans[0];
  if (input.kind === 'file' && chans.length === 2) return `${key}=${text}: file: is an output channel only`;
  if ((input.kind === 'port' || output.kind === 'port') && (chans.length === 2 && (input.kind !== 'port' || output.kind !== 'port' || input.port !== output.port))) {
    return `${key}=${text}: port:N carries both directions; give it alone`;
  }
  return { input: input.kind === 'file' ? { kind: 'null' } : input, output, text };
}

// ---- the line side a channel talks to ---------------------------------------------

/** What a channel delivers to (a tty line). */
export interface ChanSink {
  /** Bytes from the host. */
  receive(b: Uint8Array): void;
  /** The host input ended for good (fd channel at EOF). */
  endOfInput(): void;
  /** A port client connected (the line is fresh). */
  connected(): void;
  /** The port client went away: hang up the line. */
  hungUp(): void;
  /** Window size from the host (telnet NAWS). */
  resize(rows: number, cols: number): void;
  /** Received bytes still waiting for the guest. */
  readonly backlog: number;
}

/** Pause host input when this many received bytes wait for the guest. */
export const HIGH_WATER = 64 * 1024;

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void { Atomics.wait(sleepCell, 0, 0, ms); }

/** Write all of b to a host fd, retrying while a non-blocking fd says EAGAIN. */
export function writeFdSync(fd: number, b: Uint8Array): boolean {
  let off = 0, spins = 0;
  while (off < b.length) {
    try {
      off += fs.writeSync(fd, b, off, b.length - off);
      spins = 0;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' && spins++ < 10000) { sleepMs(1); continue; }
      return false;
    }
  }
  return true;
}

/** One direction or both of a line's host side. */
export interface Chan {
  /** Output bytes (already processed by the line discipline). */
  write?(b: Uint8Array): void;
  /** The line this channel delivers to, known from the start (a port client may connect
   *  before any guest reads). */
  bind?(sink: ChanSink): void;
  /** A guest reader waits: start (or resume) delivering input to the sink. */
  wantInput?(sink: ChanSink): void;
  /** Close host resources (machine shutdown or reboot). */
  close(): void;
}

class NullChan implements Chan {
  write(): void { /* discarded */ }
  close(): void {}
}

class FileChan implements Chan {
  private fd: number;
  constructor(readonly path: string) {
    this.fd = fs.openSync(path, 'a');
  }
  write(b: Uint8Array): void { if (this.fd >= 0) writeFdSync(this.fd, b); }
  close(): void { if (this.fd >= 0) { try { fs.closeSync(this.fd); } catch { /* gone */ } this.fd = -1; } }
}

/** Output to a host fd. */
class FdOutChan implements Chan {
  constructor(readonly fd: number) {
    fs.fstatSync(fd); // EBADF now rather than at the first write
  }
  write(b: Uint8Array): void { writeFdSync(this.fd, b); }
  close(): void {}
}

/** Input from a host fd, through a Node stream (hostStdin() for fd 0). */
class FdInChan implements Chan {
  private stream: HostInput | null = null;
  private sink: ChanSink | null = null;
  private paused = false;
  private ended = false;
  constructor(readonly fd: number) {
    if (fd !== 0) fs.fstatSync(fd);
  }
  private open(): HostInput {
    if (this.fd === 0) return hostStdin();
    const st = fs.fstatSync(this.fd);
    if (nodeTty().isatty(this.fd)) return new (nodeTty().ReadStream)(this.fd);
    if (st.isFIFO() || st.isSocket()) return new (nodeNet().Socket)({ fd: this.fd, readable: true, writable: false });
    return fs.createReadStream('', { fd: this.fd, autoClose: false });
  }
  wantInput(sink: ChanSink): void {
    if (this.ended) return;
    if (this.stream) {
      if (this.paused && sink.backlog < HIGH_WATER / 2) { this.paused = false; this.stream.resume(); }
      return;
    }
    this.sink = sink;
    const s = this.stream = this.open();
    s.on('data', (d: Buffer | string) => {
      const b = typeof d === 'string' ? Buffer.from(d, 'latin1') : d;
      sink.receive(new Uint8Array(b.buffer, b.byteOffset, b.length));
      if (sink.backlog > HIGH_WATER && !this.paused) { this.paused = true; s.pause(); }
    });
    const end = (): void => { if (!this.ended) { this.ended = true; this.sink?.endOfInput(); } };
    s.on('end', end);
    s.on('error', end);
    s.resume();
  }
  close(): void {
    const s = this.stream;
    if (!s) return;
    s.removeAllListeners('data');
    s.pause();
    (s as unknown as { unref?: () => void }).unref?.();
    if (s !== hostStdin()) (s as unknown as { destroy?: () => void }).destroy?.();
    this.stream = null;
  }
}

// ---- port: telnet and nc ----------------------------------------------------------

const IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, SE = 240;
const OPT_ECHO = 1, OPT_SGA = 3, OPT_NAWS = 31;

/** Strips telnet commands from a connection's input (and reads NAWS window sizes). */
export class TelnetDecoder {
  private state: 'data' | 'iac' | 'opt' | 'sb' | 'sbiac' | 'cr' = 'data';
  private sb: number[] = [];
  constructor(private readonly onNaws: (rows: number, cols: number) => void) {}

  decode(b: Uint8Array): Uint8Array {
    const out: number[] = [];
    for (const c of b) {
      switch (this.state) {
        case 'cr':
          // telnet's end of line is CR LF or CR NUL: keep the CR only
          this.state = 'data';
          if (c === 0 || c === 10) break;
          // fallthrough
        case 'data':
          if (c === IAC) this.state = 'iac';
          else { out.push(c); if (c === 13) this.state = 'cr'; }
          break;
        case 'iac':
          if (c === IAC) { out.push(IAC); this.state = 'data'; }
          else if (c === SB) { this.sb = []; this.state = 'sb'; }
          else if (c >= WILL && c <= DONT) this.state = 'opt';
          else this.state = 'data'; // NOP, GA, AYT …: dropped
          break;
        case 'opt': this.state = 'data'; break;
        case 'sb':
          if (c === IAC) this.state = 'sbiac';
          else if (this.sb.length < 64) this.sb.push(c);
          break;
        case 'sbiac':
          if (c === SE) {
            const s = this.sb;
            if (s[0] === OPT_NAWS && s.length >= 5) this.onNaws((s[3] << 8) | s[4], (s[1] << 8) | s[2]);
            this.state = 'data';
          } else { if (c === IAC && this.sb.length < 64) this.sb.push(IAC); this.state = 'sb'; }
          break;
      }
    }
    return Uint8Array.from(out);
  }
}

/** What the server says first: it echoes and suppresses go-ahead (character mode), and
 *  would like the window size. nc shows these 9 bytes and ignores them. */
export const TELNET_HELLO = Uint8Array.of(IAC, WILL, OPT_ECHO, IAC, WILL, OPT_SGA, IAC, DO, OPT_NAWS);

/** One line's end of a shared port listener. */
export class PortChan implements Chan {
  socket: net.Socket | null = null;
  sink: ChanSink | null = null;
  private paused = false;
  constructor(readonly server: PortServer) {}
  write(b: Uint8Array): void {
    const s = this.socket;
    if (!s || s.destroyed) return; // nobody connected: output is dropped
    // telnet wants IAC doubled in data
    let data = Buffer.from(b);
    if (data.includes(IAC)) {
      const o: number[] = [];
      for (const c of data) { o.push(c); if (c === IAC) o.push(IAC); }
      data = Buffer.from(o);
    }
    s.write(data);
  }
  bind(sink: ChanSink): void { this.sink = sink; }
  wantInput(sink: ChanSink): void {
    this.sink = sink;
    if (this.paused && this.socket && sink.backlog < HIGH_WATER / 2) { this.paused = false; this.socket.resume(); }
  }
  attach(s: net.Socket): void {
    this.socket = s;
    this.paused = false;
    const dec = new TelnetDecoder((rows, cols) => this.sink?.resize(rows, cols));
    s.write(Buffer.from(TELNET_HELLO));
    this.sink?.connected();
    s.on('data', (d: Buffer) => {
      const b = dec.decode(new Uint8Array(d.buffer, d.byteOffset, d.length));
      const sink = this.sink;
      if (!sink || this.socket !== s) return;
      sink.receive(b);
      if (sink.backlog > HIGH_WATER && !this.paused) { this.paused = true; s.pause(); }
    });
    const gone = (): void => {
      if (this.socket !== s) return;
      this.socket = null;
      this.sink?.hungUp();
    };
    s.on('close', gone);
    s.on('error', () => { s.destroy(); });
  }
  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }
}

/** A TCP listener on 127.0.0.1 shared by every line that names its port. */
export class PortServer {
  readonly lines: PortChan[] = [];
  readonly names: string[] = [];
  readonly server: net.Server;
  constructor(readonly port: number, log: (line: string) => void) {
    this.server = nodeNet().createServer((s) => this.accept(s));
    this.server.on('listening', () => {
      const a = this.server.address();
      log(`${this.names.join(', ')}: listening on 127.0.0.1:${a && typeof a === 'object' ? a.port : port} (telnet or nc)`);
    });
    this.server.on('error', (e: NodeJS.ErrnoException) => {
      log(`port:${port}: cannot listen on 127.0.0.1:${port}: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.message}`);
    });
    this.server.listen(port, '127.0.0.1');
  }
  newLine(name: string): PortChan {
    const c = new PortChan(this);
    this.lines.push(c);
    this.names.push(name);
    return c;
  }
  private accept(s: net.Socket): void {
    s.setNoDelay(true);
    const free = this.lines.find((l) => l.socket === null);
    if (!free) { s.end('No free line on this port\r\n'); return; }
    free.attach(s);
  }
  close(): void {
    for (const l of this.lines) l.close();
    this.server.close();
  }
}

/** The channels of every line, so that they can be closed together. */
export class ChanSet {
  private readonly ports = new Map<number, PortServer>();
  private readonly chans: Chan[] = [];
  constructor(private readonly log: (line: string) => void) {}

  /** Open the host side of a line: [input, output]. Throws a one-line Error on host failure. */
  open(name: string, spec: LineSpec): [Chan, Chan] {
    const one = (c: ChanSpec, dir: 'in' | 'out'): Chan => {
      try {
        switch (c.kind) {
          case 'null': return new NullChan();
          case 'file': return new FileChan(c.path);
          case 'fd': return dir === 'in' ? new FdInChan(c.fd) : new FdOutChan(c.fd);
          case 'port': {
            let srv = this.ports.get(c.port);
            if (!srv) { srv = new PortServer(c.port, this.log); this.ports.set(c.port, srv); }
            return srv.newLine(name);
          }
        }
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const what = c.kind === 'fd' ? `fd:${c.fd}` : c.kind === 'file' ? `file:${c.path}` : c.kind;
        throw new Error(`${name}=${spec.text}: ${what}: ${err.code === 'EBADF' ? 'not an open file descriptor' : err.message}`);
      }
    };
    const input = one(spec.input, 'in');
    const output = spec.output === spec.input ? input : one(spec.output, 'out');
    this.chans.push(input);
    if (output !== input) this.chans.push(output);
    return [input, output];
  }

  close(): void {
    for (const c of this.chans) c.close();
    for (const p of this.ports.values()) p.close();
    this.chans.length = 0;
    this.ports.clear();
  }
}
