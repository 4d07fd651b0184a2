// Kernel timers in a checkpoint. A timer is a deadline and a closure, so it is saved as
// what it is for (a task's sleep or poll timeout, a process's ITIMER_REAL), in queue
// order, and made again on restore with the same deadline and order. A timer of any
// other kind (a tty VTIME read, an armed POSIX timer or timerfd, the network stack)
// refuses the checkpoint.
import type { Kernel } from '../../kernel/kernel.js';
import type { Task } from '../../kernel/task.js';
import type { Timer } from '../../kernel/time.js';
import { startItReal } from '../../syscalls/sys_signal.js';
import { CkptError } from './graph.js';

export interface TimerDesc { at: number; kind: 'sleep' | 'itreal'; task: Task; }

function queue(k: Kernel): Timer[] { return (k.timers as unknown as { q: Timer[] }).q; }

export function saveTimers(k: Kernel): TimerDesc[] {
  const kinds = new Map<Timer, Omit<TimerDesc, 'at'>>();
  for (const t of k.tasks.values()) {
    if (t.sleepTimer) kinds.set(t.sleepTimer, { kind: 'sleep', task: t });
    if (t.itRealTimer) kinds.set(t.itRealTimer, { kind: 'itreal', task: t });
  }
  const out: TimerDesc[] = [];
  for (const tm of queue(k)) {
    if (tm.cancelled) continue;
    const d = kinds.get(tm);
    if (!d) throw new CkptError('a kernel timer that is not a task sleep or ITIMER_REAL (a tty VTIME read, POSIX timer, timerfd or network timer) is pending');
    out.push({ at: tm.at, ...d });
  }
  return out;
}

export function loadTimers(k: Kernel, list: TimerDesc[]): void {
  for (const d of list) {
    if (d.kind === 'sleep') k.wakeAt(d.task, d.at);
    else startItReal(d.task, d.at);
  }
}
