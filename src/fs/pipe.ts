// Pipes and FIFOs: a 64 KiB ring, EOF once the writers are gone, EPIPE once the readers
// are gone (the syscall layer raises SIGPIPE), O_NONBLOCK → EAGAIN, writes of at most
// PIPE_BUF bytes are atomic. Larger blocking writes return short counts once some bytes
// went in (restart semantics keep no continuation; callers loop on short writes).
import { EAGAIN, EPIPE, EINVAL, ENXIO, EPERM, EBUSY } from '../abi/linux/errno.js';
import { O_ACCMODE, O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK } from '../abi/linux/fcntl.js';
import { PIPE_BUF, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, POLLHUP, POLLERR } from '../abi/linux/fs.js';
import { S_IFIFO } from '../abi/linux/stat.js';
import { BLOCK, WaitQueue } from '../lib/waitqueue.js';
import { File, Sleeper } from './vfs/file.js';
import type { Inode } from './vfs/inode.js';
import type { Path } from './vfs/mount.js';
import { specialOpen } from './vfs/ops.js';
import { registerCkptState } from '../lib/ckptstate.js';

export const PIPE_DEF_SIZE = 65536;
const PIPE_MAX_SIZE = 1048576;
let nextPipeIno = 1000;
registerCkptState('pipe.nextIno', () => nextPipeIno, (v) => { nextPipeIno = v as number; });

export class Pipe {
  buf = new Uint8Array(PIPE_DEF_SIZE);
  head = 0;
  len = 0;
  readers = 0;
  writers = 0;
  /** Counts opens of each side ever (FIFO open rendezvous). */
  rOpens = 0;
  wOpens = 0;
  /** FIFO openers sleeping for a partner, with the partner's open count when they began. */
  readonly waitingReaders = new Map<Sleeper, number>();
  readonly waitingWriters = new Map<Sleeper, number>();
  readonly wq = new WaitQueue();
  readonly ino = nextPipeIno++;

  get capacity(): number { return this.buf.length; }
  get space(): number { return this.buf.length - this.len; }

  take(dst: Uint8Array): number {
    const n = Math.min(dst.length, this.len);
    const cap = this.buf.length;
    if (n <= 16) {
      // Small reads: a byte loop, no subarray views.
      const b = this.buf;
      let h = this.head;
      for (let i = 0; i < n; i++) { dst[i] = b[h]; if (++h === cap) h = 0; }
      this.len -= n;
      this.head = this.len === 0 ? 0 : h;
      return n;
    }
    const first = Math.min(n, cap - this.head);
    dst.set(this.buf.subarray(this.head, this.head + first), 0);
    if (n > first) dst.set(this.buf.subarray(0, n - first), first);
    this.head = (this.head + n) % cap;
    this.len -= n;
    if (this.len === 0) this.head = 0;
    return n;
  }

  put(src: Uint8Array): number {
    const n = Math.min(src.length, this.space);
    const cap = this.buf.length;
    const tail = (this.head + this.len) % cap;
    if (n <= 16) {
      const b = this.buf;
      let p = tail;
      for (let i = 0; i < n; i++) { b[p] = src[i]; if (++p === cap) p = 0; }
      this.len += n;
      return n;
    }
    const first = Math.min(n, cap - tail);
    this.buf.set(src.subarray(0, first), tail);
    if (n > first) this.buf.set(src.subarray(first, n), 0);
    this.len += n;
    return n;
  }

  resize(size: number): number {
    if (size < this.len) return -EBUSY;
    const nb = new Uint8Array(size);
    const n = this.len;
    this.take(nb.subarray(0, n));
    this.buf = nb; this.head = 0; this.len = n;
    return size;
  }
}

export class PipeFile extends File {
  readonly pseudoMode = S_IFIFO | 0o600;
  private readonly r: boolean;
  private readonly w: boolean;

  /** counted: a FIFO opener already added itself to the reader/writer counts while waiting. */
  constructor(flags: number, readonly pipe: Pipe, path: Path | null = null, inode: Inode | null = null, counted = false) {
    super(flags, path, inode);
    const acc = flags & O_ACCMODE;
    this.r = acc === O_RDONLY || acc === O_RDWR;
    this.w = acc === O_WRONLY || acc === O_RDWR;
    if (this.r && !counted) { pipe.readers++; pipe.rOpens++; }
    if (this.w && !counted) { pipe.writers++; pipe.wOpens++; }
    pipe.wq.wakeAll();
  }

  get pseudoIno(): number { return this.pipe.ino; }
  get pseudoRdev(): number { return 0; }

  override read(buf: Uint8Array, s: Sleeper): number {
    const p = this.pipe;
    if (buf.length === 0) return 0;
    if (p.len === 0) {
      if (p.writers === 0) return 0;
      if (this.flags & O_NONBLOCK) return -EAGAIN;
      s.blockOn(p.wq);
      return BLOCK;
    }
    const n = p.take(buf.length <= p.len ? buf : buf.subarray(0, p.len));
    p.wq.wakeAll();
    return n;
  }

