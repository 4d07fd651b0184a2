// The wasm dispatch loop: runs translated wasm regions one after another without
// returning to JavaScript. Where a region exits to (a jump out of it, an indirect jump,
// a return) is translated through the hart's execute TLB and looked up in a hash table
// of region entries kept in guest memory, keyed by physical address:
//
//     entry (16 bytes): key = physical address (0 empty), code generation of
//                       its frame when inserted, value = table slot << BLK_BITS | block index
//
// An entry is used only while its frame's generation (PhysMem.gen) is unchanged, so
// dropping a frame's decoded code invalidates its entries with no further work. The loop
// returns to the JS dispatcher (jit.ts) when the budget is spent, on a lookup miss, or
// when a region leaves for the interpreter; the exit pc is in the slot (ST_PC).
//
// Direct links: every exit of a region to code outside it owns a *link cell* in guest
// memory, an inline cache of the last two places that exit went to (two ways: an
// indirect jump or a return often alternates between two targets):
//
//     way (32 bytes): va (i64) it went to, the hart's MMU stamp then (f64, mmu.ts),
//                     address and value of the target frame's code generation (i32 x2),
//                     the hash entry's value (table slot << BLK_BITS | block)
//     cell (64 bytes): the way filled last, then the one before (at CELL_WAY)
//
// A region leaving through a cell with a way whose va, stamp and generation all still
// match goes straight on to that region with a tail call (return_call_indirect), never
// back here; else it leaves the cell's address in the slot (ST_LINK) and this loop, once
// the hash table has found the next region, moves the first way to the second and
// fills the first. The stamp changes whenever any
// translation of that hart may have changed (TLB flush, page flush, a new page table),
// and no two views share one, so a matching stamp proves the va still maps that frame
// executable for this hart; the generation proves the frame still holds the same code.
import { ST_PC, ST_INTERP, ST_LINK, ST_TLB } from '../hart.js';
import { TLB_XTAG, TLB_XBASE, TLB_STAMP } from '../../../mm/mmu.js';
import { PhysMem } from '../../../mm/phys.js';
import { Bytes, W, I32, I64, F64, VOID, module } from './wasmenc.js';
import { nodeV8 } from '../../../lib/nodemods.js';

/** The hash table starts with 2^HT_BITS entries and doubles when over half full. */
const HT_BITS = 14;
const HASH_K = 0x9e3779b1 | 0;
const EMPTY = 0;
/** Bits of an entry's value that hold the block index (a region has fewer blocks than this). */
export const BLK_BITS = 10, BLK_MASK = (1 << BLK_BITS) - 1;
/** Link cell field offsets and size (see above). */
export const C_VA = 0, C_STAMP = 8, C_GENADDR = 16, C_GEN = 20, C_VAL = 24, CELL_WAY = 32, CELL_BYTES = 64;
/** Link cells are carved from areas of this size. */
const CELL_AREA = 65536;

/** run(st, n, pc) -> budget left; the pc it stopped at is in the slot. */
export type LoopFn = (st: number, n: number, pc: number) => number;

