// V8's optimizing compiler (TurboFan) stays off while the machines of this process warm
// up: until they have done `optwarm=` units of work (instructions, plus SYSCALL_WORK per
// syscall and FAULT_WORK per page fault), a task has run HOG_WORK without blocking or
// PURE_WORK instructions without entering the kernel, MAX_TASKS tasks have run, or one
// command line has been exec'd EXEC_REPEAT times. A boot to a busybox prompt does none of
// these (4.4M units, at most 0.69M without blocking, 0.12M without a syscall, 17 tasks,
// no command twice) and reaches the prompt as fast without TurboFan, which saves its host
// memory: each TurboFan compile of the interpreter's loop takes ~8 MB of compiler zones,
// and TurboFan's own code is ~4 MB of the node binary's pages (docs/benchmarks.md, "Idle
// memory"). Once on it stays on; hot functions are optimized at their next tier-up check.
// A task that runs long, many tasks or a repeated command also end the guest JIT's
// warm-up (jitwarm=) at once.
import { nodeV8 } from '../lib/nodemods.js';
import { setJitWarmup } from '../arch/riscv/jit/jit.js';
import { primeInterpreter } from '../arch/riscv/prime.js';

/** Work units a syscall counts for besides its instructions (its kernel side is JavaScript). */
export const SYSCALL_WORK = 1000;
/**
 * And a page fault (a quarter of a syscall): a program that only touches fresh memory
 * retires ~10 instructions a fault, so without this it never ended the warm-up and
 * each fault took ~20 µs in V8's baseline tier instead of ~1.1 µs (session 9; a default
 * boot takes ~800 faults, 0.2M units).
 */
export const FAULT_WORK = 250;
/**
 * Work a task does without blocking that makes it CPU-bound: above the default boot's
 * longest run (0.69M, measured again in session 6) with a margin; each 0.1M less is
 * ~11 ms less of unoptimized interpretation before a CPU-bound program gets TurboFan
 * and the guest JIT (CoreMark-style 10k: 1.287 -> 1.266 s going from 1M to 0.8M).
 */
export const HOG_WORK = 8e5;
/**
 * Instructions a task runs without entering the kernel (no syscall, in place or not, no
 * fault) that make it CPU-bound too: the default boot's longest such stretch is 0.12M
 * (a busybox start, measured in session 7), a compute loop gets there ~0.5M sooner than
 * to HOG_WORK (~55 ms of unoptimized interpretation).
 */
export const PURE_WORK = 3e5;
/** Tasks that have run, after which the machine is busy creating processes. */
const MAX_TASKS = 20;
/**
 * Runs of one command line (the same program and arguments) after which the machine is
 * busy creating processes: a loop running a command. The default boot runs none twice.
 */
export const EXEC_REPEAT = 2;

/** The warm-up of one process: what is left of it, per-task runs since they last blocked. */
export class OptWarm {
  private runs = new WeakMap<object, number>();
  /** Per task: instructions since it last entered the kernel (see PURE_WORK). */
  private pures = new WeakMap<object, number>();
  /** Runs of each command line (see EXEC_REPEAT). */
  private execs = new Map<string, number>();
  private tasks = 0;
  done = false;

  /** `end(jit)` is called once when the warm-up ends; jit: end the JIT's warm-up too. */
  constructor(private left: number, private readonly end: (jit: boolean) => void) {}

  /**
   * Task `t` ran for up to a slice: `work` units; `blocked` when it stopped before the
   * slice's end (sleeping, stopped or gone). Returns true while the warm-up goes on.
   */
  slice(t: object, work: number, blocked: boolean): boolean {
    if (this.done) return false;
    this.left -= work;
    const prev = this.runs.get(t);
    if (prev === undefined) this.tasks++;
    const run = (prev ?? 0) + work;
    this.runs.set(t, blocked ? 0 : run);
    if (this.left > 0 && run < HOG_WORK && this.tasks < MAX_TASKS) return true;
    this.finish(run >= HOG_WORK || this.tasks >= MAX_TASKS);
    return false;
  }

  /**
   * Task `t` ran `n` instructions; `kernel`: it then entered the kernel (a syscall or a
   * fault), or made an in-place syscall on the way. Returns true while the warm-up goes on.
   */
  pure(t: object, n: number, kernel: boolean): boolean {
    if (this.done) return false;
    const p = (this.pures.get(t) ?? 0) + n;
    if (p < PURE_WORK) { this.pures.set(t, kernel ? 0 : p); return true; }
    this.finish(true);
    return false;
  }

