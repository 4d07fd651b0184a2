// Task exit: release resources, become a zombie for the parent to reap, reparent
// children to init; the machine halts when init itself exits. A thread other than the
// group leader is reaped at once; the leader's zombie is reported to the parent only
// when the last thread of its group is gone.
import { Task, TaskState } from './task.js';
import { writeU32 } from '../mm/usercopy.js';
import { vforkRelease } from './fork.js';
import { futexDone, futexWakeShared, exitRobustList } from './futex.js';
import { semExit } from './sysvipc.js';

/** W_EXITCODE / W_TERMSIG encodings of a wait status. */
export function exitedStatus(code: number): number { return (code & 0xff) << 8; }
export function signaledStatus(sig: number, core = false): number { return (sig & 0x7f) | (core ? 0x80 : 0); }

/** Live (not zombie, not dead) threads of t's group other than t. */
export function otherThreads(t: Task): Task[] {
  const out: Task[] = [];
  for (const o of t.kernel.tasks.values()) {
    if (o !== t && o.tgid === t.tgid && o.state !== TaskState.Zombie && o.state !== TaskState.Dead) out.push(o);
  }
  return out;
}

/** Is any thread of the group `tgid` still alive? (A zombie leader is waitable only when not.) */
export function groupAlive(t: Task): boolean {
  for (const o of t.kernel.tasks.values()) {
    if (o.tgid === t.tgid && o.state !== TaskState.Zombie && o.state !== TaskState.Dead) return true;
  }
  return false;
}

/**
 * mm_release: the robust futexes t still holds are released (FUTEX_OWNER_DIED) and
 * CLONE_CHILD_CLEARTID zeroes the tid word and wakes a waiter (pthread_join). Done at
 * exit and at exec. As in Linux, the tid word is only written while another task shares
 * the address space (nobody else could see it; a forked child's exec or exit then costs
 * no copy-on-write fault).
 */
export function mmRelease(t: Task): void {
  exitRobustList(t);
  if (t.clearChildTid !== 0) {
    const a = t.clearChildTid;
    t.clearChildTid = 0;
    if (t.mm.users > 1) {
      try { writeU32(t.mm, a, 0); } catch { /* EFAULT ignored, as Linux does */ }
      futexWakeShared(t, a, 1);
    }
  }
}

/** End one task with wait status `status`. */
export function exitTask(t: Task, status: number): void {
  const k = t.kernel;
  if (t.state === TaskState.Zombie || t.state === TaskState.Dead) return;
  for (const q of t.waitingOn) q.remove(t);
  t.waitingOn.length = 0;
  futexDone(t);
  mmRelease(t);
  const others = otherThreads(t);   // (what follows changes no other thread's state)
  if (others.length === 0) semExit(t);
  if (--t.files.users === 0) t.files.closeAll();
  if (--t.fs.users === 0) t.fs.release();
  t.sighand.users--;
  vforkRelease(t);
  if (--t.mm.users === 0) t.mm.destroy();
  t.mm.detach(t.hart.mmu);
  t.exitStatus = status;
  t.state = TaskState.Zombie;
  const i = k.runq.indexOf(t);
  if (i >= 0) k.runq.splice(i, 1);
  // Orphans go to another thread of the group, else to init (or straight to Dead if
  // init is gone).
  const heir = others.find((o) => o.tid === o.tgid) ?? others[0] ?? (k.init !== t ? k.init : null);
  for (const c of t.children) {
    if (c.pdeathSig > 0) k.sendSignalHook?.(c, c.pdeathSig);
    c.parent = heir;
    if (c.parent) { c.parent.children.add(c); if (c.state === TaskState.Zombie) c.parent.childWait.wakeAll(); }
  }
  t.children.clear();
  if (t.tid !== t.tgid) {
    // A thread reaps itself; the last one out lets the leader's zombie be reported.
    k.reap(t);
    const leader = k.tasks.get(t.tgid);
    if (others.length === 0 && leader !== undefined && leader.state === TaskState.Zombie) groupExited(leader);
    return;
  }
  if (others.length === 0) groupExited(t);
}

/** The whole thread group of `leader` is gone: tell the parent (or halt, for init). */
function groupExited(leader: Task): void {
  const k = leader.kernel;
  if (leader.tgid === leader.sid && leader.ctty !== null) k.sessionLeaderExit?.(leader);
  if (leader === k.init) {
    const status = leader.exitStatus;
    k.haltStatus = (status & 0x7f) !== 0 ? 128 + (status & 0x7f) : (status >> 8) & 0xff;
    return;
  }
  k.childExited?.(leader);
  if (leader.parent) leader.parent.childWait.wakeAll();
  else { leader.state = TaskState.Dead; k.tasks.delete(leader.tid); }
}

/** exit_group / a fatal signal: every thread ends; the process reports `status`. */
export function exitGroup(t: Task, status: number): void {
  const leader = t.kernel.tasks.get(t.tgid);
  if (leader !== undefined && leader !== t && leader.state === TaskState.Zombie) leader.exitStatus = status;
  for (const o of otherThreads(t)) exitTask(o, status);
  exitTask(t, status);
}

/**
 * de_thread: execve in a multi-threaded process kills the other threads; a non-leader
 * caller then takes over the leader's pid, parent and place (the old leader vanishes
 * without a report to the parent).
 */
export function execKillThreads(t: Task): void {
  const k = t.kernel;
  const others = otherThreads(t);
  // Other threads first, the leader last, so its children pass to t.
  others.sort((a, b) => (a.tid === a.tgid ? 1 : 0) - (b.tid === b.tgid ? 1 : 0));
  for (const o of others) exitTask(o, 9 /* SIGKILL */);
  if (t.tid === t.tgid) return;
  const leader = k.tasks.get(t.tgid);
  k.tasks.delete(t.tid);
  t.tid = t.tgid;
  k.tasks.set(t.tid, t);
  t.exitSignal = 17; // SIGCHLD
  if (leader !== undefined && leader !== t) {
    k.retiredInstret += leader.hart.instret;
    leader.state = TaskState.Dead;
    t.parent = leader.parent;
    t.exitSignal = leader.exitSignal;
    t.startTime = leader.startTime;
    if (t.parent) { t.parent.children.delete(leader); t.parent.children.add(t); }
  }
}
