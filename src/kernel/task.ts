// A task: one thread of execution with its CPU state, address space, files and
// signal state. Tasks are explicit state machines (DESIGN decision 4): a blocked task
// sits on wait queues with its pc still at the ecall and re-executes it when woken.
import { Hart } from '../arch/riscv/hart.js';
import { AddressSpace } from '../mm/aspace.js';
import { FdTable } from '../fs/vfs/fdtable.js';
import { FsContext } from '../fs/vfs/fscontext.js';
import { Cred } from './cred.js';
import { WaitQueue, Waiter } from '../lib/waitqueue.js';
import type { Kernel } from './kernel.js';
import { Rlimits } from './limits.js';
import type { Timer } from './time.js';
import type { SigInfo } from './siginfo.js';

export const enum TaskState { Runnable, Blocked, Stopped, Zombie, Dead }

/** Signal dispositions shared by the threads of a process (CLONE_SIGHAND). */
export class SigAction {
  handler = 0;   // SIG_DFL = 0, SIG_IGN = 1, else a guest address
  flags = 0;
  restorer = 0;
  maskLo = 0; maskHi = 0;
  /** The owner token of the table that may change this entry in place (SigHand.writable); null: shared. */
  owner: object | null = null;
  /** A copy of `from`, or the default disposition. */
  constructor(from?: SigAction) {
    if (from !== undefined) {
      this.handler = from.handler; this.flags = from.flags; this.restorer = from.restorer;
      this.maskLo = from.maskLo; this.maskHi = from.maskHi;
    }
  }
}
/** The default disposition, shared by every table until one changes it (frozen: writing it throws). */
export const SIG_DEFAULT = Object.freeze(new SigAction());

export class SigHand {
  /** Tasks sharing this table (CLONE_SIGHAND). */
  users = 1;
  /**
   * Dispositions by signal number. Entries are shared with the tables this one was copied
   * from or to (a fork copies 65 references, not 65 objects); read them here, change them
   * only through writable().
   */
  readonly actions: SigAction[];
  /**
   * What the entries this table may change in place carry as their owner. A copy gives
   * the original a new one: the entries it owned are shared with the copy from then on.
   */
  private token: object = {};
  /** signalfd readers and pollers: woken whenever a signal is queued for the process. */
  readonly signalfdWait = new WaitQueue();
  /** A copy of `from`'s dispositions (fork), or all defaults. */
  constructor(from?: SigHand) {
    if (from === undefined) this.actions = new Array<SigAction>(65).fill(SIG_DEFAULT);
    else { this.actions = from.actions.slice(); from.token = {}; }
  }
  clone(): SigHand { return new SigHand(this); }
  /** Signal sig's disposition, this table's own copy, to change. */
  writable(sig: number): SigAction {
    const a = this.actions[sig];
    if (a.owner === this.token) return a;
    const c = new SigAction(a);
    c.owner = this.token;
    this.actions[sig] = c;
    return c;
  }
  /** Back to the default disposition (execve, CLONE_CLEAR_SIGHAND). */
  reset(sig: number): void { this.actions[sig] = SIG_DEFAULT; }
}

/** Signals pending for a whole thread group (process-directed), shared by its threads. */
export class SharedPending {
  lo = 0; hi = 0;
  readonly q: SigInfo[] = [];
}

