// The architectural state of one RV64GC hart in user mode. Integer registers are
// int32 (lo, hi) pairs; FP registers are raw 64-bit patterns (NaN-boxed singles).
import { Mmu, TLB_BYTES } from '../../mm/mmu.js';
import { PhysMem, STATE_SLOT } from '../../mm/phys.js';

/**
 * A hart's state lives in a slot of guest memory (PhysMem.allocSlot), where translated
 * wasm code reads and writes it; byte offsets within the slot:
 * x0..x31 and the sink pair as int32 (lo, hi), f0..f31 raw, the pc, interpreter flag and
 * link cell (i32, see jit/wasmloop.ts) a translated region exits with, the LR/SC
 * reservation (f64) and the MMU's TLB.
 */
export const ST_X = 0, ST_F = 272, ST_PC = 528, ST_INTERP = 536, ST_LINK = 540, ST_RES = 544, ST_TLB = 1024;
if (ST_TLB + TLB_BYTES > STATE_SLOT) throw new Error('hart: the TLB does not fit the state slot');

/** Why run() returned. The CPU knows nothing of Linux; the kernel interprets these. */
export const EXIT_BUDGET = 0, EXIT_ECALL = 1, EXIT_FAULT = 2, EXIT_EBREAK = 3, EXIT_ILLEGAL = 4,
  EXIT_MISALIGNED = 5;
/**
 * Returned by run() only to the JIT dispatcher (jit/jit.ts), never beyond it: pc is the
 * start of a translated region (not executed), or a jump target that became hot.
 */
export const EXIT_JIT = 6, EXIT_HOT = 7;

/**
 * Harts of reaped tasks, per memory, kept with their slots (up to POOL): a fork takes one
 * (Hart.take) instead of building 14 typed-array views and the JIT's context anew.
 */
const pools = new WeakMap<PhysMem, Hart[]>();
const POOL = 16;

/** Index of the write-only sink used when rd is x0 (x[2*32], x[2*32+1]). */
export const X_SINK = 32;

export class Hart {
  /** x0..x31 as (lo, hi) int32 pairs: x[2*i] low word, x[2*i+1] high word; pair 32 is a sink. */
  readonly x: Int32Array;
  /** f0..f31 as raw bits; f64[i] is the double view, fi[2*i]/fi[2*i+1] the lo/hi words. */
  readonly f64: Float64Array;
  readonly fi: Int32Array;
  readonly f32: Float32Array;
  /** Byte offset of this hart's state slot in mem's memory. */
  readonly slot: number;
  /** Program counter (user addresses fit a double exactly). */
  pc = 0;
  /** fcsr fields: accrued exception flags (NV DZ OF UF NX = bits 4..0) and rounding mode. */
  fflags = 0;
  frm = 0;
  /** Instructions retired (also drives rdcycle/rdinstret and virtual time). */
  instret = 0;
  /** LR/SC reservation: res[0] is the reserved address, -1 when none (in the slot: translated code sets and checks it too). */
  readonly res: Float64Array;
  /** Details of the last exit: fault address and access kind, or the bad instruction bits. */
  exitAddr = 0;
  exitKind = 0;
  exitInst = 0;
  /** rdtime source; the kernel installs its clock (ticks of 10 MHz, as Linux/riscv reports). */
  timeFn: () => number = () => 0;
  readonly mmu: Mmu;
  /** Opaque to the CPU: the kernel's task running on this hart (for its in-place syscalls, see cpu.setEcallFast). */
  owner: unknown = null;

  constructor(readonly mem: PhysMem) {
    const slot = mem.allocSlot(), buf = mem.memory.buffer;
    this.slot = slot;
    this.x = new Int32Array(buf, slot + ST_X, 66);
    this.f64 = new Float64Array(buf, slot + ST_F, 32);
    this.fi = new Int32Array(buf, slot + ST_F, 64);
    this.f32 = new Float32Array(buf, slot + ST_F, 64);
    this.res = new Float64Array(buf, slot + ST_RES, 1);
    this.res[0] = -1;
    this.mmu = new Mmu(mem, slot + ST_TLB);
  }

  /** A hart for a new task: one of mem's released harts, reset to a new one's state, or a new one. */
  static take(mem: PhysMem): Hart {
    const h = pools.get(mem)?.pop();
    if (h === undefined) return new Hart(mem);
    h.released = false;
    h.x.fill(0); h.fi.fill(0); h.res[0] = -1;
    h.pc = 0; h.fflags = 0; h.frm = 0; h.instret = 0; h.exitAddr = 0; h.exitKind = 0; h.exitInst = 0; h.owner = null;
    return h;
  }

  /** The hart is gone for good (its task was reaped): it goes to the pool, or its slot may be reused. */
  release(): void {
    if (this.released) return;
    this.released = true;
    let p = pools.get(this.mem);
    if (p === undefined) { p = []; pools.set(this.mem, p); }
    if (p.length < POOL) p.push(this); else this.mem.freeSlot(this.slot);
  }
  private released = false;

  /** Register i as a JS number (exact only for |value| < 2^53; for addresses and small ints). */
  getNum(i: number): number { return this.x[2 * i + 1] * 4294967296 + (this.x[2 * i] >>> 0); }
  /** Low 32 bits of register i as signed int. */
  getLo(i: number): number { return this.x[2 * i]; }
  /** Set register i from a JS number in the signed 64-bit range (exact up to 2^53). */
  setNum(i: number, v: number): void {
    if (i === 0) return;
    const lo = v % 4294967296;
    const hi = Math.floor(v / 4294967296);
    this.x[2 * i] = lo | 0;
    this.x[2 * i + 1] = hi | 0;
  }
  /** Set register i to a sign-extended int32. */
  setInt(i: number, v: number): void {
    if (i === 0) return;
    this.x[2 * i] = v | 0;
    this.x[2 * i + 1] = v < 0 ? -1 : 0;
  }
}