function loopModule(htBase: number, bits: number, genBase: number): Uint8Array {
  const HT_MASK = (1 << bits) - 1, HT_SHIFT = 32 - bits;
  const P_ST = 0, P_N = 1, P_PC = 2, L_PC = 3, L_VPN = 4, L_TI = 5, L_P = 6, L_H = 7, L_E = 8, L_K = 9, L_V = 10, L_L = 11, L_LNK = 12;
  const b = new Bytes();
  b.get(P_ST).i32(0).mem(W.i32_store, 2, ST_INTERP);
  b.get(P_PC).op(W.i64_trunc_f64_s).set(L_PC);
  b.op(W.block).byte(VOID);                       // $out
  b.op(W.loop).byte(VOID);                        // $next
  // Physical address of pc through the X-TLB, or out.
  b.get(L_PC).i64(12).op(W.i64_shr_u).set(L_VPN);
  b.get(L_VPN).op(W.i32_wrap_i64).i32(255).op(W.i32_and).set(L_TI);
  b.get(P_ST).get(L_TI).i32(3).op(W.i32_shl).op(W.i32_add).mem(W.f64_load, 3, ST_TLB + TLB_XTAG);
  b.get(L_VPN).op(W.f64_convert_i64_s).op(W.f64_ne).op(W.br_if).u32(1);
  b.get(P_ST).get(L_TI).i32(2).op(W.i32_shl).op(W.i32_add).mem(W.i32_load, 2, ST_TLB + TLB_XBASE);
  b.get(L_PC).op(W.i32_wrap_i64).i32(4095).op(W.i32_and).op(W.i32_add).set(L_P);
  // Probe the hash table.
  b.get(L_P).i32(HASH_K).op(W.i32_mul).i32(HT_SHIFT).op(W.i32_shr_u).set(L_H);
  b.op(W.block).byte(VOID);                       // $found
  b.op(W.loop).byte(VOID);                        // $probe
  b.get(L_H).i32(4).op(W.i32_shl).i32(htBase).op(W.i32_add).tee(L_E).mem(W.i32_load, 2, 0).tee(L_K);
  b.op(W.i32_eqz).op(W.br_if).u32(3);             // empty: miss -> $out
  b.get(L_K).get(L_P).op(W.i32_eq).op(W.br_if).u32(1);   // -> $found
  b.get(L_H).i32(1).op(W.i32_add).i32(HT_MASK).op(W.i32_and).set(L_H);
  b.br(0);
  b.op(W.end).op(W.end);
  // Stale (the frame's code changed since)? out.
  b.get(L_E).mem(W.i32_load, 2, 4);
  b.get(L_P).i32(12).op(W.i32_shr_u).i32(2).op(W.i32_shl).mem(W.i32_load, 2, genBase);
  b.op(W.i32_ne).op(W.br_if).u32(1);
  b.get(L_E).mem(W.i32_load, 2, 8).set(L_V);
  // The last region left through a link cell: point it here.
  b.get(L_LNK); b.op(W.if_).byte(VOID);
  // (the target it held before moves to the cell's second way)
  for (let o = 0; o < CELL_WAY; o += 8) b.get(L_LNK).get(L_LNK).mem(W.i64_load, 3, o).mem(W.i64_store, 3, CELL_WAY + o);
  b.get(L_LNK).get(L_PC).mem(W.i64_store, 3, C_VA);
  b.get(L_LNK).get(P_ST).mem(W.f64_load, 3, ST_TLB + TLB_STAMP).mem(W.f64_store, 3, C_STAMP);
  b.get(L_LNK).get(L_P).i32(12).op(W.i32_shr_u).i32(2).op(W.i32_shl).i32(genBase).op(W.i32_add).mem(W.i32_store, 2, C_GENADDR);
  b.get(L_LNK).get(L_E).mem(W.i32_load, 2, 4).mem(W.i32_store, 2, C_GEN);
  b.get(L_LNK).get(L_V).mem(W.i32_store, 2, C_VAL);
  b.op(W.end);
  // left = region(st, n, block, pageVa)
  b.get(P_ST).get(P_N).get(L_V).i32(BLK_MASK).op(W.i32_and).get(L_PC).i64(-4096).op(W.i64_and);
  b.get(L_V).i32(BLK_BITS).op(W.i32_shr_u).op(W.call_indirect).u32(0).u32(0).tee(L_L);
  b.get(P_N).op(W.i32_eq).op(W.br_if).u32(1);     // could not start: out (the region left pc and the flag)
  b.get(L_L).set(P_N);
  b.get(P_ST).mem(W.f64_load, 3, ST_PC).op(W.i64_trunc_f64_s).set(L_PC);
  b.get(P_ST).mem(W.i32_load, 2, ST_LINK).set(L_LNK);
  b.get(P_ST).mem(W.i32_load, 2, ST_INTERP).op(W.br_if).u32(1);
  b.get(P_N).op(W.i32_eqz).op(W.i32_eqz).op(W.br_if).u32(0);
  b.op(W.end).op(W.end);
  b.get(P_ST).get(L_PC).op(W.f64_convert_i64_s).mem(W.f64_store, 3, ST_PC);
  b.get(P_N);
  return module(
    [{ params: [I32, I32, I32, I64], results: [I32] }, { params: [I32, I32, F64], results: [I32] }],
    [], [{ type: 1, locals: [[2, I64], [9, I32]], body: b }], true);
}

