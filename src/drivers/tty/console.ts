// The console (con=fd:0,fd:1, the default): a tty whose input is the host's stdin and
// whose output goes to the host's stdout, written synchronously so that its order with
// the kernel's own messages is kept. When the host stdin is a terminal it is put in raw
// mode while tuml runs (the guest's line discipline does the editing, echo and signal
// characters); restoreHostTerminal() undoes that and must run on every exit path
// (installHostTerminalHooks() hooks process exit and the fatal signals).
//
// Devices: /dev/console (5,1) and /dev/tty0 (4,0) are this tty; /dev/tty (5,0) is the
// caller's controlling terminal. openConsole() gives the kernel the file for init's
// fds 0, 1 and 2.
import { registerCharDevice } from '../char/registry.js';
import { openCtty, Tty, TtyDriver, TtyFile } from './tty.js';
import { O_RDWR } from '../../abi/linux/fcntl.js';
import type { Termios } from './termios.js';

import { HIGH_WATER, writeFdSync } from '../chan/chan.js';
import { hostStdin, isHostTty, type HostInput } from '../chan/hoststdin.js';

/** Write all of b to a host fd (the channels' helper, under the name the tty layer exports). */
export const writeAllSync = writeFdSync;

/** The console's driver: host stdin in, a host fd out. */
export class HostConsoleDriver implements TtyDriver {
  tty: Tty | null = null;
  private listening = false;
  private paused = false;
  private ended = false;
  private sized = false;
  private readonly onData = (d: Buffer | string): void => {
    const b = typeof d === 'string' ? Buffer.from(d, 'latin1') : d;
    const t = this.tty;
    if (!t) return;
    t.receive(new Uint8Array(b.buffer, b.byteOffset, b.length));
    if (t.backlog > HIGH_WATER && this.input && !this.paused) { this.paused = true; this.input.pause(); }
  };
  private readonly onEnd = (): void => {
    if (this.ended) return;
    this.ended = true;
    this.tty?.endOfInput();
  };
  private readonly onResize = (): void => {
    const out = process.stdout;
    if (this.tty && out.isTTY) this.tty.resize(out.rows ?? 0, out.columns ?? 0);
  };

  constructor(
    readonly outFd = 1,
    readonly input: HostInput | null = hostStdin(),
  ) {}

  write(b: Uint8Array): void { writeAllSync(this.outFd, b); }

  /** A reader or poller is waiting: start taking host input (and resume if throttled). */
  wantInput(): void {
    if (this.paused && this.input && this.tty && this.tty.backlog < HIGH_WATER / 2) {
      this.paused = false;
      this.input.resume();
    }
    if (this.listening || !this.input || this.ended) return;
    this.listening = true;
    this.input.on('data', this.onData);
    this.input.on('end', this.onEnd);
    this.input.on('error', this.onEnd);
    this.input.resume();
  }

  /** Stop reading the host input (so that Node can exit). */
  stop(): void {
    if (this.listening && this.input) {
      this.listening = false;
      this.input.off('data', this.onData);
      this.input.off('end', this.onEnd);
      this.input.off('error', this.onEnd);
      this.input.pause();
      (this.input as unknown as { unref?: () => void }).unref?.();
    }
    if (this.sized) process.stdout.off('resize', this.onResize);
  }

  /** Window size from the host terminal, and SIGWINCH on its 'resize' events. */
  watchSize(): void {
    if (this.outFd !== 1 || !isHostTty(1)) return;
    const out = process.stdout;
    this.sized = true;
    this.onResize();
    out.on('resize', this.onResize);
  }
}

// ---- the host terminal's mode --------------------------------------------------------

let rawSet = false;

/** Put the host's stdin terminal in raw mode (no-op if it is not a terminal). */
export function setHostRaw(): void {
  if (rawSet || !isHostTty(0)) return;
  try { process.stdin.setRawMode(true); rawSet = true; } catch { /* not a tty after all */ }
}

/** Give the host terminal back its original mode. Safe to call any number of times. */
export function restoreHostTerminal(): void {
  if (!rawSet) return;
  rawSet = false;
  try { process.stdin.setRawMode(false); } catch { /* gone */ }
}

let hooked = false;
/** Restore the host terminal on process exit, uncaught exceptions and SIGTERM/SIGHUP/
 *  SIGINT/SIGQUIT (which are then re-raised with their default action). */
export function installHostTerminalHooks(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', restoreHostTerminal);
  process.on('uncaughtExceptionMonitor', restoreHostTerminal);
  for (const sig of ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT'] as const) {
    const h = (): void => {
      restoreHostTerminal();
      process.off(sig, h);
      process.kill(process.pid, sig);
    };
    process.on(sig, h);
  }
}

// ---- the console tty and its devices ------------------------------------------------

let consoleTty: Tty | null = null;
/** A console driver: the host console or a line on channels (lines.ts). */
export type ConsoleDriver = TtyDriver & { tty: Tty | null; stop?(): void };
let consoleDriver: ConsoleDriver | null = null;

/** Build the console on a driver (default: host stdin/stdout). Called once at boot; a
 *  second call replaces it (tests). `setup` may adjust the initial termios (e.g. a
 *  machine that wants no ONLCR when its stdout is a pipe: t.oflag &= ~ONLCR). */
export function createConsole(driver: ConsoleDriver = new HostConsoleDriver(), setup?: (t: Termios) => void): Tty {
  consoleDriver?.stop?.();
  const tty = new Tty('tty0', driver, 4, 0);
  setup?.(tty.termios);
  driver.tty = tty;
  consoleDriver = driver;
  consoleTty = tty;
  return tty;
}

/** The console tty (created with host stdin/stdout on first use). */
export function getConsoleTty(): Tty {
  return consoleTty ?? createConsole();
}

/**
 * The machine starts its console: host terminal in raw mode (when it is one), window
 * size watched. Call once at boot, after installHostTerminalHooks().
 */
export function startHostConsole(): Tty {
  const tty = getConsoleTty();
  if (consoleDriver instanceof HostConsoleDriver && consoleDriver.input === hostStdin() && consoleDriver.outFd === 1) {
    setHostRaw();
    consoleDriver.watchSize();
  }
  return tty;
}

/** Stop taking host input and give the terminal back (machine shutdown). */
const stopHooks: (() => void)[] = [];
/** Run fn when the consoles stop (lines.ts closes its host channels). */
export function onConsoleStop(fn: () => void): void { stopHooks.push(fn); }

export function stopHostConsole(): void {
  consoleDriver?.stop?.();
  for (const fn of stopHooks) fn();
  restoreHostTerminal();
}

/** /dev/console opened by the kernel for init's fds 0, 1 and 2 (one open file
 *  description, O_RDWR). Wrap it in one DevFile and install it three times. */
export function openConsole(): TtyFile {
  const f = getConsoleTty().open(O_RDWR, true, true);
  if (typeof f === 'number') throw new Error(`console open failed: ${f}`);
  return f;
}

let registered = false;
/** Register /dev/tty (5,0), /dev/console (5,1) and /dev/tty0 (4,0). */
export function registerTtyDevices(): void {
  if (registered) return;
  registered = true;
  registerCharDevice(5, 0, (_minor, flags) => openCtty(flags, getConsoleTty()));
  registerCharDevice(5, 1, (_minor, flags) => getConsoleTty().open(flags, true));
  registerCharDevice(4, 0, (_minor, flags) => getConsoleTty().open(flags, false));
}