  /** A task exec'd command line `cmd`. Returns true while the warm-up goes on. */
  exec(cmd: string): boolean {
    if (this.done) return false;
    const n = (this.execs.get(cmd) ?? 0) + 1;
    if (n < EXEC_REPEAT) { this.execs.set(cmd, n); return true; }
    this.finish(true);
    return false;
  }

  private finish(jit: boolean): void {
    this.done = true;
    this.runs = new WeakMap();
    this.pures = new WeakMap();
    this.execs = new Map();
    // The JIT's warm-up ends too when a busy task or many tasks ended this one, even if the
    // same slice also used up the work (a getpid loop's in-place calls count 1000 each).
    this.end(jit);
  }
}

let warm: OptWarm | null = null;

/**
 * A machine is being built with `optwarm=` work; 0 leaves the optimizing compiler on.
 * The first machine of the process starts the warm-up; later ones share what is left.
 * bin/tuml starts node with --no-turbofan (nothing compiled while the kernel loads, and
 * node:v8, ~0.3 MB, is only loaded when the warm-up ends).
 */
export function optWarmStart(work: number): void {
  if (warm !== null) return;
  warm = new OptWarm(work, (jit) => {
    primeInterpreter();   // while TurboFan is still off: it compiles the interpreter with all of the feedback
    speedFlags();
    if (jit) setJitWarmup(0);
  });
  const off = process.execArgv.includes('--no-turbofan');
  if (work <= 0) { warm.done = true; speedFlags(); return; }
  if (!off) nodeV8().setFlagsFromString('--no-turbofan');
}

/**
 * The end of the warm-up: TurboFan on, and V8's size-over-speed heuristics (bin/tuml's
 * --optimize-for-size) off, which a busy machine repays: forkexec 300 1.007 -> 0.916 ms,
 * a shell loop of 1,000 /bin/true 1.30 -> 1.25 s (medians of 7 and 5, session 9); an
 * idle machine never gets here, so its memory is that of the flag. No on-stack
 * replacement: it compiled the interpreter's run() twice (58 ms for the running call,
 * 48 ms for the next ones) on V8's one worker thread, ahead of the kernel's functions,
 * though the dispatcher calls run() again within microseconds: forkexec 300 0.965 ->
 * 0.905 ms (medians of 9), the CPU rows and the shell loop alike or 1-3% faster.
 */
function speedFlags(): void {
  nodeV8().setFlagsFromString('--turbofan');
  nodeV8().setFlagsFromString('--no-optimize-for-size');
  nodeV8().setFlagsFromString('--no-use-osr');
  nodeV8().setFlagsFromString(`--max-optimized-bytecode-size=${MAX_OPT_BYTECODE}`);
  nodeV8().setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${MAX_INLINED_BYTECODE}`);
}

/**
 * Bytecode TurboFan may inline into one function, in all (V8's default 920). V8's one
 * compiler thread works through ~270 ms of compiles in a fork loop's first 300 children,
 * on the host's second core, or on the main thread's own core when the host gives the
 * process only one: `taskset -c 0` forkexec 300 522 -> 465 ms (-11%, 3 runs each), two
 * cores 268 -> 259 ms (6), python3 -c pass 1191 -> 1157 ms (7); the python3 loop (3688 /
 * 3674 ms, 5) and CoreMark-style (605 / 600 ms, 5) alike (session 14).
 */
export const MAX_INLINED_BYTECODE = 100;

/**
 * Functions with more bytecode than this stay in V8's baseline tier: the JIT's translator
 * (jit/wasmgen.ts translateWasm, 11.6 KB), whose TurboFan compile took 124 ms of V8's one
 * compiler thread while the busy machine's kernel functions queued behind it (the shell
 * loop's first 1,000 iterations kept that thread busy). Under the cap: python3's loop 1.96
 * -> 1.80 s, `-c pass` 0.995 -> 0.908 s, the shell loop -2.3%, forkexec alike (session
 * 10). The interpreter's run() (7.6 KB) must stay well below it: tests/optwarm.test.mjs
 * checks both sizes.
 */
export const MAX_OPT_BYTECODE = 10000;

/** No warm-up is going on (none started, or it ended): the optimizing compiler is on. */
export function optWarmOver(): boolean { return warm === null || warm.done; }

/** See OptWarm.slice (false when no machine started a warm-up). */
export function optWarmSlice(t: object, work: number, blocked: boolean): boolean {
  return warm !== null && warm.slice(t, work, blocked);
}

/** See OptWarm.exec (false when no machine started a warm-up). */
export function optWarmExec(cmd: string): boolean {
  return warm !== null && warm.exec(cmd);
}

/** See OptWarm.pure (false when no machine started a warm-up). */
export function optWarmPure(t: object, n: number, kernel: boolean): boolean {
  return warm !== null && warm.pure(t, n, kernel);
}
