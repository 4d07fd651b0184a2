// Task exit: release resources, become a zombie for the parent to reap, reparent
// children to init; the machine halts when init itself exits.
import { Task, TaskState } from './task.js';
import { writeU32 } from '../mm/usercopy.js';
import { vforkRelease } from './fork.js';

/** W_EXITCODE / W_TERMSIG encodings of a wait status. */
export function exitedStatus(code: number): number { return (code & 0xff) << 8; }
export function signaledStatus(sig: number, core = false): number { return (sig & 0x7f) | (core ? 0x80 : 0); }

/** End one task with wait status `status`. */
export function exitTask(t: Task, status: number): void {
  const k = t.kernel;
  if (t.state === TaskState.Zombie || t.state === TaskState.Dead) return;
  for (const q of t.waitingOn) q.remove(t);
  t.waitingOn.length = 0;
  // CLONE_CHILD_CLEARTID: zero the tid word and wake a futex waiter there (futex comes later).
  if (t.clearChildTid !== 0) {
    try { writeU32(t.mm, t.clearChildTid, 0); } catch { /* EFAULT ignored, as Linux does */ }
    k.futexWake?.(t, t.clearChildTid, 1);
  }
  if (--t.files.users === 0) t.files.closeAll();
  if (t.tgid === t.sid && t.tid === t.tgid && t.ctty !== null) k.sessionLeaderExit?.(t);
  if (--t.fs.users === 0) t.fs.release();
  vforkRelease(t);
  if (--t.mm.users === 0) t.mm.destroy();
  t.mm.detach(t.hart.mmu);
  t.exitStatus = status;
  t.state = TaskState.Zombie;
  const i = k.runq.indexOf(t);
  if (i >= 0) k.runq.splice(i, 1);
  // Orphans go to init (or straight to Dead if init is gone).
  for (const c of t.children) {
    if (c.pdeathSig > 0) k.sendSignalHook?.(c, c.pdeathSig);
    c.parent = k.init !== t ? k.init : null;
    if (c.parent) { c.parent.children.add(c); if (c.state === TaskState.Zombie) c.parent.childWait.wakeAll(); }
  }
  t.children.clear();
  if (t === k.init) {
    k.haltStatus = (status & 0x7f) !== 0 ? 128 + (status & 0x7f) : (status >> 8) & 0xff;
    return;
  }
  k.childExited?.(t);
  if (t.parent) t.parent.childWait.wakeAll();
  else { t.state = TaskState.Dead; k.tasks.delete(t.tid); }
}
