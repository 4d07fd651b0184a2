// fork/vfork/clone: a new task sharing or copying the parent's resources by flag.
// The address space is copied copy-on-write unless CLONE_VM shares it.
import { Task, TaskState } from './task.js';
import { writeU32 } from '../mm/usercopy.js';
import { WaitQueue } from '../lib/waitqueue.js';

export const CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800,
  CLONE_PIDFD = 0x1000, CLONE_PTRACE = 0x2000, CLONE_VFORK = 0x4000, CLONE_PARENT = 0x8000,
  CLONE_THREAD = 0x10000, CLONE_NEWNS = 0x20000, CLONE_SYSVSEM = 0x40000, CLONE_SETTLS = 0x80000,
  CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000, CLONE_DETACHED = 0x400000,
  CLONE_UNTRACED = 0x800000, CLONE_CHILD_SETTID = 0x01000000, CLONE_NEWCGROUP = 0x02000000,
  CLONE_NEWUTS = 0x04000000, CLONE_NEWIPC = 0x08000000, CLONE_NEWUSER = 0x10000000,
  CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000, CLONE_IO = 0x80000000;

export interface CloneArgs {
  flags: number; stack: number; parentTid: number; childTid: number; tls: number; exitSignal: number;
  /** clone3 set_tid: the pid the child must get (checked free by the caller). */
  setTid?: number;
}

/** Create the child task. The caller has validated flag combinations. */
export function copyProcess(p: Task, a: CloneArgs): Task {
  const k = p.kernel;
  const f = a.flags;
  const mm = (f & CLONE_VM) ? p.mm : p.mm.fork();
  if (f & CLONE_VM) mm.users++;
  const files = (f & CLONE_FILES) ? p.files : p.files.clone();
  if (f & CLONE_FILES) files.users++;
  const fs = (f & CLONE_FS) ? p.fs : p.fs.clone();
  if (f & CLONE_FS) fs.users++;
  const tid = a.setTid ?? k.allocPid();
  const thread = (f & CLONE_THREAD) !== 0;
  let sighand = p.sighand;
  if (f & CLONE_SIGHAND) p.sighand.users++; else sighand = p.sighand.clone();
  // Resource limits belong to the process: its threads share them (setrlimit in one is seen by all).
  const c = new Task(k, tid, thread ? p.tgid : tid, mm, files, fs, thread ? p.cred : p.cred.clone(), sighand,
    thread ? p.rlim : p.rlim.clone());
  if (thread) {
    // A thread shares the group's process-directed pending signals and its wait queue
    // for children (any thread may wait for any thread's children).
    c.shared = p.shared;
    c.childWait = p.childWait;
  }
  c.pgid = p.pgid; c.sid = p.sid;
  c.comm = p.comm; c.exePath = p.exePath;
  c.maskLo = p.maskLo; c.maskHi = p.maskHi;
  c.schedPolicy = p.schedPolicy & ~0x40000000; // SCHED_RESET_ON_FORK is not inherited as such
  c.schedPriority = p.schedPriority; c.nice = p.nice; c.ioprio = p.ioprio; c.personality = p.personality;
  if (p.schedPolicy & 0x40000000) { c.schedPolicy = 0; c.schedPriority = 0; if (c.nice < 0) c.nice = 0; }
  c.altStackSp = p.altStackSp; c.altStackSize = p.altStackSize; c.altStackFlags = p.altStackFlags;
  c.exitSignal = thread ? -1 : a.exitSignal;
  c.startTime = k.now();
  c.ctty = p.ctty;
  // Registers: a copy of the parent's at the ecall, returning 0 in the child.
  const h = c.hart, ph = p.hart;
  h.x.set(ph.x); h.f64.set(ph.f64); h.fflags = ph.fflags; h.frm = ph.frm;
  h.pc = ph.pc + 4;
  h.x[20] = 0; h.x[21] = 0;
  if (a.stack !== 0) h.setNum(2, a.stack);
  if (f & CLONE_SETTLS) h.setNum(4, a.tls);
  // A thread's parent is its group's parent; only group leaders are on a children list.
  const parent = (f & (CLONE_PARENT | CLONE_THREAD)) ? (k.tasks.get(p.tgid) ?? p).parent : p;
  c.parent = parent;
  if (!thread && parent !== null) parent.children.add(c);
  if (f & CLONE_CHILD_CLEARTID) c.clearChildTid = a.childTid;
  if (f & CLONE_CHILD_SETTID) { try { writeU32(c.mm, a.childTid, tid); } catch { /* ignored as Linux */ } }
  if (f & CLONE_PARENT_SETTID) { try { writeU32(p.mm, a.parentTid, tid); } catch { /* ignored */ } }
  k.tasks.set(tid, c);
  if (f & CLONE_VFORK) {
    // The parent sleeps until the child execs or exits (vfork semantics).
    c.vforkDone = new WaitQueue();
    p.blockOn(c.vforkDone);
    p.vforkChild = c;
  }
  c.state = TaskState.Runnable;
  k.makeRunnable(c);
  return c;
}

/** The child released the parent's memory (exec or exit): wake a vfork parent. */
export function vforkRelease(c: Task): void {
  if (c.vforkDone !== null) { const q = c.vforkDone; c.vforkDone = null; q.wakeAll(); }
}
