// inotify instances: an event queue read as struct inotify_event records
// { int wd; u32 mask; u32 cookie; u32 len; char name[len]; } (len: name + NUL rounded up
// to 16), fed by fsnotify watches. Consecutive identical events are merged, as Linux does.
import { EAGAIN, EINVAL, ENOSPC } from '../abi/linux/errno.js';
import { O_NONBLOCK } from '../abi/linux/fcntl.js';
import { POLLIN, POLLRDNORM } from '../abi/linux/fs.js';
import { BLOCK, WaitQueue } from '../lib/waitqueue.js';
import { File, Sleeper } from './vfs/file.js';
import type { Inode } from './vfs/inode.js';
import {
  Watch, Watcher, addWatch, removeWatch, IN_IGNORED, IN_ONESHOT, IN_MASK_ADD, IN_Q_OVERFLOW, IN_ALL_EVENTS,
} from './vfs/fsnotify.js';

const MAX_QUEUED = 16384;
const MAX_WATCHES = 8192;
const EVENT_SIZE = 16;

interface Ev { wd: number; mask: number; cookie: number; name: string; }

export class InotifyFile extends File implements Watcher {
  override get anonName(): string { return 'inotify'; }
  readonly pseudoMode = 0; // anon_inode: mode 0 (fstat shows "?---------")
  private readonly queue: Ev[] = [];
  private bytes = 0;
  private readonly wq = new WaitQueue();
  private readonly byWd = new Map<number, Watch>();
  private readonly byInode = new Map<Inode, Watch>();
  private nextWd = 1;

  constructor(flags: number) { super(flags, null, null); }

  private push(e: Ev): void {
    const last = this.queue[this.queue.length - 1];
    if (last && last.wd === e.wd && last.mask === e.mask && last.cookie === e.cookie && last.name === e.name) return;
    if (this.queue.length >= MAX_QUEUED) {
      if (last && last.mask === IN_Q_OVERFLOW) return;
      e = { wd: -1, mask: IN_Q_OVERFLOW, cookie: 0, name: '' };
    }
    this.queue.push(e);
    this.bytes += evSize(e);
    this.wq.wakeAll();
  }

  event(w: Watch, mask: number, cookie: number, name: string): void {
    this.push({ wd: w.wd, mask, cookie, name });
    if (w.mask & IN_ONESHOT) this.rm(w);
  }
  dropped(w: Watch): void {
    this.byWd.delete(w.wd);
    this.byInode.delete(w.inode);
    this.push({ wd: w.wd, mask: IN_IGNORED, cookie: 0, name: '' });
  }
  private rm(w: Watch): void {
    removeWatch(w);
    this.dropped(w);
  }

  /** inotify_add_watch on a resolved inode: the watch descriptor or -errno. */
  addWatch(inode: Inode, mask: number, create: boolean): number {
    const old = this.byInode.get(inode);
    if (old) {
      if (create) return -17; // EEXIST
      old.mask = (mask & IN_MASK_ADD) ? old.mask | (mask & ~IN_MASK_ADD) : mask & ~IN_MASK_ADD;
      return old.wd;
    }
    if (this.byWd.size >= MAX_WATCHES) return -ENOSPC;
    const w: Watch = { inode, mask: mask & ~IN_MASK_ADD, wd: this.nextWd++, owner: this };
    this.byWd.set(w.wd, w);
    this.byInode.set(inode, w);
    addWatch(w);
    return w.wd;
  }
  rmWatch(wd: number): number {
    const w = this.byWd.get(wd);
    if (!w) return -EINVAL;
    this.rm(w);
    return 0;
  }

  override read(buf: Uint8Array, s: Sleeper): number {
    if (this.queue.length === 0) {
      if (this.flags & O_NONBLOCK) return -EAGAIN;
      s.blockOn(this.wq);
      return BLOCK;
    }
    if (evSize(this.queue[0]) > buf.length) return -EINVAL;
    const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let off = 0;
    while (this.queue.length && off + evSize(this.queue[0]) <= buf.length) {
      const e = this.queue.shift()!;
      const n = evSize(e);
      this.bytes -= n;
      buf.fill(0, off, off + n);
      v.setInt32(off, e.wd, true);
      v.setUint32(off + 4, e.mask >>> 0, true);
      v.setUint32(off + 8, e.cookie >>> 0, true);
      v.setUint32(off + 12, n - EVENT_SIZE, true);
      for (let i = 0; i < e.name.length; i++) buf[off + EVENT_SIZE + i] = e.name.charCodeAt(i);
      off += n;
    }
    return off;
  }
  override write(): number { return -EINVAL; }
  override poll(): number { return this.queue.length ? POLLIN | POLLRDNORM : 0; }
  override get waitQueue(): WaitQueue { return this.wq; }
  override available(): number { return this.bytes; }
  override release(): void {
    for (const w of this.byWd.values()) removeWatch(w);
    this.byWd.clear();
    this.byInode.clear();
  }
}

function evSize(e: Ev): number {
  return EVENT_SIZE + (e.name.length ? (e.name.length + 1 + 15) & ~15 : 0);
}
void IN_ALL_EVENTS;
