// Clocks and kernel timers. The clock source is injected (host time, or virtual time
// for time travel); timers are a sorted list the run loop consults when idle.

export interface ClockSource {
  /** Monotonic nanoseconds since boot. */
  monoNs(): number;
  /** Offset from the monotonic clock to CLOCK_REALTIME, in ns since the epoch. */
  realOffsetNs: number;
  /** Instructions retired since the last call (virtual clocks count them). */
  retire?(n: number): void;
}

export class HostClock implements ClockSource {
  private readonly t0 = process.hrtime.bigint();
  realOffsetNs: number;
  constructor() { this.realOffsetNs = Date.now() * 1e6; }
  monoNs(): number { return Number(process.hrtime.bigint() - this.t0); }
}

export interface Timer { at: number; fire: () => void; cancelled: boolean; }

export class TimerQueue {
  private readonly q: Timer[] = [];
  add(at: number, fire: () => void): Timer {
    const t: Timer = { at, fire, cancelled: false };
    let i = this.q.length;
    while (i > 0 && this.q[i - 1].at > at) i--;
    this.q.splice(i, 0, t);
    return t;
  }
  cancel(t: Timer): void {
    t.cancelled = true;
    const i = this.q.indexOf(t);
    if (i >= 0) this.q.splice(i, 1);
  }
  /** Earliest pending deadline, or Infinity. */
  next(): number { return this.q.length ? this.q[0].at : Infinity; }
  /** Fire every timer due at or before now. */
  run(now: number): boolean {
    let fired = false;
    while (this.q.length && this.q[0].at <= now) {
      const t = this.q.shift()!;
      if (!t.cancelled) { fired = true; t.fire(); }
    }
    return fired;
  }
}
