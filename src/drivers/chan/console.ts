// The host console channel: output goes synchronously to a host fd (stdout), input
// comes from the host's stdin ('data' events buffered here). A reader with nothing to
// read sleeps on `waitQueue`, woken when bytes (or EOF) arrive.
import * as fs from 'node:fs';
import { EAGAIN, EIO } from '../../abi/linux/errno.js';
import { POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, POLLHUP } from '../../abi/linux/fs.js';
import { BLOCK, WaitQueue } from '../../lib/waitqueue.js';
import type { CharDev, Sleeper } from '../char/registry.js';

export class HostConsole implements CharDev {
  readonly waitQueue = new WaitQueue();
  private chunks: Uint8Array[] = [];
  private queued = 0;
  private eof = false;
  private listening = false;
  private readonly onData = (d: Buffer): void => {
    this.chunks.push(new Uint8Array(d.buffer, d.byteOffset, d.length));
    this.queued += d.length;
    this.waitQueue.wakeAll();
  };
  private readonly onEnd = (): void => { this.eof = true; this.waitQueue.wakeAll(); };

  constructor(
    private readonly outFd = 1,
    private readonly input: NodeJS.ReadableStream | null = process.stdin,
  ) {}

  /** Start taking bytes from the host input (done lazily on the first read/poll). */
  listen(): void {
    if (this.listening || !this.input) return;
    this.listening = true;
    this.input.on('data', this.onData);
    this.input.on('end', this.onEnd);
    this.input.on('error', this.onEnd);
    this.input.resume();
  }

  /** Stop reading the host input (so Node can exit). */
  stop(): void {
    if (!this.listening || !this.input) return;
    this.listening = false;
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.off('error', this.onEnd);
    this.input.pause();
    const h = this.input as unknown as { unref?: () => void };
    h.unref?.();
  }

  /** Feed bytes as if typed (tests, mconsole). */
  push(bytes: Uint8Array): void { this.onData(Buffer.from(bytes)); }
  /** Signal end of input. */
  end(): void { this.onEnd(); }

  read(buf: Uint8Array, nonblock: boolean, s: Sleeper): number {
    this.listen();
    if (buf.length === 0) return 0;
    if (this.queued === 0) {
      if (this.eof) return 0;
      if (nonblock) return -EAGAIN;
      s.blockOn(this.waitQueue);
      return BLOCK;
    }
    let n = 0;
    while (n < buf.length && this.chunks.length) {
      const c = this.chunks[0];
      const k = Math.min(c.length, buf.length - n);
      buf.set(c.subarray(0, k), n);
      n += k;
      if (k === c.length) this.chunks.shift(); else this.chunks[0] = c.subarray(k);
    }
    this.queued -= n;
    return n;
  }

  write(buf: Uint8Array): number {
    let off = 0;
    let spins = 0;
    while (off < buf.length) {
      try {
        off += fs.writeSync(this.outFd, buf, off, buf.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' && spins++ < 100000) continue;
        return off > 0 ? off : -EIO;
      }
    }
    return off;
  }

  poll(): number {
    this.listen();
    let m = POLLOUT | POLLWRNORM;
    if (this.queued > 0 || this.eof) m |= POLLIN | POLLRDNORM;
    if (this.eof) m |= POLLHUP;
    return m;
  }

  available(): number { return this.queued; }
}

let theConsole: HostConsole | null = null;
/** The machine's console channel (one per process). */
export function hostConsole(): HostConsole {
  return (theConsole ??= new HostConsole());
}
