// epoll: an interest list of (file, fd) items and a ready list, as in Linux's
// fs/eventpoll.c. Each item keeps a waiter on its file's wait queue for as long as it is
// watched (Linux's ep_poll_callback): a wake-up puts the item on the ready list and wakes
// the epoll's own queue, where epoll_pwait sleepers and outer pollers (ppoll on the epoll
// fd, or an epoll watching this one) wait. Reporting re-polls each ready item:
// level-triggered items go back to the tail of the ready list, EPOLLET items stay off it
// until their file wakes again, EPOLLONESHOT items are disarmed until EPOLL_CTL_MOD.
import { File } from './vfs/file.js';
import { WaitQueue, Waiter } from '../lib/waitqueue.js';
import { POLLIN, POLLRDNORM } from '../abi/linux/fs.js';
import { O_RDWR } from '../abi/linux/fcntl.js';
import { EP_PRIVATE_BITS, EPOLLONESHOT, EPOLLET, EPOLLERR, EPOLLHUP, EP_MAX_NESTS } from '../abi/linux/events.js';
import { registerCkptState } from '../lib/ckptstate.js';

let nextEpIno = 1;
registerCkptState('epoll.nextIno', () => nextEpIno, (v) => { nextEpIno = v as number; });

/** One watched (file, fd) pair. */
export class EpItem implements Waiter {
  /** The queue our waiter sits on (the file's wait queue when last armed). */
  private wq: WaitQueue | null = null;
  removed = false;
  constructor(readonly ep: EventPollFile, readonly fd: number, readonly file: File,
    public events: number, public dataLo: number, public dataHi: number) {}

  /** (Re-)register on the file's wait queue. */
  arm(): void {
    if (this.removed) return;
    const q = this.file.waitQueue;
    if (q !== this.wq) { this.wq?.remove(this); this.wq = q; }
    q?.add(this);
  }
  disarm(): void { this.wq?.remove(this); this.wq = null; }

  /** ep_poll_callback: the file's queue was woken (wakeAll already removed us). */
  wake(): void {
    this.wq = null;
    if (this.removed || this.ep.closed) return;
    if (this.file.closed) { this.ep.drop(this); return; }
    this.arm();
    if ((this.events & ~EP_PRIVATE_BITS) === 0) return; // EPOLLONESHOT fired: disabled until MOD
    this.ep.rdy.add(this);
    this.ep.wq.wakeAll();
  }

  /** Events of interest that the file reports now. */
  revents(): number { return this.file.poll() & this.events & ~EP_PRIVATE_BITS; }
}

export interface EpEvent { events: number; dataLo: number; dataHi: number; }

export class EventPollFile extends File {
  override get anonName(): string { return '[eventpoll]'; }
  readonly pseudoMode = 0o600;
  readonly pseudoIno = nextEpIno++;
  /** epoll_pwait sleepers and outer pollers. */
  readonly wq = new WaitQueue();
  /** Interest list, keyed by file then fd (Linux's (struct file *, fd) key). */
  private readonly items = new Map<File, Map<number, EpItem>>();
  /** Ready list, in wake-up order. */
  rdy = new Set<EpItem>();
  /** Epoll files that watch this one (for the nesting check). */
  readonly watchers = new Set<EventPollFile>();

  constructor() { super(O_RDWR, null, null); }

  find(file: File, fd: number): EpItem | null { return this.items.get(file)?.get(fd) ?? null; }

  /** EPOLL_CTL_ADD (the caller checked EEXIST and loops). */
  insert(fd: number, file: File, events: number, dataLo: number, dataHi: number): void {
    const it = new EpItem(this, fd, file, events | EPOLLERR | EPOLLHUP, dataLo, dataHi);
    let m = this.items.get(file);
    if (!m) { m = new Map(); this.items.set(file, m); }
    m.set(fd, it);
    if (file instanceof EventPollFile) file.watchers.add(this);
    it.arm();
    if (it.revents() !== 0) { this.rdy.add(it); this.wq.wakeAll(); }
  }

