// The run loop: picks a runnable task, runs its hart for a time slice, and turns
// CPU exits into syscalls, page faults and signals. The Node event loop is the
// interrupt controller: the loop yields to it regularly so host I/O is never starved.
import { itimerCheck, itimersOf } from '../kernel/itimer.js';
import { Kernel } from '../kernel/kernel.js';
import { Task, TaskState } from '../kernel/task.js';
import { runHart, hotRetired } from '../arch/riscv/jit/jit.js';
import { Hart, EXIT_BUDGET, EXIT_ECALL, EXIT_FAULT, EXIT_EBREAK, EXIT_ILLEGAL, EXIT_MISALIGNED } from '../arch/riscv/hart.js';
import { setEcallFast } from '../arch/riscv/cpu.js';
import { primeInterpreter } from '../arch/riscv/prime.js';
import { TABLE, MAX_NR } from '../syscalls/table.js';
import { UserFault } from '../mm/usercopy.js';
import { BLOCK } from '../lib/waitqueue.js';
import { NORETURN } from '../syscalls/dispatch_consts.js';
import { ENOSYS, EFAULT, EINTR, ERESTARTSYS } from '../abi/linux/errno.js';
import { straceEnter, straceResult } from './strace.js';
import { SIGSEGV, SIGILL, SIGTRAP, SIGBUS } from '../kernel/signal_state.js';
import { faultSignal, deliverPending, hasDeliverable, RESTART_SYS, RESTART_NOHAND } from '../kernel/signal.js';
import { NO_RESTART } from '../syscalls/table.js';
import { futexNoRestart } from '../syscalls/sys_futex.js';
import { NR } from '../abi/linux/unistd.js';
import { sampleLoad } from '../proc/index.js';
import { syncAllPageCaches } from '../fs/pagecache.js';
import { IdleTrim } from './idletrim.js';
import { optWarmSlice, optWarmOver, optWarmPure, optWarmExec, SYSCALL_WORK, FAULT_WORK } from './optwarm.js';

/** Instructions per scheduling slice. */
const SLICE = 200000;
/**
 * While V8's optimizing compiler is held back (machine/optwarm.ts), the run loop reports
 * the work done so far every WARM_STEP units (instructions, SYSCALL_WORK a syscall,
 * FAULT_WORK a page fault), and
 * the in-place path declines every WARM_CALLS-th call so that the run loop gets to
 * count: a busy task (a getpid loop runs a whole slice in place) then ends that warm-up
 * after ~1,000 calls rather than a slice's ~10,000 run with neither compiler.
 */
const WARM_STEP = 25000, WARM_CALLS = 1024;
/** The run loop is in V8's warm-up (see WARM_STEP); in-place calls since the in-place path last declined. */
let warmingNow = true, warmCalls = 0;
/** Host milliseconds of guest work between yields to the event loop. */
const YIELD_MS = 8;

const args = [0, 0, 0, 0, 0, 0];

/** A handler called with only the arguments it takes. */
type AnyHandler = (t: Task, a0?: number, a1?: number, a2?: number, a3?: number, a4?: number, a5?: number) => number;

/**
 * Arguments each syscall takes: its strace format's count, or more where its handler
 * declares more. Only those registers become numbers and are passed, so that a call
 * like getpid boxes no HeapNumbers (a 64-bit pointer is no small integer): the path
 * from ecall to return allocates nothing.
 */
const ARITY = new Uint8Array(MAX_NR);
function computeArity(): void {
  for (let i = 0; i < MAX_NR; i++) {
    const d = TABLE[i];
    ARITY[i] = d && d.handler ? Math.min(6, Math.max(d.args.length, d.handler.length - 1, 0)) : 6;
  }
}

/**
 * Syscalls the CPU may complete in place (cpu.setEcallFast): they take no arguments,
 * return a small number, and cannot block, fault, signal or change what runs next.
 */
const FAST = new Uint8Array(MAX_NR);
for (const nr of [NR.getpid, NR.getppid, NR.gettid, NR.getuid, NR.geteuid, NR.getgid, NR.getegid]) FAST[nr] = 1;

/** Syscalls completed in place so far (work for machine/optwarm.ts). */
let fastCalls = 0;

/** The in-place path: a FAST syscall of an untraced machine (strace prints every call). */
function fastSyscall(h: Hart): boolean {
  const x = h.x, nr = x[34];
  if (x[35] !== 0 || nr < 0 || nr >= MAX_NR || FAST[nr] === 0) return false;
  const t = h.owner as Task, d = TABLE[nr];
  if (t.kernel.cfg.strace || d === null || d.handler === null) return false;
  if (warmingNow && ++warmCalls >= WARM_CALLS) { warmCalls = 0; return false; }
  const r = (d.handler as AnyHandler)(t);
  x[20] = r | 0; x[21] = r < 0 ? -1 : 0;
  fastCalls++;
  return true;
}

/** Syscall argument register i (a0..a5) as a number. */
function arg(x: Int32Array, i: number): number { return x[21 + 2 * i] * 4294967296 + (x[20 + 2 * i] >>> 0); }

