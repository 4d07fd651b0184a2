// The host's stdin as a stream, without Node's net module when it is a pipe or a socket:
// process.stdin wraps those in a net.Socket, and loading net and the stream stack costs
// up to ~2 MB of host RSS for the whole run (docs/benchmarks.md, "Idle memory"). A pipe or
// socket is read here through the native addon's poll watch and fs.readSync; a terminal,
// a file or /dev/null (or a missing addon) stays with process.stdin.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { dgramAddon, type Addon } from '../unixdgram.js';
import { nodeTty } from '../../lib/nodemods.js';

/** Is host fd a terminal? Pipes, sockets and files answer without loading node:tty. */
export function isHostTty(fd: number): boolean {
  try { if (!fs.fstatSync(fd).isCharacterDevice()) return false; } catch { return false; }
  return nodeTty().isatty(fd);
}

/** The subset of a readable stream the console and channels use. */
export interface HostInput {
  on(ev: 'data', fn: (d: Buffer | string) => void): unknown;
  on(ev: 'end' | 'error', fn: () => void): unknown;
  off(ev: 'data', fn: (d: Buffer | string) => void): unknown;
  off(ev: 'end' | 'error', fn: () => void): unknown;
  removeAllListeners(ev: 'data'): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** A pipe or socket fd read when the event loop sees it readable; 'data', then 'end' at EOF. */
class PolledInput extends EventEmitter implements HostInput {
  private watching = false;
  private ended = false;
  private readonly buf = Buffer.allocUnsafe(65536);
  constructor(readonly fd: number, private readonly addon: Addon) { super(); }

  resume(): this {
    if (this.ended) return this;
    if (!this.watching) { this.watching = true; this.addon.watch(this.fd, () => this.readable(), true); }
    else this.addon.watchEvents(this.fd, 1);
    return this;
  }
  /** Stop watching: a stopped watch does not keep Node's event loop alive. */
  pause(): this { if (this.watching) this.addon.watchEvents(this.fd, 0); return this; }

  private readable(): void {
    let n: number;
    try { n = fs.readSync(this.fd, this.buf, 0, this.buf.length, null); }
    catch (e) { if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return; n = 0; }
    if (n === 0) { this.ended = true; this.pause(); this.emit('end'); return; }
    this.emit('data', Buffer.from(this.buf.subarray(0, n)));
  }
}

let stdin: HostInput | null = null;
/** The host's stdin (one object for the whole run). */
export function hostStdin(): HostInput {
  if (stdin) return stdin;
  let polled = false;
  try { const st = fs.fstatSync(0); polled = st.isFIFO() || st.isSocket(); } catch { /* closed: process.stdin copes */ }
  const a = polled ? dgramAddon() : null;
  stdin = a ? new PolledInput(0, a) : process.stdin;
  return stdin;
}
