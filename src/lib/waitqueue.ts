// Wait queues: the one way a task sleeps. A syscall that must wait registers its task
// on one or more queues and returns BLOCK; waking makes the task runnable again and the
// syscall is executed afresh (restart semantics), so handlers keep no continuation.

/** Something that can be woken: a task, or a poll/epoll waiter. */
export interface Waiter { wake(): void; }

/** Sentinel syscall result: "the task is now asleep; re-execute the syscall when woken". */
export const BLOCK = -0x40000000;

export class WaitQueue {
  private readonly waiters = new Set<Waiter>();
  add(w: Waiter): void { this.waiters.add(w); }
  remove(w: Waiter): void { this.waiters.delete(w); }
  get empty(): boolean { return this.waiters.size === 0; }
  /** Wake every waiter (they re-check their condition themselves). */
  wakeAll(): void {
    if (this.waiters.size === 0) return;
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w.wake();
  }
}