export class RunLoop {
  private scheduled = false;
  private done: ((status: number) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** mconsole stop: no task runs until go (see machine/mgmt.ts). */
  paused = false;
  /** Gives freed host memory back once the machine sits idle. */
  private readonly trim = new IdleTrim();
  /** V8's optimizing compiler is still held back (machine/optwarm.ts). */
  private warming = true;

  /** Processes with an armed CPU timer (checked after every exit, so kept at hand). */
  private readonly itimers: ReadonlySet<Task>;

  constructor(readonly k: Kernel) {
    k.onRunnable = () => this.kick();
    // A command run again and again (a loop creating processes) ends the warm-up.
    k.execed = (t, argv) => {
      if (this.warming) this.warming = warmingNow = optWarmExec(`${t.exePath}\0${argv.map((a) => Buffer.from(a).toString('latin1')).join('\0')}`);
    };
    this.itimers = itimersOf(k);
    computeArity();
    setEcallFast(fastSyscall);
    // With the optimizing compiler on from the start, prime the interpreter now (after
    // setEcallFast: its call site sees the real target); else when the warm-up ends.
    if (optWarmOver()) primeInterpreter();
  }

  /** Run until the kernel halts; resolves with the machine's exit status. */
  start(): Promise<number> {
    return new Promise((resolve) => { this.done = resolve; this.kick(); });
  }

  /** Make sure a tick is scheduled (called when a task becomes runnable). */
  kick(): void {
    if (this.scheduled || this.done === null) return;
    this.scheduled = true;
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    setImmediate(this.tickSoon);
  }

  /**
   * The tick runs as a microtask of the immediate, not in the immediate's callback: V8
   * then throws without building a message (it walks the stack for one whenever no
   * C++ TryCatch is active, as in a timer or immediate callback). Every page fault
   * (FAULT), bad user pointer (UFAULT) and blocking call is a throw: 1.1-4 µs each in
   * an immediate, ~0.15 µs in a microtask.
   */
  private readonly tickSoon = (): void => queueMicrotask(this.tick);

  private readonly tick = (): void => {
    this.scheduled = false;
    if (this.paused) return;
    const k = this.k;
    // Date.now(), not performance.now(): as cheap, and the global `performance` would load
    // node:perf_hooks (~0.4 MB of host memory). A wall clock that steps back ends the tick.
    const start = Date.now(), end = start + YIELD_MS;
    let now;
    this.trim.tick();
    sampleLoad(k);
    do {
      k.timers.run(k.now());
      const t = k.runq.shift();
      if (t === undefined) break;
      if (t.state !== TaskState.Runnable) continue;
      this.runTask(t);
      if (k.haltStatus !== null) break;
      for (let i = 0; i < k.pollers.length; i++) k.pollers[i]();
      if (t.state === TaskState.Runnable) k.runq.push(t);
    } while ((now = Date.now()) < end && now >= start);
    // While the machine warms up (its boot), freed memory goes back to the host after each
    // tick: glibc keeps what lies below a live allocation (docs/benchmarks.md "Idle memory").
    if (this.warming) this.trim.now();
    if (k.haltStatus !== null) {
      syncAllPageCaches(); // dirty shared mappings reach their files before the machine stops
      this.trim.stop();
      const d = this.done; this.done = null;
      if (d) d(k.haltStatus);
      return;
    }
    k.timers.run(k.now());
    if (k.runq.length > 0) { this.kick(); return; }
    const next = k.timers.next();
    if (next !== Infinity) {
      const ms = Math.max(0, (next - k.now()) / 1e6);
      if (k.idleSkip(next)) { this.kick(); return; }
      this.timer = setTimeout(() => { this.timer = null; this.kick(); }, Math.ceil(ms));
    }
    // Otherwise: idle until a host event wakes a task (kick via onRunnable).
    this.trim.idle();
  };

  /** Run one task for up to one slice. */
  private runTask(t: Task): void {
    const h = t.hart;
    const k = this.k;
    // Page faults taken since the last report: h.mmu.faults (in place or below) from mf0 on.
    let left = SLICE, calls = 0, fast0 = fastCalls, reported = SLICE, mf0 = h.mmu.faults;
    while (left > 0 && t.state === TaskState.Runnable) {
      if (hasDeliverable(t)) { deliverPending(t, this.reexec, restartClass); if (t.state !== TaskState.Runnable) break; }
      // Back to user space: no LR reservation survives the kernel (Linux clears it on every
      // return, a task switch included), else a thread switched out between its lr and sc
      // would overwrite what another did meanwhile.
      h.res[0] = -1;
      const before = h.instret, fb = fastCalls;
      const r = runHart(h, left);
      const ran = h.instret - before;
      if (this.warming) this.warming = warmingNow = optWarmPure(t, ran, r !== EXIT_BUDGET || fastCalls !== fb);
      left -= ran;
      k.clock.retire?.(ran);
      hotRetired(ran);
      if (this.itimers.size > 0) itimerCheck(t);
      switch (r) {
        case EXIT_BUDGET: break;
        case EXIT_ECALL:
          this.syscall(t); left -= 50; calls++;
          if (t.yieldSlice) { t.yieldSlice = false; left = 0; }
          break;
        case EXIT_FAULT:
          h.mmu.faults++;
          if (!t.mm.fault(h.exitAddr, h.exitKind)) faultSignal(t, t.mm.faultSigbus ? SIGBUS : SIGSEGV, h.exitAddr, h.exitKind);
          break;
        case EXIT_ILLEGAL: faultSignal(t, SIGILL, h.pc, 0); break;
        case EXIT_EBREAK: faultSignal(t, SIGTRAP, h.pc, 0); break;
        case EXIT_MISALIGNED: faultSignal(t, SIGBUS, h.exitAddr, -2); break;
        default: faultSignal(t, SIGSEGV, h.exitAddr, 0); break;
      }
      if (k.haltStatus !== null) return;
      if (this.warming && left > 0) {
        // Report the work so far as not blocked (the slice goes on); the rest comes below.
        const work = reported - left + (calls + fastCalls - fast0) * SYSCALL_WORK + (h.mmu.faults - mf0) * FAULT_WORK;
        if (work >= WARM_STEP) {
          this.warming = warmingNow = optWarmSlice(t, work, false);
          reported = left; calls = 0; fast0 = fastCalls; mf0 = h.mmu.faults;
        }
      }
    }
    if (this.warming) {
      calls += fastCalls - fast0;
      this.warming = warmingNow = optWarmSlice(t, reported - left + calls * SYSCALL_WORK + (h.mmu.faults - mf0) * FAULT_WORK, left > 0 || t.state !== TaskState.Runnable);
    }
  }

  private readonly reexec = (t: Task): void => this.syscall(t);

  private syscall(t: Task): void {
    const h = t.hart, x = h.x;
    const nr = x[34] >>> 0 | (x[35] !== 0 ? MAX_NR : 0);
    const d = nr < MAX_NR ? TABLE[nr] : null;
    const strace = this.k.cfg.strace;
    let line = '';
    if (strace && d) {
      for (let i = 0; i < 6; i++) args[i] = arg(x, i);
      line = straceEnter(t, d, args);
    }
    let r: number;
    this.k.current = t;
    if (d === null || d.handler === null) {
      r = -ENOSYS;
      if (strace && d === null) line = `[pid ${t.tid}] syscall_${nr}(...)`;
    } else {
      try {
        // One call site for every handler (a switch of one call per arity deoptimised the
        // dispatcher at each arity it met first); registers past the arity stay undefined.
        const n = ARITY[nr];
        r = (d.handler as AnyHandler)(t, n > 0 ? arg(x, 0) : undefined, n > 1 ? arg(x, 1) : undefined,
          n > 2 ? arg(x, 2) : undefined, n > 3 ? arg(x, 3) : undefined, n > 4 ? arg(x, 4) : undefined,
          n > 5 ? arg(x, 5) : undefined);
      } catch (e) {
        if (e instanceof UserFault) r = -EFAULT;
        else { this.oops(t, d.name, e); return; }
      }
    }
    this.k.current = null;
    if (strace) this.k.cfg.console(line + straceResult(r));
    if (r === -ERESTARTSYS) {
      // Job control stopped or signalled us mid-call: re-run it after the signal,
      // unless a handler without SA_RESTART runs first (then EINTR).
      if (t.interrupted) r = -EINTR;
      else { t.inSyscall = true; return; }
    }
    if (r === BLOCK) {
      if (t.interrupted) {
        // A handler is about to run: the sleep ends with EINTR instead.
        for (const q of t.waitingOn) q.remove(t);
        t.waitingOn.length = 0;
        t.state = TaskState.Runnable;
        r = -EINTR;
      } else {
        if (t.state === TaskState.Runnable) t.state = TaskState.Blocked;
        t.inSyscall = true;
        return;
      }
    }
    t.inSyscall = false;
    if (r === NORETURN) return;
    x[20] = r | 0;
    x[21] = Math.floor(r / 4294967296) | 0;
    h.pc += 4;
  }

  /** A JS exception in a handler is a kernel oops: log it, kill the task with SIGSEGV. */
  private oops(t: Task, name: string, e: unknown): void {
    const err = e as Error;
    this.k.log(`Oops: ${name} in pid ${t.tid} (${t.comm}): ${err && err.message}`, true);
    if (process.env.TUML_DEBUG) this.k.log(String(err && err.stack), true);
    t.hart.pc += 4;
    faultSignal(t, SIGSEGV, 0, -1);
  }
}

/** How a syscall reacts to a signal handler interrupting its sleep. */
function restartClass(t: Task): number {
  const nr = t.hart.x[34];
  if (nr === NR.futex && futexNoRestart(t)) return RESTART_NOHAND;
  return NO_RESTART.has(nr) ? RESTART_NOHAND : RESTART_SYS;
}
