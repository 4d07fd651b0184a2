// Per-hart state that translated code works on: the hart's register file, guest
// memory views, the hart's TLB arrays, and the helpers translated code calls (M and
// F/D arithmetic on the register file). Translations are shared between harts (they are
// keyed by physical frame), so everything hart-specific comes in through this object.
import { Hart } from '../hart.js';
import { fpExec } from '../fpu.js';
import * as md from '../muldiv.js';

export class JitCtx {
  readonly x: Int32Array;
  readonly fi: Int32Array;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
  readonly rTag: Float64Array;
  readonly rBase: Int32Array;
  readonly wTag: Float64Array;
  readonly wBase: Int32Array;
  readonly xTag: Float64Array;
  readonly xBase: Int32Array;
  /** The hart's state slot as f64 and i32 words (where wasm regions leave their exit pc and flag). */
  readonly sf: Float64Array;
  readonly si: Int32Array;
  /** Where a region exited to (a virtual address). */
  pc = 0;
  /** 1: the instruction at pc must be interpreted (a TLB miss, a misaligned access, an FP op it refused). */
  interp = 0;

  constructor(readonly h: Hart) {
    const mem = h.mem, mmu = h.mmu;
    this.x = h.x; this.fi = h.fi;
    this.u8 = mem.u8; this.u16 = mem.u16; this.i32 = mem.i32;
    this.rTag = mmu.rTag; this.rBase = mmu.rBase; this.wTag = mmu.wTag; this.wBase = mmu.wBase;
    this.xTag = mmu.xTag; this.xBase = mmu.xBase;
    this.sf = new Float64Array(mem.memory.buffer, h.slot, 128);
    this.si = new Int32Array(mem.memory.buffer, h.slot, 256);
  }

  // ---- helpers on the register file (operands committed to x by the caller)
  fp(inst: number): boolean { return fpExec(this.h, inst); }
  mul(rd: number, a: number, b: number): void { md.mul(this.x, rd, a, b); }
  mulh(rd: number, a: number, b: number): void { md.mulh(this.x, rd, a, b); }
  mulhsu(rd: number, a: number, b: number): void { md.mulhsu(this.x, rd, a, b); }
  mulhu(rd: number, a: number, b: number): void { md.mulhu(this.x, rd, a, b); }
  div(rd: number, a: number, b: number): void { md.div(this.x, rd, a, b); }
  divu(rd: number, a: number, b: number): void { md.divu(this.x, rd, a, b); }
  rem(rd: number, a: number, b: number): void { md.rem(this.x, rd, a, b); }
  remu(rd: number, a: number, b: number): void { md.remu(this.x, rd, a, b); }
  divw(rd: number, a: number, b: number): void { md.divw(this.x, rd, a, b); }
  divuw(rd: number, a: number, b: number): void { md.divuw(this.x, rd, a, b); }
  remw(rd: number, a: number, b: number): void { md.remw(this.x, rd, a, b); }
  remuw(rd: number, a: number, b: number): void { md.remuw(this.x, rd, a, b); }
}
