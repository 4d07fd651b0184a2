// POSIX per-process timers (timer_create and friends) on the kernel clock. Expiry sends
// the timer's signal with SI_TIMER, si_timerid, si_overrun and si_value; while that
// signal is still queued further expirations only raise its si_overrun, as on Linux.
// Deadlines are kernel monotonic ns (the syscall layer converts other clocks).
import type { Kernel } from './kernel.js';
import type { Timer } from './time.js';
import type { AddressSpace } from '../mm/aspace.js';
import { Task } from './task.js';
import { SigInfo, SI_TIMER } from './siginfo.js';
import { sendSignal, groupOf } from './signal.js';
import { SIGEV_NONE, SIGEV_THREAD_ID } from '../abi/linux/events.js';
import { registerCkptSide } from '../lib/ckptstate.js';

const DELAYTIMER_MAX = 0x7fffffff;
/** While a timer's signal is still queued, its kernel timer need not fire more often. */
const PENDING_RECHECK_NS = 1e6;

export class PosixTimer {
  /** Next expiry (kernel monotonic ns; before boot for a deadline in the past), if armed. */
  next = 0;
  armed = false;
  interval = 0;
  private ktimer: Timer | null = null;
  /** The last signal sent, and the overrun of the last one delivered before it. */
  private info: SigInfo | null = null;
  private lastOverrun = 0;
  deleted = false;

  constructor(readonly owner: ProcTimers, readonly id: number, readonly clockid: number,
    readonly notify: number, readonly signo: number, readonly value: number, readonly target: Task) {}

  private get kernel(): Kernel { return this.target.kernel; }

  private queued(info: SigInfo): boolean {
    for (const o of groupOf(this.owner.leader)) if (o.sigq.includes(info) || o.shared.q.includes(info)) return true;
    return false;
  }

  private schedule(at: number | null): void {
    const k = this.kernel;
    if (this.ktimer !== null) { k.timers.cancel(this.ktimer); this.ktimer = null; }
    // SIGEV_NONE timers need no kernel timer: timer_gettime computes their state.
    if (at === null || this.deleted || this.notify === SIGEV_NONE) return;
    this.ktimer = k.timers.add(at, () => { this.ktimer = null; this.fire(); });
  }

  private fire(): void {
    if (!this.owner.alive()) { this.owner.clear(); return; }
    const now = this.kernel.now();
    if (!this.armed) return;
    if (now < this.next) { this.schedule(this.next); return; }
    let n = 1;
    if (this.interval > 0) {
      n = Math.floor((now - this.next) / this.interval) + 1;
      this.next += n * this.interval;
    } else this.armed = false;
    let pending = false;
    if (this.notify !== SIGEV_NONE) pending = this.deliver(n);
    this.schedule(!this.armed ? null : pending ? Math.max(this.next, now + PENDING_RECHECK_NS) : this.next);
  }

  /** Send the signal for n expirations; true if it is (still) queued. */
  private deliver(n: number): boolean {
    const old = this.info;
    if (old !== null && this.queued(old)) {
      old.overrun = Math.min(DELAYTIMER_MAX, old.overrun + n);
      return true;
    }
    if (old !== null) this.lastOverrun = old.overrun;
    const info = SigInfo.of(this.signo, SI_TIMER);
    info.tid = this.id;
    info.overrun = Math.min(DELAYTIMER_MAX, n - 1);
    info.value = this.value;
    this.info = info;
    if (this.notify === SIGEV_THREAD_ID) sendSignal(this.target, this.signo, info, true);
    else sendSignal(this.owner.leader, this.signo, info);
    return this.queued(info);
  }

  /** timer_settime: `at` is an absolute monotonic deadline (null: disarm). */
  set(at: number | null, interval: number): void {
    this.interval = interval;
    this.armed = at !== null;
    this.next = at ?? 0;
    this.schedule(at);
  }

  /** timer_gettime: [ns to the next expiry, interval]. */
  get(): [number, number] {
    if (!this.armed) return [0, this.interval];
    const now = this.kernel.now();
    let next = this.next;
    if (now >= next && this.interval > 0 && this.notify === SIGEV_NONE) {
      next += (Math.floor((now - next) / this.interval) + 1) * this.interval;
    }
    const left = next - now;
    return [left > 0 ? left : (this.notify === SIGEV_NONE ? 0 : 1), this.interval];
  }

  /** timer_getoverrun: the overrun count of the last delivered expiry signal. */
  overrun(): number {
    const i = this.info;
    return i !== null && !this.queued(i) ? i.overrun : this.lastOverrun;
  }

  delete(): void {
    this.deleted = true;
    this.schedule(null);
    this.owner.timers.delete(this.id);
  }
}

/** The timers of one process (keyed by its leader). */
export class ProcTimers {
  readonly timers = new Map<number, PosixTimer>();
  private nextId = 0;
  constructor(readonly leader: Task, readonly mm: AddressSpace) {}

  /** The process still runs the image that created the timers (exec deletes them). */
  alive(): boolean { return this.leader.mm === this.mm && groupOf(this.leader).length > 0; }

  allocId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = this.nextId >= 0x7fffffff ? 0 : this.nextId + 1;
      if (!this.timers.has(id)) return id;
    }
  }

  clear(): void { for (const t of [...this.timers.values()]) t.delete(); }
}

const byProcess = new WeakMap<Task, ProcTimers>();
registerCkptSide('posix_timers', (o) => byProcess.get(o as Task), (o, v) => { byProcess.set(o as Task, v as ProcTimers); });

/** The timer table of t's process (created on first use; a new one after exec). */
export function procTimers(t: Task): ProcTimers {
  const leader = t.kernel.tasks.get(t.tgid) ?? t;
  let p = byProcess.get(leader);
  if (p === undefined || p.mm !== leader.mm) {
    p?.clear();
    p = new ProcTimers(leader, leader.mm);
    byProcess.set(leader, p);
  }
  return p;
}