export class Task implements Waiter {
  readonly hart: Hart;
  parent: Task | null = null;
  readonly children = new Set<Task>();
  pgid: number;
  sid: number;
  comm = '';
  /** Path of the executable (for /proc/PID/exe and AT_EXECFN). */
  exePath = '';
  state = TaskState.Runnable;
  /** Wait status once a zombie (as wait4 reports it). */
  exitStatus = 0;
  /** Blocked signals as two 32-bit words (bit n-1 = signal n). */
  maskLo = 0; maskHi = 0;
  /** Pending signals for this thread (word pair) and their siginfo records. */
  pendLo = 0; pendHi = 0;
  readonly sigq: SigInfo[] = [];
  /** Process-directed pending signals, shared by the thread group (CLONE_THREAD). */
  shared = new SharedPending();
  /** rt_sigsuspend/pselect: the mask to restore once a handler has been set up. */
  savedMaskLo = 0; savedMaskHi = 0; restoreMask = false;
  /** rt_sigtimedwait: signals that wake the task although blocked. */
  waitSetLo = 0; waitSetHi = 0;
  /** The task is blocked inside a syscall (pc at the ecall, to be re-executed). */
  inSyscall = false;
  /** Job-control stop: the signal that stopped us, and what the parent has been told. */
  stopSig = 0;
  /** Pending wait-reportable events: 'stopped' or 'continued' (cleared when reaped by wait). */
  reportStop = false; reportCont = false;
  /** Terminating signal chosen for the group (exit in progress). */
  /** ITIMER_REAL timer and interval (ns). */
  itRealTimer: Timer | null = null; itRealInterval = 0; itRealAt = 0;
  /** ITIMER_VIRTUAL/PROF: expiry as process CPU ns (0 = disarmed) and interval (kernel/itimer.ts). */
  itVirtAt = 0; itVirtInterval = 0; itProfAt = 0; itProfInterval = 0;
  sighand: SigHand;
  /** sigaltstack: base, size and flags (SS_DISABLE = 2 when none). */
  altStackSp = 0; altStackSize = 0; altStackFlags = 2;
  clearChildTid = 0;
  /** Set once this process has called execve (setpgid on a child is then EACCES). */
  execed = false;
  /** vfork: the queue the parent sleeps on until this child execs or exits. */
  vforkDone: WaitQueue | null = null;
  /** vfork parent: the child whose release ends our vfork() syscall. */
  vforkChild: Task | null = null;
  /** Controlling terminal (opaque to the kernel; the tty layer owns it). */
  ctty: unknown = null;
  /** Signal sent to the parent on exit (clone's low byte; SIGCHLD for fork). */
  exitSignal = 17;
  robustList = 0; robustLen = 0;
  /** futex wait state (kernel/futex.ts), kept across re-executions of FUTEX_WAIT. */
  futexKey: string | null = null; futexBitset = 0; futexWoken = false; futexDeadline = -1;
  /** The current futex sleep has a timeout (a handler then ends it with EINTR, never a restart). */
  futexTimed = false;
  /** sched_yield: end the current time slice after this syscall. */
  yieldSlice = false;
  /** The queue a futex waiter sleeps on (one per task; the futex table holds the order). */
  readonly futexQ = new WaitQueue();
  /** Wait queues this task sleeps on while Blocked. */
  readonly waitingOn: WaitQueue[] = [];
  /** Deadline (virtual ns) carried across restarts of a sleeping syscall; -1 = none. */
  sleepUntil = -1;
  /** The kernel timer that will wake this task, if any. */
  sleepTimer: Timer | null = null;
  /** Set when a syscall should return -EINTR because a signal interrupted the sleep. */
  interrupted = false;
  /** CPU instructions run (for /proc stat utime). */
  utimeInsns = 0;
  startTime = 0;
  rlim: Rlimits;
  /** Scheduling attributes (one CPU: recorded and reported; the run queue is round robin). */
  schedPolicy = 0; schedPriority = 0; nice = 0; ioprio = 0;
  /** personality(2) persona; mlockall flags (MCL_*). */
  personality = 0; mlockAll = 0;
  /** prctl state: parent-death signal, dumpable flag, subreaper, no_new_privs. */
  pdeathSig = 0; dumpable = 1; subreaper = false; noNewPrivs = false;
  /** Wait queue for wait4/waitid callers (children changing state); shared by the thread group. */
  childWait = new WaitQueue();

  constructor(
    readonly kernel: Kernel,
    public tid: number,
    public tgid: number,
    public mm: AddressSpace,
    public files: FdTable,
    public fs: FsContext,
    public cred: Cred,
    /** fork passes the child's copies; a first task gets the defaults. */
    sighand?: SigHand,
    rlim?: Rlimits,
  ) {
    this.sighand = sighand ?? new SigHand();
    this.rlim = rlim ?? new Rlimits();
    this.hart = Hart.take(mm.mem);
    this.hart.owner = this;
    this.hart.timeFn = kernel.rdtime;
    mm.attach(this.hart.mmu);
    this.pgid = tgid;
    this.sid = tgid;
  }

  get pid(): number { return this.tgid; }

  /** Sleep on wq until woken; the caller then returns BLOCK from its syscall. */
  blockOn(wq: WaitQueue): void {
    wq.add(this);
    this.waitingOn.push(wq);
    this.state = TaskState.Blocked;
  }

  /** Waiter.wake: leave every queue and become runnable (the syscall re-executes). */
  wake(): void {
    if (this.state !== TaskState.Blocked) return;
    for (const q of this.waitingOn) q.remove(this);
    this.waitingOn.length = 0;
    this.state = TaskState.Runnable;
    this.kernel.makeRunnable(this);
  }

  /** Replace the address space (exec). */
  setMm(mm: AddressSpace): void {
    this.mm.detach(this.hart.mmu);
    this.mm = mm;
    mm.attach(this.hart.mmu);
  }
}