  override write(buf: Uint8Array, s: Sleeper): number {
    const p = this.pipe;
    if (p.readers === 0) return -EPIPE;
    if (buf.length === 0) return 0;
    const need = buf.length <= PIPE_BUF ? buf.length : 1;
    if (p.space < need) {
      if (this.flags & O_NONBLOCK) return -EAGAIN;
      s.blockOn(p.wq);
      return BLOCK;
    }
    const n = p.put(buf);
    p.wq.wakeAll();
    return n;
  }

  override poll(): number {
    const p = this.pipe;
    let m = 0;
    if (this.r) {
      if (p.len > 0) m |= POLLIN | POLLRDNORM;
      if (p.writers === 0 && p.wOpens > 0) m |= POLLHUP;
    }
    if (this.w) {
      if (p.space >= PIPE_BUF || p.space === p.capacity) m |= POLLOUT | POLLWRNORM;
      if (p.readers === 0) m |= POLLERR;
    }
    return m;
  }

  override get waitQueue(): WaitQueue { return this.pipe.wq; }
  override available(): number { return this.pipe.len; }
  override writeSpace(): number { return this.pipe.space; }

  /** F_GETPIPE_SZ / F_SETPIPE_SZ. */
  pipeSize(n?: number): number {
    if (n === undefined) return this.pipe.capacity;
    if (n < 0 || n > PIPE_MAX_SIZE) return n > PIPE_MAX_SIZE ? -EPERM : -EINVAL;
    let size = 4096;
    while (size < n) size *= 2;
    return this.pipe.resize(size);
  }

  override release(): void {
    if (this.r) this.pipe.readers--;
    if (this.w) this.pipe.writers--;
    this.pipe.wq.wakeAll();
  }
}

/** pipe2(2): the read end and the write end. */
export function makePipe(nonblock: boolean): [PipeFile, PipeFile] {
  const p = new Pipe();
  const nb = nonblock ? O_NONBLOCK : 0;
  return [new PipeFile(O_RDONLY | nb, p), new PipeFile(O_WRONLY | nb, p)];
}

/**
 * Opening a FIFO, as Linux's fifo_open: a blocking read-only open waits until a writer
 * has opened (and a blocking write-only open until a reader has), O_RDWR never waits,
 * O_NONBLOCK read-only opens succeed at once and O_NONBLOCK write-only opens without a
 * reader fail with ENXIO. With the restart model, a waiting opener is remembered on the
 * pipe (with the partner's open count when it started waiting), counts as a partner for
 * the other side, and re-runs the open when woken.
 */
function openFifo(p: Path, inode: Inode, flags: number, s?: Sleeper & { interrupted?: boolean }): File | number {
  let pipe = inode.special as Pipe | null;
  if (!pipe) { pipe = new Pipe(); inode.special = pipe; }
  pruneWaiters(pipe);
  const acc = flags & O_ACCMODE;
  const nb = (flags & O_NONBLOCK) !== 0;
  if (acc === O_RDONLY && !nb && s) {
    // fifo_open: count as a reader at once (a writer's open then succeeds), then wait
    // until a writer is there or has come and gone.
    let since = pipe.waitingReaders.get(s);
    if (since === undefined) {
      if (s.interrupted) { s.blockOn(pipe.wq); return BLOCK; }
      since = pipe.wOpens;
      pipe.readers++; pipe.rOpens++;
      pipe.waitingReaders.set(s, since);
      pipe.wq.wakeAll();
    }
    if (pipe.writers === 0 && pipe.wOpens === since) {
      if (s.interrupted) { pipe.waitingReaders.delete(s); pipe.readers--; s.blockOn(pipe.wq); return BLOCK; }
      s.blockOn(pipe.wq);
      return BLOCK;
    }
    pipe.waitingReaders.delete(s);
    return new PipeFile(flags, pipe, p, inode, true);
  }
  if (acc === O_WRONLY) {
    let since = s ? pipe.waitingWriters.get(s) : undefined;
    if (since === undefined) {
      if (pipe.readers === 0 && (nb || !s)) return -ENXIO;
      if (pipe.readers > 0) return new PipeFile(flags, pipe, p, inode);
      if (s!.interrupted) { s!.blockOn(pipe.wq); return BLOCK; }
      since = pipe.rOpens;
      pipe.writers++; pipe.wOpens++;
      pipe.waitingWriters.set(s!, since);
      pipe.wq.wakeAll();
    }
    if (pipe.readers === 0 && pipe.rOpens === since) {
      if (s!.interrupted) { pipe.waitingWriters.delete(s!); pipe.writers--; pipe.wq.wakeAll(); s!.blockOn(pipe.wq); return BLOCK; }
      s!.blockOn(pipe.wq);
      return BLOCK;
    }
    pipe.waitingWriters.delete(s!);
    return new PipeFile(flags, pipe, p, inode, true);
  }
  return new PipeFile(flags, pipe, p, inode);
}

/** Openers that died while waiting give their reader/writer count back. */
function pruneWaiters(pipe: Pipe): void {
  const dead = (k: Sleeper): boolean => ((k as { state?: number }).state ?? 0) >= 3; // TaskState.Zombie
  for (const k of pipe.waitingReaders.keys()) if (dead(k)) { pipe.waitingReaders.delete(k); pipe.readers--; }
  for (const k of pipe.waitingWriters.keys()) if (dead(k)) { pipe.waitingWriters.delete(k); pipe.writers--; }
}

specialOpen.fifo = openFifo;