/**
 * V8 compiles every wasm function with Liftoff, then recompiles it with TurboFan once it
 * has run a budget of ~1.8 MB of its code. TurboFan costs ~1-10 ms per region; most
 * regions of an interpreter like CPython (~1,400 in the python3 bench) never earn that
 * back, so the JIT raises the budget (once, before it compiles its first module) and
 * only the really hot regions are optimized. Measured, user CPU: see docs/jit.md.
 */
const TIERING_BUDGET = 600e6;
/**
 * The dispatch loop's own budget, V8 11.3's default: every region exit that misses its
 * link runs the loop, so its TurboFan compile (<1 ms) pays at once; under
 * TIERING_BUDGET it stayed in Liftoff for good (V8 reads the flag when it instantiates).
 */
const LOOP_TIERING_BUDGET = 1.8e6;
let tiered = false;
/**
 * Also turns on branch hints (wasmenc.ts module()): TurboFan then moves the unlikely
 * paths (TLB misses, budget and guard exits) out of line with their register spills;
 * gzip ~8%, python3 ~12%, CoreMark-style ~5% faster (docs/jit.md).
 */
function tiering(): void {
  if (tiered) return;
  tiered = true;
  nodeV8().setFlagsFromString(`--wasm-tiering-budget=${TIERING_BUDGET}`);
  nodeV8().setFlagsFromString('--experimental-wasm-branch-hinting');
}

/**
 * Table slots of the JIT's calls out to JavaScript for TLB misses and ecalls. Regions
 * reach them with call_indirect rather than importing the JS functions: each function a
 * module imports cost ~0.15 ms of its compile, a JS one ~0.13 ms more of its
 * instantiation (V8 makes wrappers for them per module); a batch of one region took 0.34
 * ms to compile and instantiate with three imports, 0.05 ms with none (session 9). F/D
 * arithmetic, called per instruction, stays a direct import (wasmgen.ts F_FP).
 */
export const SLOT_TLB = 0, SLOT_ECALL = 1;
const FIRST_SLOT = 2;

/** Signatures of the calls out: fp(st, raw) and ecall(st, 0) -> i32; tlb(va, write) -> i32. */
export const CALL_TYPES = [{ params: [I32, I32], results: [I32] }, { params: [F64, I32], results: [I32] }];

/** A module of wasm functions forwarding to the JS calls out (imported once, here), exported as f2 and f3. */
function callsOutModule(): Uint8Array {
  const fwd = (imp: number): Bytes => new Bytes().get(0).get(1).op(W.call).u32(imp);
  return module(CALL_TYPES, [{ name: 'tlb', type: 1 }, { name: 'ecall', type: 0 }],
    [{ type: 1, locals: [], body: fwd(0) }, { type: 0, locals: [], body: fwd(1) }]);
}

/** The JS functions regions call out to through the table (see SLOT_TLB). */
export interface CallsOut {
  tlb(va: number, write: number): number;
  ecall(st: number, zero: number): number;
}

/** The loop, its table of region functions and the entry hash table of one guest memory. */
export class WasmLoop {
  readonly table = new WebAssembly.Table({ element: 'anyfunc', initial: 256 });
  run: LoopFn;
  private ht: Int32Array;
  private htBase: number;
  private bits = HT_BITS;
  private mask = (1 << HT_BITS) - 1;
  private used = 0;
  private readonly freeSlots: number[] = [];
  private nextSlot = FIRST_SLOT;
  /** Link cells: given back ones, and the unused rest of the current area. */
  private readonly freeCells: number[] = [];
  private cellNext = 0;
  private cellEnd = 0;
  /** The link cells of the region in each table slot (given back with it). */
  private readonly slotCells: (number[] | undefined)[] = [];

  constructor(readonly mem: PhysMem, calls: CallsOut) {
    tiering();
    this.htBase = 0; this.ht = new Int32Array(0); this.run = (): number => 0;
    this.make(HT_BITS);
    const out = new WebAssembly.Instance(new WebAssembly.Module(callsOutModule() as Uint8Array<ArrayBuffer>),
      { m: { mem: mem.memory, tlb: calls.tlb, ecall: calls.ecall } }).exports;
    this.table.set(SLOT_TLB, out.f2 as Function);
    this.table.set(SLOT_ECALL, out.f3 as Function);
  }