  /** EPOLL_CTL_MOD. */
  modify(it: EpItem, events: number, dataLo: number, dataHi: number): void {
    it.events = events | EPOLLERR | EPOLLHUP;
    it.dataLo = dataLo; it.dataHi = dataHi;
    it.arm();
    if (it.revents() !== 0 && !this.rdy.has(it)) { this.rdy.add(it); this.wq.wakeAll(); }
  }

  /** EPOLL_CTL_DEL, or the watched file went away. */
  drop(it: EpItem): void {
    if (it.removed) return;
    it.removed = true;
    it.disarm();
    this.rdy.delete(it);
    const m = this.items.get(it.file);
    if (m) { m.delete(it.fd); if (m.size === 0) this.items.delete(it.file); }
    if (it.file instanceof EventPollFile && !this.items.has(it.file)) it.file.watchers.delete(this);
  }

  /** Take up to max ready events (ep_send_events). */
  harvest(max: number): EpEvent[] {
    const out: EpEvent[] = [];
    if (this.rdy.size === 0) return out;
    const tx = [...this.rdy];
    this.rdy = new Set();
    let i = 0;
    for (; i < tx.length && out.length < max; i++) {
      const it = tx[i];
      if (it.removed) continue;
      if (it.file.closed) { this.drop(it); continue; }
      it.arm();
      const rev = it.revents();
      if (rev === 0) continue;
      out.push({ events: rev, dataLo: it.dataLo, dataHi: it.dataHi });
      if (it.events & EPOLLONESHOT) it.events &= EP_PRIVATE_BITS;
      else if ((it.events & EPOLLET) === 0) this.rdy.add(it);
    }
    // Items not looked at go back to the head of the ready list.
    if (i < tx.length) {
      const rest = new Set(tx.slice(i).filter((it) => !it.removed));
      for (const it of this.rdy) rest.add(it);
      this.rdy = rest;
    }
    return out;
  }

  /** Readable when some item on the ready list is really ready (items that are not are dropped from it). */
  override poll(): number {
    for (const it of [...this.rdy]) {
      if (it.removed) { this.rdy.delete(it); continue; }
      if (it.file.closed) { this.drop(it); continue; }
      if (it.revents() !== 0) return POLLIN | POLLRDNORM;
      this.rdy.delete(it);
    }
    return 0;
  }
  override get waitQueue(): WaitQueue { return this.wq; }

  /** Longest chain of epoll files below this one; Infinity if `target` is reachable. */
  depthBelow(target: EventPollFile, depth = 0): number {
    let r = 0;
    for (const f of this.items.keys()) {
      if (!(f instanceof EventPollFile) || f.closed) continue;
      if (f === target || depth > EP_MAX_NESTS) return Infinity;
      r = Math.max(r, f.depthBelow(target, depth + 1) + 1);
      if (r > EP_MAX_NESTS) return r;
    }
    return r;
  }
  /** Longest chain of epoll files above this one (watching it). */
  depthAbove(depth = 0): number {
    let r = 0;
    if (depth > EP_MAX_NESTS) return r;
    for (const w of this.watchers) if (!w.closed) r = Math.max(r, w.depthAbove(depth + 1) + 1);
    return r;
  }
  /** ep_loop_check: would watching `to` create a loop or nest too deep? */
  wouldLoop(to: EventPollFile): boolean {
    const down = to.depthBelow(this);
    if (down > EP_MAX_NESTS) return true;
    return down + 1 + this.depthAbove() > EP_MAX_NESTS;
  }

  override release(): void {
    for (const m of this.items.values()) for (const it of m.values()) {
      it.removed = true; it.disarm();
      if (it.file instanceof EventPollFile) it.file.watchers.delete(this);
    }
    this.items.clear();
    this.rdy.clear();
    this.wq.wakeAll();
  }
}
