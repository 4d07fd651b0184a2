// The kernel object: the task table, run queue, clock, timers and kernel log. One per
// machine; the run loop in machine/ drives it.
import { PhysMem } from '../mm/phys.js';
import { Task, TaskState } from './task.js';
import { ClockSource, TimerQueue } from './time.js';

export interface KernelConfig {
  quiet: boolean;
  strace: boolean;
  hostname: string;
  /** Where kernel messages go (the host's stderr in the CLI). */
  console: (line: string) => void;
}

export class Kernel {
  readonly tasks = new Map<number, Task>();
  readonly runq: Task[] = [];
  readonly timers = new TimerQueue();
  readonly dmesg: string[] = [];
  private nextPid = 1;
  hostname: string;
  domainname = '(none)';
  /** Set when the machine should stop: init exited, poweroff, or panic. */
  haltStatus: number | null = null;
  rebootRequested = false;
  /** reboot(2) CAD_ON/OFF: whether ctrl-alt-del reboots at once or signals init. */
  cadEnabled = true;
  init: Task | null = null;
  /** The task whose syscall is executing (Linux's `current`), for /proc/self and ttys. */
  current: Task | null = null;
  /** Instructions retired by tasks that have been reaped (for `stats`). */
  retiredInstret = 0;
  /** Hooks filled in by later subsystems (futex, signals); optional so exit works without them. */
  futexWake?: (t: Task, addr: number, n: number) => number;
  childExited?: (t: Task) => void;
  /** t exec'd a program with these arguments (after #! rewriting). */
  execed?: (t: Task, argv: Uint8Array[]) => void;
  sessionLeaderExit?: (t: Task) => void;
  sendSignalHook?: (t: Task, sig: number) => void;
  /**
   * Host devices that can be polled without blocking (the uml_switch port): the run
   * loop calls each between slices, so frames are taken in while guests compute and
   * not only when the loop yields to the event loop (every few ms).
   */
  readonly pollers: (() => void)[] = [];
  /** Deterministic-capable randomness for AT_RANDOM and getrandom (seeded at boot). */
  random: (buf: Uint8Array) => void = (b) => { for (let i = 0; i < b.length; i++) b[i] = (Math.random() * 256) | 0; };

  constructor(readonly mem: PhysMem, readonly clock: ClockSource, readonly cfg: KernelConfig) {
    this.hostname = cfg.hostname;
  }

  allocPid(): number {
    for (;;) {
      const p = this.nextPid++;
      if (this.nextPid > 4194304) this.nextPid = 2;
      if (!this.tasks.has(p)) return p;
    }
  }

  now(): number { return this.clock.monoNs(); }
  /** The time CSR user code reads (rdtime): the monotonic clock in ticks of 10 MHz, Linux/riscv's usual timebase. */
  readonly rdtime = (): number => Math.floor(this.clock.monoNs() / 100);

  /** printk: kept for dmesg; shown on the host's stderr unless quiet (errors always). */
  log(msg: string, important = false): void {
    const t = this.now() / 1e9;
    const line = `[${t.toFixed(6).padStart(12)}] ${msg}`;
    this.dmesg.push(line);
    if (this.dmesg.length > 2000) this.dmesg.shift();
    if (!this.cfg.quiet || important) this.cfg.console(line);
  }

  /** Remove a zombie for good (wait reaped it, or its parent ignores SIGCHLD). */
  reap(t: Task): void {
    this.retiredInstret += t.hart.instret;
    t.hart.release();
    t.state = TaskState.Dead;
    this.tasks.delete(t.tid);
    if (t.parent) t.parent.children.delete(t);
  }

  /** A process group is orphaned when no member has a parent in another group of the same session. */
  isOrphanedPgrp(pgid: number): boolean {
    let any = false;
    for (const t of this.tasks.values()) {
      if (t.pgid !== pgid || t.state === TaskState.Zombie || t.state === TaskState.Dead) continue;
      any = true;
      const p = t.parent;
      if (p && p.pgid !== pgid && p.sid === t.sid) return false;
    }
    return any;
  }

  makeRunnable(t: Task): void {
    if (t.state === TaskState.Runnable && !this.runq.includes(t)) this.runq.push(t);
    this.onRunnable();
  }

  /** Set by the run loop: called when a task becomes runnable (to schedule a tick). */
  onRunnable: () => void = () => {};

  /**
   * Called when every task sleeps and the next timer is at `next`. With time travel the
   * clock jumps there and this returns true; with host time it returns false (wait).
   */
  idleSkip: (next: number) => boolean = () => false;

  /** Put t to sleep (no wait queue) until monotonic time `at`, or until woken earlier. */
  sleepTask(t: Task, at: number): void {
    t.state = TaskState.Blocked;
    if (t.sleepTimer !== null) this.timers.cancel(t.sleepTimer);
    t.sleepTimer = this.timers.add(at, () => { t.sleepTimer = null; t.wake(); });
  }

  /** Wake t at monotonic time `at` (without blocking it now), e.g. for poll timeouts. */
  wakeAt(t: Task, at: number): void {
    if (t.sleepTimer !== null) this.timers.cancel(t.sleepTimer);
    t.sleepTimer = this.timers.add(at, () => { t.sleepTimer = null; t.wake(); });
  }
}