  /** A fresh empty hash table of 2^bits entries and the loop compiled for it. */
  private make(bits: number): void {
    const mem = this.mem;
    this.bits = bits; this.mask = (1 << bits) - 1;
    this.htBase = mem.allocArea((1 << bits) * 16);
    this.ht = new Int32Array(mem.memory.buffer, this.htBase, (1 << bits) * 4);
    nodeV8().setFlagsFromString(`--wasm-tiering-budget=${LOOP_TIERING_BUDGET}`);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(loopModule(this.htBase, bits, mem.genBase) as Uint8Array<ArrayBuffer>),
      { m: { mem: mem.memory, tab: this.table } });
    nodeV8().setFlagsFromString(`--wasm-tiering-budget=${TIERING_BUDGET}`);
    this.run = inst.exports.r as LoopFn;
    this.used = 0;
  }

  /** A table slot holding fn. */
  addFunc(fn: Function): number {
    let s = this.freeSlots.pop();
    if (s === undefined) {
      s = this.nextSlot++;
      if (s >= this.table.length) this.table.grow(this.table.length);
    }
    this.table.set(s, fn);
    return s;
  }

  /** The slot's region is gone (its code was dropped or it was given up); so are its link cells. */
  freeFunc(s: number): void {
    this.table.set(s, null); this.freeSlots.push(s);
    const cells = this.slotCells[s];
    if (cells !== undefined) { this.giveBack(cells); this.slotCells[s] = undefined; }
  }

  /** An empty link cell (zeroed: its stamp 0 matches no hart). */
  newCell = (): number => {
    const c = this.freeCells.pop();
    if (c !== undefined) return c;
    if (this.cellNext === this.cellEnd) { this.cellNext = this.mem.allocArea(CELL_AREA); this.cellEnd = this.cellNext + CELL_AREA; }
    const n = this.cellNext;
    this.cellNext += CELL_BYTES;
    return n;
  };

  /** The cells belong to the region now in slot s. */
  setCells(s: number, cells: number[]): void { this.slotCells[s] = cells; }

  /** Give cells back (their region is gone or was never installed): zero them for reuse. */
  giveBack(cells: number[]): void {
    const m = new Int32Array(this.mem.memory.buffer);
    for (const c of cells) { m.fill(0, c >>> 2, (c + CELL_BYTES) >>> 2); this.freeCells.push(c); }
  }

  /** Enter block `blk` of the region in `slot` at physical address p (frame generation g). */
  insert(p: number, g: number, slot: number, blk: number): void {
    if (this.used >= (this.mask + 1) >> 1) this.rebuild();
    this.put(this.ht, this.mask, p, g, (slot << BLK_BITS) | blk);
  }

  /** Linear probing: overwrite p's entry or take the first empty one. */
  private put(ht: Int32Array, mask: number, p: number, g: number, v: number): void {
    let h = Math.imul(p, HASH_K) >>> (32 - this.bits);
    for (;;) {
      const e = h << 2, k = ht[e];
      if (k === p || k === EMPTY) {
        if (k === EMPTY) this.used++;
        ht[e] = p; ht[e + 1] = g; ht[e + 2] = v;
        return;
      }
      h = (h + 1) & mask;
    }
  }

  /**
   * Start over with only the entries whose frames still have the same code (stale ones
   * are what fills the table), in a table twice the size if they would fill more than a
   * quarter of this one (the old area is not reused: areas cannot be freed).
   */
  private rebuild(): void {
    const gen = this.mem.gen, old = this.ht.slice();
    let live = 0;
    for (let e = 0; e < old.length; e += 4) if (old[e] !== EMPTY && gen[old[e] >>> 12] === old[e + 1]) live++;
    if (live * 4 > this.mask + 1) this.make(this.bits + 1);
    this.ht.fill(0);
    this.used = 0;
    for (let e = 0; e < old.length; e += 4) {
      const p = old[e];
      if (p !== EMPTY && gen[p >>> 12] === old[e + 1]) this.put(this.ht, this.mask, p, old[e + 1], old[e + 2]);
    }
  }
}
