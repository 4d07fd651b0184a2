// Test helpers for the inet stack: a manual clock and a wire between Ethernet devices
// with latency and a loss function. Used by the unit tests only.
import { NetClock, NetTimerHandle, parseIp } from './util.js';
import { NetStack } from './stack.js';
import type { NetDevice, LinkTransport } from './netdev.js';

interface T extends NetTimerHandle { at: number; fire: () => void; seq: number; }

export class ManualClock implements NetClock {
  t = 0;
  private q: T[] = [];
  private seq = 0;
  now(): number { return this.t; }
  addTimer(at: number, fire: () => void): NetTimerHandle {
    const h: T = { at, fire, cancelled: false, seq: this.seq++ };
    this.q.push(h);
    return h;
  }
  cancelTimer(h: NetTimerHandle): void { h.cancelled = true; }
  /** Run timers in deadline order until `ns` has passed. */
  advance(ns: number): void {
    const end = this.t + ns;
    for (;;) {
      this.q = this.q.filter((x) => !x.cancelled);
      let best: T | null = null;
      for (const x of this.q) if (x.at <= end && (!best || x.at < best.at || (x.at === best.at && x.seq < best.seq))) best = x;
      if (!best) break;
      this.q.splice(this.q.indexOf(best), 1);
      if (best.at > this.t) this.t = best.at;
      best.fire();
    }
    this.t = end;
  }
  /** Advance in steps until cond() holds (or limit ns pass). */
  until(cond: () => boolean, limit = 600e9, step = 1e6): boolean {
    let spent = 0;
    while (!cond()) { if (spent >= limit) return false; this.advance(step); spent += step; }
    return true;
  }
  get pending(): number { return this.q.filter((x) => !x.cancelled).length; }
}

/** Connect two Ethernet devices; frames take `latency` ns; drop(frame) may discard them. */
export function wire(clock: ManualClock, a: NetDevice, b: NetDevice, latency = 1e6,
  drop: (f: Uint8Array, from: NetDevice) => boolean = () => false): { sent: number; dropped: number } {
  const st = { sent: 0, dropped: 0 };
  const mk = (from: NetDevice, to: NetDevice): LinkTransport => ({
    describe: 'test wire',
    send(f: Uint8Array): void {
      st.sent++;
      if (drop(f, from)) { st.dropped++; return; }
      const copy = f.slice();
      clock.addTimer(clock.now() + latency, () => to.receiveFrame(copy));
    },
  });
  a.transport = mk(a, b); b.transport = mk(b, a);
  return st;
}

export function mac(n: number): Uint8Array { return new Uint8Array([2, 0, 0, 0, 0, n]); }

export function newStack(clock: ManualClock): NetStack {
  const s = new NetStack(clock);
  s.setupLoopback();
  return s;
}

void parseIp;
