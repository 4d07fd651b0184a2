// The kernel's side of tty job control: who is calling, process groups, sessions and
// signals, as the tty layer (drivers/tty) asks through its TtyJobControl interface.
import type { Kernel } from './kernel.js';
import { Task, TaskState } from './task.js';
import type { TtyJobControl, TtyProc, CttyRef } from '../drivers/tty/index.js';
import { sendSignal, isBlocked } from './signal.js';
import { SigInfo, SI_KERNEL } from './siginfo.js';
import { SIG_IGN } from './signal_state.js';

function live(t: Task): boolean { return t.state !== TaskState.Zombie && t.state !== TaskState.Dead; }

/** A TtyProc view of a task; setting ctty sets it for the whole session. */
class ProcView implements TtyProc {
  constructor(private readonly t: Task) {}
  get pid(): number { return this.t.tgid; }
  get pgid(): number { return this.t.pgid; }
  get sid(): number { return this.t.sid; }
  get isSessionLeader(): boolean { return this.t.tgid === this.t.sid; }
  get isAdmin(): boolean { return this.t.cred.euid === 0; }
  get ctty(): CttyRef | null { return this.t.ctty as CttyRef | null; }
  set ctty(v: CttyRef | null) {
    for (const o of this.t.kernel.tasks.values()) if (o.sid === this.t.sid && live(o)) o.ctty = v;
  }
  sigIgnoredOrBlocked(sig: number): boolean {
    return isBlocked(this.t, sig) || this.t.sighand.actions[sig].handler === SIG_IGN;
  }
}

export function makeJobControl(k: Kernel): TtyJobControl {
  return {
    current: () => (k.current ? new ProcView(k.current) : null),
    signalPgrp: (pgid, sig) => {
      for (const o of [...k.tasks.values()]) {
        if (o.pgid === pgid && o.tid === o.tgid && live(o)) sendSignal(o, sig, SigInfo.of(sig, SI_KERNEL));
      }
    },
    pgrpInSession: (pgid, sid) => { for (const o of k.tasks.values()) if (o.pgid === pgid && o.sid === sid && live(o)) return true; return false; },
    isOrphanedPgrp: (pgid) => k.isOrphanedPgrp(pgid),
    clearSessionCtty: (sid) => { for (const o of k.tasks.values()) if (o.sid === sid) o.ctty = null; },
    now: () => k.now() / 1e6,
    addTimer: (ms, fn) => { const tm = k.timers.add(k.now() + ms * 1e6, fn); return () => k.timers.cancel(tm); },
  };
}

/** On exit of a session leader the tty is hung up and the session loses it (tty layer). */
export function procView(t: Task): TtyProc { return new ProcView(t); }
