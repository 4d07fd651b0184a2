// Consoles and serial lines on host channels (con=, conN=, ssl=, sslN=).
//
//   /dev/ttyN  (4, N)      console N; con0 is /dev/console and /dev/tty0
//   /dev/ttySN (4, 64+N)   serial line N
//
// A line exists (has a device node and opens) only when a channel is configured for it:
// conN=/sslN= name one line, con=/ssl= every line of the kind (ALL_LINES of them). The
// default is con0=fd:0,fd:1 (the host console, console.ts) and nothing else; UML's
// default of xterm/pts channels for the other consoles is not available here.
import { ENODEV } from '../../abi/linux/errno.js';
import { registerCharDevice } from '../char/registry.js';
import { ChanSet, Chan, ChanSink, LineSpec, parseLineSpec } from '../chan/chan.js';
import { Tty, TtyDriver } from './tty.js';
import { createConsole, getConsoleTty, HostConsoleDriver, onConsoleStop } from './console.js';
import type { Termios } from './termios.js';

/** How many lines con= and ssl= configure. */
export const ALL_LINES = 8;
export const SERIAL_MINOR_BASE = 64;

/** Output waiting for a port client (a getty's prompt written before anyone connected). */
const HOLD_MAX = 16 * 1024;

/** The driver of a line on channels: the tty's device side and the channel's sink. */
export class ChanTtyDriver implements TtyDriver, ChanSink {
  tty: Tty | null = null;
  /** Output kept while a port line has no client. */
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private connectedNow: boolean;
  constructor(readonly input: Chan, readonly output: Chan, readonly isPort: boolean) {
    this.connectedNow = !isPort;
    input.bind?.(this);
  }

  // TtyDriver
  write(b: Uint8Array): void {
    if (this.connectedNow) { this.output.write?.(b); return; }
    if (this.heldBytes + b.length > HOLD_MAX) return;
    this.held.push(b.slice());
    this.heldBytes += b.length;
  }
  // Output held for a port line is what was written before anyone "opened" it (UML's
  // port open waits for a client): a tcflush does not drop it.
  flushOutput(): void {}
  wantInput(): void { this.input.wantInput?.(this); }
  stop(): void { this.input.close(); if (this.output !== this.input) this.output.close(); }

  // ChanSink
  receive(b: Uint8Array): void { this.tty?.receive(b); }
  endOfInput(): void { this.tty?.endOfInput(); }
  connected(): void {
    this.tty?.reset();
    this.connectedNow = true;
    const h = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const b of h) this.output.write?.(b);
  }
  hungUp(): void {
    this.connectedNow = false;
    this.held = [];
    this.heldBytes = 0;
    this.tty?.carrierLost();
  }
  resize(rows: number, cols: number): void { this.tty?.resize(rows, cols); }
  get backlog(): number { return this.tty?.backlog ?? 0; }
}

export interface LineConfig {
  conAll: string | null;
  con: Map<number, string>;
  sslAll: string | null;
  ssl: Map<number, string>;
}

export interface AttachedLine {
  /** con1, ssl0 … */
  name: string;
  /** tty1, ttyS0 … (the device node under /dev) */
  dev: string;
  major: number;
  minor: number;
  spec: string;
  /** The TCP port of a port: channel once listening (port:0 picks one). */
  port: number | null;
}

const lines = new Map<number, Tty>();
let chans: ChanSet | null = null;
let registered = false;

function lineOpen(minor: number, flags: number): ReturnType<Tty['open']> {
  const t = minor === 0 ? getConsoleTty() : lines.get(minor);
  return t ? t.open(flags, false) : -ENODEV;
}

/**
 * Attach every configured line to its host channels (closing those of a previous boot)
 * and register major 4. con0 stays the host console unless con0= or con= names another
 * channel. Throws an Error with a one-line message for a bad or unusable spec.
 */
export function attachLines(cfg: LineConfig, log: (line: string) => void, consoleSetup?: (t: Termios) => void): AttachedLine[] {
  closeLines();
  const set = chans = new ChanSet(log);
  const out: AttachedLine[] = [];
  const want: [kind: 'con' | 'ssl', n: number, spec: string][] = [];
  for (const kind of ['con', 'ssl'] as const) {
    const all = kind === 'con' ? cfg.conAll : cfg.sslAll;
    const one = kind === 'con' ? cfg.con : cfg.ssl;
    for (let n = 0; n < 16; n++) {
      const spec = one.get(n) ?? (n < ALL_LINES ? all : null);
      if (spec !== null && spec !== undefined) want.push([kind, n, spec]);
    }
  }
  const specs: [string, number, LineSpec][] = [];
  for (const [kind, n, text] of want) {
    const name = `${kind}${n}`;
    const spec = parseLineSpec(name, text);
    if (typeof spec === 'string') throw new Error(spec);
    specs.push([kind, n, spec]);
  }
  let consoleSet = false;
  for (const [kind, n, spec] of specs) {
    const name = `${kind}${n}`;
    if (kind === 'con' && n === 0 && spec.input.kind === 'fd' && spec.input.fd === 0 && spec.output.kind === 'fd' && spec.output.fd === 1) {
      // the default, spelled out: the host console (raw mode, window size)
      createConsole(new HostConsoleDriver(), consoleSetup);
      consoleSet = true;
      out.push({ name, dev: 'tty0', major: 4, minor: 0, spec: spec.text, port: null });
      continue;
    }
    const [input, output] = set.open(name, spec);
    const driver = new ChanTtyDriver(input, output, spec.input.kind === 'port');
    const minor = kind === 'con' ? n : SERIAL_MINOR_BASE + n;
    const dev = kind === 'con' ? `tty${n}` : `ttyS${n}`;
    let tty: Tty;
    if (kind === 'con' && n === 0) {
      tty = createConsole(driver);
      consoleSet = true;
    } else {
      tty = new Tty(dev, driver, 4, minor);
      driver.tty = tty;
      lines.set(minor, tty);
    }
    out.push({ name, dev, major: 4, minor, spec: spec.text, port: spec.input.kind === 'port' ? spec.input.port : null });
  }
  if (!consoleSet) {
    createConsole(new HostConsoleDriver(), consoleSetup);
    out.unshift({ name: 'con0', dev: 'tty0', major: 4, minor: 0, spec: 'fd:0,fd:1', port: null });
  }
  if (!registered) {
    registered = true;
    registerCharDevice(4, -1, lineOpen);
    onConsoleStop(closeLines);
  }
  return out;
}

/** The tty of console N or serial line N (when attached). */
export function lineTty(kind: 'con' | 'ssl', n: number): Tty | null {
  if (kind === 'con' && n === 0) return getConsoleTty();
  return lines.get(kind === 'con' ? n : SERIAL_MINOR_BASE + n) ?? null;
}

/** Close every line's host channels (shutdown, reboot). */
export function closeLines(): void {
  for (const t of lines.values()) (t.driver as ChanTtyDriver).stop?.();
  lines.clear();
  chans?.close();
  chans = null;
}
