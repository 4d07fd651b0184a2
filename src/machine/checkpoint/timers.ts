// Kernel timers in a checkpoint. A timer is a deadline and a closure, so it is saved as
// what it is for (a task's sleep or poll timeout, a process's ITIMER_REAL, a POSIX timer,
// a timerfd), in queue order, and made again on restore with the same deadline and order.
// A timer of any other kind (a tty VTIME read, the network stack) refuses the checkpoint.
import type { Kernel } from '../../kernel/kernel.js';
import type { Task } from '../../kernel/task.js';
import type { Timer } from '../../kernel/time.js';
import { startItReal } from '../../syscalls/sys_signal.js';
import { CkptError } from './graph.js';
import { PosixTimer } from '../../kernel/posix_timer.js';
import { TimerFdFile } from '../../kernel/timerfd.js';

export type TimerDesc = { at: number } & ({ kind: 'sleep' | 'itreal'; task: Task } | { kind: 'posix'; timer: PosixTimer } | { kind: 'timerfd'; file: TimerFdFile });
type Kind = TimerDesc extends infer D ? (D extends { at: number } ? Omit<D, 'at'> : never) : never;

function queue(k: Kernel): Timer[] { return (k.timers as unknown as { q: Timer[] }).q; }

/** The pending timers of k, in order; `all` lists the objects being saved (timer owners among them). */
export function saveTimers(k: Kernel, all: readonly object[]): TimerDesc[] {
  const kinds = new Map<Timer, Kind>();
  for (const t of k.tasks.values()) {
    if (t.sleepTimer) kinds.set(t.sleepTimer, { kind: 'sleep', task: t });
    if (t.itRealTimer) kinds.set(t.itRealTimer, { kind: 'itreal', task: t });
  }
  for (const o of all) {
    if (o instanceof PosixTimer) { const tm = (o as unknown as { ktimer: Timer | null }).ktimer; if (tm) kinds.set(tm, { kind: 'posix', timer: o }); }
    else if (o instanceof TimerFdFile) { const tm = (o as unknown as { timer: Timer | null }).timer; if (tm) kinds.set(tm, { kind: 'timerfd', file: o }); }
  }
  const out: TimerDesc[] = [];
  for (const tm of queue(k)) {
    if (tm.cancelled) continue;
    const d = kinds.get(tm);
    if (!d) throw new CkptError('a kernel timer that is not a task sleep or ITIMER_REAL (a tty VTIME read, POSIX timer, timerfd or network timer) is pending');
    out.push({ at: tm.at, ...d } as TimerDesc);
  }
  return out;
}

export function loadTimers(k: Kernel, list: TimerDesc[]): void {
  for (const d of list) {
    if (d.kind === 'sleep') k.wakeAt(d.task, d.at);
    else if (d.kind === 'itreal') startItReal(d.task, d.at);
    else if (d.kind === 'posix') (d.timer as unknown as { schedule(at: number): void }).schedule(d.at);
    else if (d.kind === 'timerfd') (d.file as unknown as { arm(): void }).arm(); // at its `next`, which is d.at
  }
}
