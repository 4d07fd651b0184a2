// The JIT's WebAssembly back end: a region (the blocks found by compile.ts's discover())
// becomes one wasm function over the shared guest memory,
//
//     r(st, n, blk, pageVa: i64) -> n'     st: the hart's state slot; blk: the block to enter
//
// called by the wasm dispatch loop (wasmloop.ts), which chains regions without returning to JS;
// an exit to code outside the region goes on to the next region directly, with a tail call,
// when its link cell (wasmloop.ts) is valid: see the epilogue,
//
// with guest registers in the slot and, while a block runs, in i64 locals (see rd), native
// 64-bit arithmetic, and loads and stores inlined against the hart's TLB, which lives in
// the slot (hart.ts ST_*, mmu.ts TLB_*). Control inside the region is a loop around a
// br_table over the blocks, emitted in address order so that fall-through costs nothing;
// a loop whose blocks are consecutive (a span, see findSpans) is a wasm loop of its own
// that keeps its registers in locals.
// The rules are compile.ts's, except that the budget is checked on entry and on backward
// jumps for the longest path to the next check rather than per block (see need); a TLB miss or a
// page-crossing access leaves with the interpreter flag set so the interpreter performs
// it; neighbour pages are used only after a once-per-call guard (X-TLB entry and the
// frame's code generation, PhysMem.gen); F/D arithmetic calls fpExec through an import.
// Returns null for a region with an instruction it does not translate (the JS back end
// takes those).
import { Op, AMO_ADD, AMO_SWAP, AMO_XOR, AMO_OR, AMO_AND, AMO_MIN, AMO_MAX, AMO_MINU } from '../decode.js';
import { ST_X, ST_F, ST_PC, ST_INTERP, ST_LINK, ST_RES, ST_TLB } from '../hart.js';
import { DTLB_MASK, TLB_RTAG32, TLB_WTAG32, TLB_XTAG, TLB_RBASE, TLB_WBASE, TLB_XBASE, TLB_STAMP } from '../../../mm/mmu.js';
import { C_VA, C_STAMP, C_GENADDR, C_GEN, C_VAL, CELL_WAY, BLK_BITS, BLK_MASK, SLOT_TLB, SLOT_ECALL, CALL_TYPES } from './wasmloop.js';
import { Block, Inst, Pages, PageRef, discover, endsBlock, needs, STORES, WASM_MAX_BLOCKS, WASM_MAX_INSTS } from './compile.js';
import { Bytes, W, I32, I64, F64, VOID, module } from './wasmenc.js';

/** Reused translations a block can hold at once (see access), two i32 locals each. */
const NTC = 4;
/** Locals: parameters, then pageVa as i64, x1..x31, temporaries, i32 scratch, reused translations, page guard flags. */
const P_ST = 0, P_N = 1, P_BLK = 2, P_PV = 3, L_PV = 4, L_T0 = 36, L_T1 = 37, L_VA = 38, L_LINK = 39,
  L_TI = 40, L_P = 41, L_INTERP = 42, L_GP = 43, L_GN = 44, L_PUT = 45, L_TC = 46, L_EXTRA = L_TC + 2 * NTC;
const reg = (r: number): number => L_PV + r;
/**
 * Function indices in a batch module: the fp import when its regions have F/D arithmetic
 * (a direct call: a call out through the table made an F/D loop ~6% slower), mulhu, then
 * the regions. No other import: TLB misses and ecalls call out through the dispatch
 * loop's table (wasmloop.ts SLOT_TLB), which keeps a module's compile cheap.
 */
const F_FP = 0;
const fMulhu = (fp: boolean): number => fp ? 1 : 0;

const LOADS = new Set<number>([Op.LB, Op.LBU, Op.LH, Op.LHU, Op.LW, Op.LWU, Op.LD, Op.FLW, Op.FLD]);

/** The integer register an instruction may write (0: none; over-approximated for F/D). */
function written(i: Inst): number {
  if (STORES.has(i.op) || i.op === Op.FLW || i.op === Op.FLD || (endsBlock(i.op) && i.op !== Op.JAL && i.op !== Op.JALR)) return 0;
  const r = i.op === Op.FP ? (i.imm >>> 7) & 31 : i.rd >> 1;   // Op.FP: imm holds the raw bits
  return r < 32 ? r : 0;
}

/**
 * For each instruction of a block: is it an access whose translation a later access of
 * the block can reuse (same kind, same base register, not written in between)? The rules
 * of access() in translateWasm.
 */
function reusable(insts: Inst[]): boolean[] {
  const out = new Array<boolean>(insts.length).fill(false);
  for (let i = 0; i < insts.length; i++) {
    const x = insts[i], st = STORES.has(x.op);
    if (!st && !LOADS.has(x.op)) continue;
    const r = x.rs1 >> 1;
    if (r === 0 || written(x) === r) continue;
    for (let j = i + 1; j < insts.length; j++) {
      const y = insts[j], yst = STORES.has(y.op);
      if ((yst ? st : !st && LOADS.has(y.op)) && y.rs1 >> 1 === r) { out[i] = true; break; }
      if (written(y) === r) break;
    }
  }
  return out;
}

const BRANCHES = new Set<number>([Op.BEQ, Op.BNE, Op.BLT, Op.BGE, Op.BLTU, Op.BGEU, Op.BEQZ, Op.BNEZ, Op.J]);

/**
 * A loop of consecutive blocks j..i (a loop span): control enters it only at block j,
 * its backward jumps all go to j, and it calls nothing (no jal, jalr, ecall or F/D
 * helper). It runs as a wasm `loop` with every register it uses in locals, loaded before
 * it, the ones it may write counted as changed (so the cache is the same at every block
 * of it), written back on the paths that leave it. `used`/`written`: register bit masks.
 */
interface Span { j: number; i: number; used: number; written: number }

/** The page offsets a block may go on to: its jump or branch target and the next instruction (none after a jalr). */
function successors(blk: Block): number[] {
  const last = blk.insts[blk.insts.length - 1], next = last.off + last.len;
  if (last.op === Op.J || last.op === Op.JAL) return [last.off + last.imm];
  if (last.op === Op.JALR) return [];
  return endsBlock(last.op) ? [next, last.off + last.imm] : [next];
}

/**
 * The loop spans of a region's blocks: spans[k] is the span block k belongs to, or null.
 * The region's entry block is never inside one (after its first block): the region must
 * be entered there.
 */
function findSpans(blocks: Block[], index: Map<number, number>, jalrIn: Set<number>, entry: number): (Span | null)[] {
  const nb = blocks.length, spans = new Array<Span | null>(nb).fill(null);
  // The last block with a backward branch or jump to each block.
  const tail = new Array<number>(nb).fill(-1);
  blocks.forEach((blk, i) => {
    const last = blk.insts[blk.insts.length - 1];
    if (!BRANCHES.has(last.op)) return;
    const j = index.get(last.off + last.imm);
    if (j !== undefined && j <= i) tail[j] = Math.max(tail[j], i);
  });
  for (let j = 0; j < nb; j++) {
    const i = tail[j];
    if (i < 0 || spans.slice(j, i + 1).some((x) => x !== null)) continue;
    let used = 0, wr = 0, ok = true;
    for (let k = j; k <= i && ok; k++) {
      if (k > j && (jalrIn.has(blocks[k].start) || blocks[k].start === entry)) ok = false;
      for (const x of blocks[k].insts) {
        if (x.op === Op.FP || x.op === Op.JAL || x.op === Op.JALR || x.op === Op.ECALL) { ok = false; break; }
        for (const f of [x.rs1, x.rs2, x.rd]) { const r = f >> 1; if (r > 0 && r < 32) used |= 1 << r; }
        const r = written(x);
        if (r !== 0) wr |= 1 << r;
      }
    }
    // Every jump into j+1..i comes from inside and goes forward; backward ones go to j.
    for (let m = 0; m < nb && ok; m++) {
      for (const t of successors(blocks[m])) {
        const k = index.get(t);
        if (k === undefined || k < j || k > i) continue;
        if (k > j && (m < j || m > i || k <= m)) { ok = false; break; }
      }
    }
    if (!ok) continue;
    const sp: Span = { j, i, used: used | wr, written: wr };
    for (let k = j; k <= i; k++) spans[k] = sp;
  }
  return spans;
}

/** The exit flag of a region that stopped at an ecall (pc), which it counted as retired. */
export const EXIT_FLAG_ECALL = 2;

/** A region translated to a wasm function body, waiting to be compiled in a batch (instantiate()). */
export interface WasmRegion {
  body: Bytes;
  /** Guard flags (i32 locals) beyond the two neighbours'. */
  guards: number;
  /** Block index of each block start (page offset -> index). */
  index: Map<number, number>;
  starts: number[];
  ninsts: number;
  /** Link cells of its exits (wasmloop.ts), to be given back with the region. */
  cells: number[];
  /** It has F/D arithmetic (calls the fp import: only batches of such regions import it). */
  fp: boolean;
}

const TYPES = [
  { params: [I32, I32, I32, I64], results: [I32] },       // 0: a region
  CALL_TYPES[0],                                          // 1: fp(st, raw) -> ok; ecall(st, 0) -> done
  { params: [I64, I64], results: [I64] },                 // 2: mulhu(a, b)
  CALL_TYPES[1],                                          // 3: tlb(va, write) -> physical address or -1
];
/** Call out to JavaScript through the dispatch loop's table slot (wasmloop.ts SLOT_TLB): arguments on the stack. */
const callOut = (b: Bytes, slot: number, type: number): Bytes => b.i32(slot).op(W.call_indirect).u32(type).u32(0);

/** Ops with a wasm translation. */
function supported(op: number): boolean {
  switch (op) {
    case Op.ILLEGAL: case Op.UNDECODED: case Op.EBREAK: case Op.CSR: case Op.FENCE_I: case Op.JIT_ENTRY:
      return false;
  }
  return true;
}

/** The body of mulhu(a, b): the high 64 bits of the unsigned 128-bit product, from 32-bit halves. */
function mulhuBody(): Bytes {
  const b = new Bytes();
  const A = 0, B = 1, AL = 2, AH = 3, BL = 4, BH = 5, LL = 6, LH = 7, HL = 8;
  const M = 0xffffffff;
  b.get(A).i64(M).op(W.i64_and).set(AL).get(A).i64(32).op(W.i64_shr_u).set(AH);
  b.get(B).i64(M).op(W.i64_and).set(BL).get(B).i64(32).op(W.i64_shr_u).set(BH);
  b.get(AL).get(BL).op(W.i64_mul).set(LL);
  b.get(AL).get(BH).op(W.i64_mul).set(LH);
  b.get(AH).get(BL).op(W.i64_mul).set(HL);
  // mid = (ll >> 32) + (lh & M) + (hl & M); hi = ah*bh + (lh >> 32) + (hl >> 32) + (mid >> 32)
  b.get(AH).get(BH).op(W.i64_mul)
    .get(LH).i64(32).op(W.i64_shr_u).op(W.i64_add)
    .get(HL).i64(32).op(W.i64_shr_u).op(W.i64_add)
    .get(LL).i64(32).op(W.i64_shr_u).get(LH).i64(M).op(W.i64_and).op(W.i64_add)
    .get(HL).i64(M).op(W.i64_and).op(W.i64_add).i64(32).op(W.i64_shr_u).op(W.i64_add);
  return b;
}

/**
 * Translate the region entered at page offset `entry` of pages[1]; gen[f] is the code
 * generation of frame f now (neighbour guards compare against it). null: not translatable here.
 */
export function translateWasm(u16: Uint16Array, pages: (PageRef | null)[], entry: number, gen: Int32Array,
  genBase: number, resolve: ((k: number) => PageRef | null) | null = null, newCell: (() => number) | null = null,
  read32: ((off: number) => number | null) | null = null): WasmRegion | null {
  const pg = new Pages(u16, pages, true, resolve, read32, true);
  const blocks = discover(pg, entry, WASM_MAX_BLOCKS, WASM_MAX_INSTS);
  if (blocks.length === 0) return null;
  for (const b of blocks) for (const i of b.insts) if (!supported(i.op)) return null;
  /** F/D arithmetic: the module imports fp (see F_FP). */
  const fp = blocks.some((x) => x.insts.some((i) => i.op === Op.FP));
  const index = new Map<number, number>();
  blocks.forEach((b, i) => index.set(b.start, i));
  const nb = blocks.length;
  /** Blocks where a call made in this region returns (a JALR may stay in the region by going there). */
  const retSites = new Set<number>();
  for (const x of blocks) for (const y of x.insts) if (y.op === Op.JAL) retSites.add(y.off + y.len);
  /** Blocks a JALR may go to: those, and the cases of a switch's jump table (Block.table). */
  const jalrIn = new Set<number>(retSites);
  for (const x of blocks) if (x.table !== undefined) for (const t of x.table) jalrIn.add(t);
  /**
   * The budget is checked where control enters the region and on its backward jumps, not
   * per block: need[i] is the most instructions that can retire from block i's start
   * through forward jumps and fall-throughs before the next check or an exit (the blocks
   * are in address order, so forward means a higher index). A check that fails leaves
   * the region at a block start; the dispatcher interprets the few instructions left.
   */
  const need = new Array<number>(nb).fill(0);
  for (let i = nb - 1; i >= 0; i--) {
    const insts = blocks[i].insts;
    // (an ecall's next block checks the budget itself, see ECALL)
    const succ = insts[insts.length - 1].op === Op.ECALL ? [] : successors(blocks[i]);
    let most = 0;
    for (const t of succ) { const j = index.get(t); if (j !== undefined && j > i) most = Math.max(most, need[j]); }
    need[i] = insts.length + most;
  }
  const maxNeed = Math.max(...need);
  const spans = findSpans(blocks, index, jalrIn, entry);
  let ninsts = 0;
  for (const x of blocks) ninsts += x.insts.length;
  const b = new Bytes(ninsts * 80);
  /**
   * The wasm labels open where code is being emitted, outermost first: EXIT, TOP, a
   * block's label (its index: the wasm block whose end its code follows), a span's loop
   * (LOOP + its first block), ANON (an if or an access's inner blocks). A branch's depth
   * is its distance from the innermost.
   */
  const EXIT = -1, TOP = -2, ANON = -3, LOOP = 1 << 20;
  const lab: number[] = [];
  /** Where each open label other than ANON is in `lab` (they are unique). */
  const at = new Map<number, number>();
  const open = (l: number): void => { if (l !== ANON) at.set(l, lab.length); lab.push(l); };
  const close = (l: number): void => {
    if (lab.pop() !== l) throw new Error('jit: wasm labels out of order');
    if (l !== ANON) at.delete(l);
    b.op(W.end);
  };
  const depthTo = (l: number): number => {
    const k = l === ANON ? lab.lastIndexOf(l) : at.get(l) ?? -1;
    if (k < 0) throw new Error(`jit: no wasm label ${l}`);
    return lab.length - 1 - k;
  };
  let bi = 0;
  /** The loop span being emitted (see findSpans), or null. */
  let cur: Span | null = null;
  const toTop = (): number => depthTo(TOP);
  const toExit = (): number => depthTo(EXIT);

  /**
   * Guest registers live in the slot; a block keeps the ones it uses in locals while it
   * runs: loaded at first read, written back (if changed) on every path that leaves the
   * block, so a chain of instructions does not go through memory and a region costs
   * nothing to enter or leave. (Keeping them in locals for a whole region, loaded at
   * entry and stored at exit, made python3 ~12% and gzip ~20% slower: regions are
   * entered and left often, through links, calls and indirect jumps.)
   * Bit r of `loaded`: local r holds x[r]; of `dirty`: the slot's x[r] is older.
   * `term`: the block's last instruction (a jump, branch or ecall) is being emitted; the
   * cache was written back before it, and it writes registers to the slot directly.
   */
  let loaded = 0, dirty = 0, term = false;
  /** Push register r (x0 reads as 0). */
  const rd = (k: number): void => {
    const r = k >> 1;
    if (r === 0) b.i64(0);
    else if ((loaded & (1 << r)) !== 0) b.get(reg(r));
    else { b.get(P_ST).mem(W.i64_load, 3, ST_X + 8 * r).tee(reg(r)); loaded |= 1 << r; }
  };
  /** Write the block's changed registers back to the slot (on a path that leaves it). */
  const writeBack = (): void => {
    for (let r = 1, m = dirty >>> 1; m !== 0; r++, m >>>= 1) if ((m & 1) !== 0) b.get(P_ST).get(reg(r)).mem(W.i64_store, 3, ST_X + 8 * r);
  };
  /** The destination register of pair index k, or 0 when the result is discarded. */
  const dst = (k: number): number => {
    const r = k >> 1;
    return r === 0 || r >= 32 ? 0 : r;
  };
  /** Store the i64 on the stack into rd (or drop it). */
  const put = (r: number): void => {
    if (r === 0) { b.op(W.drop); return; }
    tcKill(r);   // a translation through r is for its old value
    if (!term) { b.set(reg(r)); loaded |= 1 << r; dirty |= 1 << r; }
    else { b.set(L_PUT).get(P_ST).get(L_PUT).mem(W.i64_store, 3, ST_X + 8 * r); loaded &= ~(1 << r); }
  };
  /** Exit the region with pc = pageVa + off (or the i64 in L_T0 when off is null). */
  /** interp: the flag the region leaves with (1: interpret the instruction at pc; EXIT_FLAG_ECALL: pc is a retired ecall). */
  const exitAt = (off: number, giveBack: number, interp: boolean | number): void => {
    writeBack();
    if (giveBack > 0) b.get(P_N).i32(giveBack).op(W.i32_add).set(P_N);
    b.get(L_PV).i64(off).op(W.i64_add).set(L_T0);
    if (interp !== false) b.i32(interp === true ? 1 : interp).set(L_INTERP);
    b.br(toExit());
  };
  /** A jump back to block j (through the br_table): check the budget it needs first. */
  const backTo = (j: number): void => {
    b.get(P_N).i32(need[j]).op(W.i32_lt_s); ifOpen(false); exitAt(blocks[j].start, 0, false); ifEnd();
    b.i32(j).set(P_BLK).br(toTop());
  };
  /** Link cells, one per exit to code outside the region: the exit goes straight to the region it found last. */
  const cells: number[] = [];
  const link = (): void => {
    if (newCell === null) return;
    const c = newCell();
    cells.push(c);
    b.i32(c).set(L_LINK);
  };
  const goto = (t: number): void => {
    const j = index.get(t);
    if (cur !== null && j === cur.j) {
      // A loop span's back edge: straight to its loop, registers kept in locals.
      b.get(P_N).i32(need[j]).op(W.i32_lt_s); ifOpen(false); exitAt(t, 0, false); ifEnd();
      b.br(depthTo(LOOP + j));
      return;
    }
    // Leaving a loop span: its changed registers go back to the slot first.
    if (cur !== null && (j === undefined || j < cur.j || j > cur.i)) writeBack();
    // Forward: straight to the end of the wasm block that block j's code follows. Backward: through the br_table.
    if (j !== undefined && j > bi) b.br(depthTo(j));
    else if (j !== undefined) backTo(j);
    else { link(); exitAt(t, 0, false); }
  };
  /** Open an if (void) / close it, keeping `depth` right. */
  const ifOpen = (likely?: boolean): void => { if (likely !== undefined) b.hint(likely); b.op(W.if_).byte(VOID); open(ANON); };
  const ifElse = (): void => { b.op(W.else_); };
  const ifEnd = (): void => { close(ANON); };

  // Guards of the pages other than the entry page: a flag local per page, set once checked.
  const flags = new Map<number, number>([[-1, L_GP], [1, L_GN]]);
  const guard = (k: number, off: number, rem: number): void => {
    const p = pg.page(k)!;
    let flag = flags.get(k);
    if (flag === undefined) { flag = L_EXTRA + flags.size - 2; flags.set(k, flag); }
    b.get(flag).op(W.i32_eqz); ifOpen(false);
    // vp = (pageVa >> 12) + k; ti = vp & 255
    b.get(L_PV).i64(12).op(W.i64_shr_s).i64(k).op(W.i64_add).set(L_T1);
    b.get(L_T1).op(W.i32_wrap_i64).i32(255).op(W.i32_and).set(L_TI);
    b.get(P_ST).get(L_TI).i32(3).op(W.i32_shl).op(W.i32_add).mem(W.f64_load, 3, ST_TLB + TLB_XTAG);
    b.get(L_T1).op(W.f64_convert_i64_s).op(W.f64_ne);
    b.get(P_ST).get(L_TI).i32(2).op(W.i32_shl).op(W.i32_add).mem(W.i32_load, 2, ST_TLB + TLB_XBASE);
    b.i32(p.frame * 4096).op(W.i32_ne).op(W.i32_or);
    b.i32(0).mem(W.i32_load, 2, genBase + p.frame * 4).i32(gen[p.frame]).op(W.i32_ne).op(W.i32_or);
    ifOpen(false); exitAt(off, rem, false); ifEnd();
    b.i32(1).set(flag);
    ifEnd();
  };

  /**
   * Translations a block reuses: after an access through base register r, a later one of
   * the same kind (load or store) through r, not written since, on the same page adds the
   * difference of the offsets to the physical address instead of looking up the TLB.
   * Within a call of the region no mapping changes (tlbImport only reads the page table
   * or maps a page where none was, Mmu.faultIn; a copy-on-write, a fault it cannot
   * resolve or a store into code leaves the region first), so the translation stays
   * right until the block ends. tc: 2r (loads) or 2r + 1 (stores) ->
   * the offset and the locals holding the physical address (loc) and the page offset
   * (loc + 1); saved only where reuse[ii] says a later access of the block can use it.
   */
  const tc = new Map<number, { imm: number; loc: number }>();
  const tcFree: number[] = [];
  let reuse: boolean[] = [], ii = 0;
  const tcDrop = (key: number): void => { const e = tc.get(key); if (e !== undefined) { tc.delete(key); tcFree.push(e.loc); } };
  const tcKill = (r: number): void => { tcDrop(2 * r); tcDrop(2 * r + 1); };
  const tcReset = (): void => { tc.clear(); tcFree.length = 0; for (let i = NTC - 1; i >= 0; i--) tcFree.push(L_TC + 2 * i); };

  /**
   * Inline memory access: va = rs1 + imm; through a reused translation when there is one
   * and the access stays on its page, else through the TLB (lookup). `fast` runs with L_P
   * the physical address; a miss the MMU cannot fill leaves for the interpreter.
   */
  const access = (a: number, imm: number, size: number, store: boolean, off: number, rem: number, fast: () => void): void => {
    const r = a >> 1, key = 2 * r + (store ? 1 : 0), e = r !== 0 ? tc.get(key) : undefined;
    if (e !== undefined && (loaded & (1 << r)) !== 0) {
      const d = imm - e.imm;
      b.get(e.loc + 1).i32(d).op(W.i32_add).i32(4096 - size).op(W.i32_le_u);
      ifOpen(true); b.get(e.loc).i32(d).op(W.i32_add).set(L_P);
      ifElse(); lookup(a, imm, size, store, off, rem);
      ifEnd();
    } else {
      lookup(a, imm, size, store, off, rem);
      if (r !== 0 && reuse[ii]) {
        tcDrop(key);
        const loc = tcFree.pop();
        if (loc !== undefined) {
          tc.set(key, { imm, loc });
          b.get(L_P).set(loc).get(L_VA).op(W.i32_wrap_i64).i32(4095).op(W.i32_and).set(loc + 1);
        }
      }
    }
    fast();
  };
  /** va = rs1 + imm into L_VA; on a TLB hit (and no page crossing) L_P = physical address. */
  const lookup = (a: number, imm: number, size: number, store: boolean, off: number, rem: number): void => {
    rd(a); if (imm !== 0) b.i64(imm).op(W.i64_add);
    b.set(L_VA);
    const crossing = (): void => {   // pushes 1 when the access crosses into the next page
      b.get(L_VA).op(W.i32_wrap_i64).i32(4095).op(W.i32_and).i32(4096 - size).op(W.i32_gt_u);
    };
    b.op(W.block).byte(VOID); open(ANON);                  // $ok: L_P is the physical address
    b.op(W.block).byte(VOID); open(ANON);                  // $slow
    b.get(L_VA).i64(12).op(W.i64_shr_u).op(W.i32_wrap_i64).i32(DTLB_MASK).op(W.i32_and).set(L_TI);
    b.get(P_ST).get(L_TI).i32(2).op(W.i32_shl).op(W.i32_add).mem(W.i64_load32_s, 2, ST_TLB + (store ? TLB_WTAG32 : TLB_RTAG32));
    b.get(L_VA).i64(12).op(W.i64_shr_u).op(W.i64_eq);
    ifOpen(true);
    if (size > 1) { crossing(); b.hint(false).op(W.br_if).u32(1); }
    b.get(P_ST).get(L_TI).i32(2).op(W.i32_shl).op(W.i32_add).mem(W.i32_load, 2, ST_TLB + (store ? TLB_WBASE : TLB_RBASE));
    b.get(L_VA).op(W.i32_wrap_i64).i32(4095).op(W.i32_and).op(W.i32_add).set(L_P);
    b.br(2);
    ifEnd();
    // A TLB miss: the MMU walks the page table (no fault is taken here: an access the
    // page table does not allow, or a store to a page holding code, goes to the interpreter).
    if (size > 1) { crossing(); b.hint(false).op(W.br_if).u32(0); }
    callOut(b.get(L_VA).op(W.f64_convert_i64_s).i32(store ? 1 : 0), SLOT_TLB, 3).tee(L_P);
    b.i32(0).op(W.i32_ge_s).hint(true).op(W.br_if).u32(1);
    close(ANON);
    exitAt(off, rem, true);
    close(ANON);
  };
  const load = (a: number, imm: number, k: number, size: number, o: W, off: number, rem: number): void => {
    const r = dst(k);
    access(a, imm, size, false, off, rem, () => { b.get(L_P).mem(o, 0, 0); put(r); });
  };
  const store = (a: number, imm: number, k: number, size: number, o: W, off: number, rem: number): void => {
    access(a, imm, size, true, off, rem, () => { b.get(L_P); rd(k); b.mem(o, 0, 0); });
  };
  /**
   * The A extension. A guest's threads share one host thread and a task switch happens
   * only between instructions, so an AMO is a plain read-modify-write and LR/SC keep the
   * hart's reservation in its slot (ST_RES, as the interpreter does). A misaligned
   * address leaves for the interpreter, which raises it.
   */
  const aligned = (a: number, size: number, off: number, rem: number): void => {
    rd(a); b.i64(size - 1).op(W.i64_and).op(W.i64_eqz).op(W.i32_eqz);
    ifOpen(false); exitAt(off, rem, true); ifEnd();
  };
  /** The new value of an AMO (function f5) from the old one in L_T0 and rs2 in L_T1; w: on the low 32 bits. */
  const amoValue = (f5: number, w: boolean): void => {
    const lt = (x: number, y: number, signed: boolean): void => {   // pushes x < y
      b.get(x); if (w) b.op(W.i32_wrap_i64);
      b.get(y); if (w) b.op(W.i32_wrap_i64);
      b.op(w ? (signed ? W.i32_lt_s : W.i32_lt_u) : (signed ? W.i64_lt_s : W.i64_lt_u));
    };
    switch (f5) {
      case AMO_ADD: b.get(L_T0).get(L_T1).op(W.i64_add); break;
      case AMO_SWAP: b.get(L_T1); break;
      case AMO_XOR: b.get(L_T0).get(L_T1).op(W.i64_xor); break;
      case AMO_OR: b.get(L_T0).get(L_T1).op(W.i64_or); break;
      case AMO_AND: b.get(L_T0).get(L_T1).op(W.i64_and); break;
      // min/max: rs2 where it wins the comparison, else the old value
      case AMO_MIN: case AMO_MINU: b.get(L_T1).get(L_T0); lt(L_T1, L_T0, f5 === AMO_MIN); b.op(W.select); break;
      default: b.get(L_T1).get(L_T0); lt(L_T0, L_T1, f5 === AMO_MAX); b.op(W.select); break;
    }
  };
  const amo = (a: number, c: number, k: number, f5: number, w: boolean, off: number, rem: number): void => {
    const r = dst(k), size = w ? 4 : 8;
    aligned(a, size, off, rem);
    rd(c); b.set(L_T1);
    access(a, 0, size, true, off, rem, () => {
      b.get(L_P).mem(w ? W.i64_load32_s : W.i64_load, 0, 0).set(L_T0);
      b.get(L_P); amoValue(f5, w); b.mem(w ? W.i64_store32 : W.i64_store, 0, 0);
      b.get(L_T0); put(r);
    });
  };
  const loadReserved = (a: number, k: number, w: boolean, off: number, rem: number): void => {
    const r = dst(k), size = w ? 4 : 8;
    aligned(a, size, off, rem);
    rd(a); b.set(L_T1);   // (rd may be rs1)
    access(a, 0, size, false, off, rem, () => { b.get(L_P).mem(w ? W.i64_load32_s : W.i64_load, 0, 0); put(r); });
    b.get(P_ST).get(L_T1).op(W.f64_convert_i64_s).mem(W.f64_store, 3, ST_RES);
  };
  const storeConditional = (a: number, c: number, k: number, w: boolean, off: number, rem: number): void => {
    const r = dst(k), size = w ? 4 : 8;
    aligned(a, size, off, rem);
    rd(c); b.set(L_T1);
    // (rs1 is in its local now: the access below, on one path only, loads no register)
    rd(a); b.op(W.f64_convert_i64_s).get(P_ST).mem(W.f64_load, 3, ST_RES).op(W.f64_eq);
    b.op(W.if_).byte(I64); open(ANON);
    lookup(a, 0, size, true, off, rem);
    b.get(L_P).get(L_T1).mem(w ? W.i64_store32 : W.i64_store, 0, 0).i64(0);
    b.op(W.else_).i64(1);
    close(ANON);
    b.get(P_ST).i64(-1).op(W.f64_convert_i64_s).mem(W.f64_store, 3, ST_RES);
    put(r);
  };
  /** rd = op(rs1, rs2) on i64 */
  const bin = (k: number, a: number, c: number, o: W): void => { const r = dst(k); rd(a); rd(c); b.op(o); put(r); };
  const bini = (k: number, a: number, imm: number, o: W): void => { const r = dst(k); rd(a); b.i64(imm); b.op(o); put(r); };
  /** rd = sext32(op(lo32 rs1, lo32 rs2)) */
  const bin32 = (k: number, a: number, c: number, o: W): void => {
    const r = dst(k); rd(a); b.op(W.i32_wrap_i64); rd(c); b.op(W.i32_wrap_i64); b.op(o).op(W.i64_extend_i32_s); put(r);
  };
  const bin32i = (k: number, a: number, imm: number, o: W): void => {
    const r = dst(k); rd(a); b.op(W.i32_wrap_i64).i32(imm).op(o).op(W.i64_extend_i32_s); put(r);
  };
  /** rd = (cmp) as 0/1 */
  const setCmp = (k: number, pushArgs: () => void, o: W): void => { const r = dst(k); pushArgs(); b.op(o).op(W.i64_extend_i32_u); put(r); };
  /** Make the slot's x[r] current (before a helper reads the register file). */
  const spill = (r: number): void => {
    if (r !== 0 && (dirty & (1 << r)) !== 0) { b.get(P_ST).get(reg(r)).mem(W.i64_store, 3, ST_X + 8 * r); dirty &= ~(1 << r); }
  };

  /** Signed/unsigned 64-bit division and remainder with RISC-V's results for /0 and overflow. */
  const divide = (k: number, a: number, c: number, op: number): void => {
    const r = dst(k);
    rd(a); b.set(L_T0); rd(c); b.set(L_T1);
    const ifr = (): void => { b.hint(false).op(W.if_).byte(I64); };
    b.get(L_T1).op(W.i64_eqz); ifr();
    if (op === Op.DIV || op === Op.DIVU) b.i64(-1); else b.get(L_T0);
    b.op(W.else_);
    if (op === Op.DIV || op === Op.REM) {
      b.get(L_T1).i64(-1).op(W.i64_eq); ifr();
      if (op === Op.DIV) b.i64(0).get(L_T0).op(W.i64_sub); else b.i64(0);
      b.op(W.else_).get(L_T0).get(L_T1).op(op === Op.DIV ? W.i64_div_s : W.i64_rem_s).op(W.end);
    } else b.get(L_T0).get(L_T1).op(op === Op.DIVU ? W.i64_div_u : W.i64_rem_u);
    b.op(W.end);
    put(r);
  };
  /** The same on the low 32 bits, sign-extended (DIVW, DIVUW, REMW, REMUW). */
  const divide32 = (k: number, a: number, c: number, op: number): void => {
    const r = dst(k);
    rd(a); b.set(L_T0); rd(c); b.set(L_T1);
    const lo = (l: number): void => { b.get(l).op(W.i32_wrap_i64); };
    const ifr = (): void => { b.hint(false).op(W.if_).byte(I32); };
    lo(L_T1); b.op(W.i32_eqz); ifr();
    if (op === Op.DIVW || op === Op.DIVUW) b.i32(-1); else lo(L_T0);
    b.op(W.else_);
    if (op === Op.DIVW || op === Op.REMW) {
      lo(L_T1); b.i32(-1).op(W.i32_eq); ifr();
      if (op === Op.DIVW) { b.i32(0); lo(L_T0); b.op(W.i32_sub); } else b.i32(0);
      b.op(W.else_); lo(L_T0); lo(L_T1); b.op(op === Op.DIVW ? W.i32_div_s : W.i32_rem_s).op(W.end);
    } else { lo(L_T0); lo(L_T1); b.op(op === Op.DIVUW ? W.i32_div_u : W.i32_rem_u); }
    b.op(W.end).op(W.i64_extend_i32_s);
    put(r);
  };
  const mulh = (k: number, a: number, c: number, op: number): void => {
    const r = dst(k);
    rd(a); b.set(L_T0); rd(c); b.set(L_T1);
    b.get(L_T0).get(L_T1).op(W.call).u32(fMulhu(fp));
    // mulh: - (a < 0 ? b : 0) - (b < 0 ? a : 0); mulhsu: - (a < 0 ? b : 0)
    if (op !== Op.MULHU) {
      b.get(L_T1).i64(0).get(L_T0).i64(0).op(W.i64_lt_s).op(W.select).op(W.i64_sub);
      if (op === Op.MULH) b.get(L_T0).i64(0).get(L_T1).i64(0).op(W.i64_lt_s).op(W.select).op(W.i64_sub);
    }
    put(r);
  };

  // Dispatch: block $b(last) … block $b0 (the blocks outside a span's interior), br_table
  // over P_BLK, then each block's code. Blocks inside a span (after its first) are not
  // entered from outside it: their labels are opened inside the span's loop.
  const inner = (k: number): boolean => spans[k] !== null && spans[k]!.j < k;
  b.op(W.block).byte(VOID); open(EXIT);
  b.op(W.loop).byte(VOID); open(TOP);
  for (let i = nb - 1; i >= 0; i--) if (!inner(i)) { b.op(W.block).byte(VOID); open(i); }
  b.get(P_BLK).op(W.br_table).u32(nb);
  for (let i = 0; i < nb; i++) b.u32(inner(i) ? depthTo(EXIT) : depthTo(i));
  b.u32(depthTo(EXIT));               // default: $exit (never: the caller passes a valid block)
  close(0);
  for (bi = 0; bi < nb; bi++) {
    const blk: Block = blocks[bi];
    const len = blk.insts.length;
    const sp = spans[bi];
    if (sp === null || sp.j === bi) { loaded = 0; dirty = 0; }
    term = false;
    cur = sp;
    if (sp !== null && sp.j === bi) {
      // A loop span: every register it uses in locals before its wasm loop, the ones it
      // may write counted as changed, so the state is the same at each of its blocks.
      for (let r = 1, m = sp.used >>> 1; m !== 0; r++, m >>>= 1) if ((m & 1) !== 0) b.get(P_ST).mem(W.i64_load, 3, ST_X + 8 * r).set(reg(r));
      loaded = sp.used; dirty = sp.written;
      b.op(W.loop).byte(VOID); open(LOOP + bi);
      for (let k = sp.i; k > bi; k--) { b.op(W.block).byte(VOID); open(k); }
    }
    // The block's instructions retire (the budget was checked on the way here, see need).
    b.get(P_N).i32(len).op(W.i32_sub).set(P_N);
    const have = new Set<number>([0]);
    tcReset(); reuse = reusable(blk.insts);
    for (ii = 0; ii < len; ii++) {
      const ins: Inst = blk.insts[ii];
      const { off, op, imm } = ins;
      if (ii === len - 1 && (endsBlock(op) || op === Op.ECALL)) {
        if (sp === null) { writeBack(); dirty = 0; }
        term = true;
      }
      const next = off + ins.len;
      const k = ins.rd, a = ins.rs1, c = ins.rs2;
      const rem = len - ii;
      for (const pk of needs(ins)) if (!have.has(pk)) { guard(pk, off, rem); have.add(pk); }
      /** After a branch's taken path: the path that goes on (out of a span's last block: written back first). */
      const onward = (): void => {
        if (sp !== null && sp.i === bi) { writeBack(); dirty = 0; }
        if (!(ii === len - 1 && bi + 1 < nb && blocks[bi + 1].start === next)) goto(next);
      };
      const branch = (o: W | null, zero: boolean): void => {
        rd(a); if (!zero) rd(c);
        if (o !== null) b.op(o);
        ifOpen(); goto(off + imm); ifEnd();
        onward();
      };
      switch (op) {
        case Op.LUI: case Op.LI: { const r = dst(k); b.i64(imm | 0); put(r); break; }
        case Op.AUIPC: { const r = dst(k); b.get(L_PV).i64(off + imm).op(W.i64_add); put(r); break; }
        case Op.J: goto(off + imm); break;
        case Op.JAL: { const r = dst(k); b.get(L_PV).i64(next).op(W.i64_add); put(r); goto(off + imm); break; }
        case Op.JALR: {
          rd(a); if (imm !== 0) b.i64(imm).op(W.i64_add);
          b.i64(-2).op(W.i64_and).set(L_T1);
          const r = dst(k); b.get(L_PV).i64(next).op(W.i64_add); put(r);
          // A return into this region (a call's return site), or a switch's jump to one of its
          // cases (blk.table), stays inside; anything else leaves.
          for (const [s, j] of index) {
            if (blk.table !== undefined ? !blk.table.includes(s) : !retSites.has(s)) continue;
            b.get(L_T1).get(L_PV).i64(s).op(W.i64_add).op(W.i64_eq); ifOpen(); backTo(j); ifEnd();
          }
          link(); b.get(L_T1).set(L_T0).br(toExit());
          break;
        }
        case Op.BEQ: branch(W.i64_eq, false); break;
        case Op.BNE: branch(W.i64_ne, false); break;
        case Op.BLT: branch(W.i64_lt_s, false); break;
        case Op.BGE: branch(W.i64_ge_s, false); break;
        case Op.BLTU: branch(W.i64_lt_u, false); break;
        case Op.BGEU: branch(W.i64_ge_u, false); break;
        case Op.BEQZ: branch(W.i64_eqz, true); break;
        case Op.BNEZ: rd(a); b.op(W.i64_eqz).op(W.i32_eqz); ifOpen(); goto(off + imm); ifEnd();
          onward();
          break;

        case Op.LB: load(a, imm, k, 1, W.i64_load8_s, off, rem); break;
        case Op.LBU: load(a, imm, k, 1, W.i64_load8_u, off, rem); break;
        case Op.LH: load(a, imm, k, 2, W.i64_load16_s, off, rem); break;
        case Op.LHU: load(a, imm, k, 2, W.i64_load16_u, off, rem); break;
        case Op.LW: load(a, imm, k, 4, W.i64_load32_s, off, rem); break;
        case Op.LWU: load(a, imm, k, 4, W.i64_load32_u, off, rem); break;
        case Op.LD: load(a, imm, k, 8, W.i64_load, off, rem); break;
        case Op.SB: store(a, imm, c, 1, W.i64_store8, off, rem); break;
        case Op.SH: store(a, imm, c, 2, W.i64_store16, off, rem); break;
        case Op.SW: store(a, imm, c, 4, W.i64_store32, off, rem); break;
        case Op.SD: store(a, imm, c, 8, W.i64_store, off, rem); break;
        case Op.FLW: access(a, imm, 4, false, off, rem, () => {
          b.get(P_ST).get(L_P).mem(W.i64_load32_u, 0, 0).i64(-4294967296).op(W.i64_or).mem(W.i64_store, 3, ST_F + 4 * k);
        }); break;
        case Op.FLD: access(a, imm, 8, false, off, rem, () => {
          b.get(P_ST).get(L_P).mem(W.i64_load, 0, 0).mem(W.i64_store, 3, ST_F + 4 * k);
        }); break;
        case Op.FSW: access(a, imm, 4, true, off, rem, () => {
          b.get(L_P).get(P_ST).mem(W.i64_load, 3, ST_F + 4 * c).mem(W.i64_store32, 0, 0);
        }); break;
        case Op.FSD: access(a, imm, 8, true, off, rem, () => {
          b.get(L_P).get(P_ST).mem(W.i64_load, 3, ST_F + 4 * c).mem(W.i64_store, 0, 0);
        }); break;

        case Op.MV: { const r = dst(k); rd(a); put(r); break; }
        case Op.ADDI: bini(k, a, imm, W.i64_add); break;
        case Op.SLTI: setCmp(k, () => { rd(a); b.i64(imm); }, W.i64_lt_s); break;
        case Op.SLTIU: setCmp(k, () => { rd(a); b.i64(imm); }, W.i64_lt_u); break;
        case Op.XORI: bini(k, a, imm, W.i64_xor); break;
        case Op.ORI: bini(k, a, imm, W.i64_or); break;
        case Op.ANDI: bini(k, a, imm, W.i64_and); break;
        case Op.SLLI: bini(k, a, imm, W.i64_shl); break;
        case Op.SRLI: bini(k, a, imm, W.i64_shr_u); break;
        case Op.SRAI: bini(k, a, imm, W.i64_shr_s); break;
        case Op.ADD: bin(k, a, c, W.i64_add); break;
        case Op.SUB: bin(k, a, c, W.i64_sub); break;
        case Op.SLL: bin(k, a, c, W.i64_shl); break;
        case Op.SRL: bin(k, a, c, W.i64_shr_u); break;
        case Op.SRA: bin(k, a, c, W.i64_shr_s); break;
        case Op.SLT: setCmp(k, () => { rd(a); rd(c); }, W.i64_lt_s); break;
        case Op.SLTU: setCmp(k, () => { rd(a); rd(c); }, W.i64_lt_u); break;
        case Op.XOR: bin(k, a, c, W.i64_xor); break;
        case Op.OR: bin(k, a, c, W.i64_or); break;
        case Op.AND: bin(k, a, c, W.i64_and); break;
        case Op.ADDIW: bin32i(k, a, imm, W.i32_add); break;
        case Op.SLLIW: bin32i(k, a, imm, W.i32_shl); break;
        case Op.SRLIW: bin32i(k, a, imm, W.i32_shr_u); break;
        case Op.SRAIW: bin32i(k, a, imm, W.i32_shr_s); break;
        case Op.ADDW: bin32(k, a, c, W.i32_add); break;
        case Op.SUBW: bin32(k, a, c, W.i32_sub); break;
        case Op.SLLW: bin32(k, a, c, W.i32_shl); break;
        case Op.SRLW: bin32(k, a, c, W.i32_shr_u); break;
        case Op.SRAW: bin32(k, a, c, W.i32_shr_s); break;
        case Op.MULW: bin32(k, a, c, W.i32_mul); break;
        case Op.MUL: bin(k, a, c, W.i64_mul); break;
        case Op.MULH: case Op.MULHSU: case Op.MULHU: mulh(k, a, c, op); break;
        case Op.DIV: case Op.DIVU: case Op.REM: case Op.REMU: divide(k, a, c, op); break;
        case Op.DIVW: case Op.DIVUW: case Op.REMW: case Op.REMUW: divide32(k, a, c, op); break;
        case Op.FP: {
          // fpExec may read integer rs1 and write integer rd (fmv, fcvt, compares, fclass).
          const raw = imm;   // Op.FP keeps the raw bits in slot[1]
          const isInt = (raw & 127) === 0x53;
          const r1 = (raw >>> 15) & 31, r = isInt ? dst(2 * ((raw >>> 7) & 31)) : 0;
          // (rd is made current too: fpExec may leave it alone; it is read from the slot after.)
          if (isInt) { spill(r1); spill(r); }
          b.get(P_ST).i32(raw).op(W.call).u32(F_FP).op(W.i32_eqz);
          ifOpen(false); exitAt(off, rem, true); ifEnd();
          if (isInt) { loaded &= ~(1 << r); tcKill(r); }
          break;
        }
        case Op.FENCE: break;
        case Op.AMO_W: case Op.AMO_D: amo(a, c, k, imm, op === Op.AMO_W, off, rem); break;
        case Op.LR_W: case Op.LR_D: loadReserved(a, k, op === Op.LR_W, off, rem); break;
        case Op.SC_W: case Op.SC_D: storeConditional(a, c, k, op === Op.SC_W, off, rem); break;
        case Op.ECALL:
          // A syscall the kernel completes in place (cpu.ecallFast: it reads a7 and writes
          // a0) goes on with the next instruction; any other leaves, retired as the
          // interpreter counts it, for the kernel.
          // (The ecall ends its block: the cache was written back before it.)
          callOut(b.get(P_ST).i32(0), SLOT_ECALL, 1); ifOpen();
          loaded &= ~(1 << 10);
          { // (need[] stops at an ecall: check the budget for what follows, as a backward jump does)
            const j = index.get(off + 4);
            if (j !== undefined) { b.get(P_N).i32(need[j]).op(W.i32_lt_s); ifOpen(false); exitAt(off + 4, 0, false); ifEnd(); }
          }
          goto(off + 4);
          ifEnd();
          exitAt(off, 0, EXIT_FLAG_ECALL);
          break;
        default: throw new Error(`jit: no wasm for op ${op} at ${off}`);
      }
    }
    const last = blk.insts[len - 1];
    // Falling out of a block outside spans, or out of a span's last block: write back.
    if (!term && (sp === null || sp.i === bi)) { writeBack(); dirty = 0; }
    if (sp !== null && sp.i === bi) { close(LOOP + sp.j); cur = null; }
    if (!endsBlock(last.op) && last.op !== Op.ECALL) {
      const next = last.off + last.len;
      if (!(bi + 1 < nb && blocks[bi + 1].start === next)) goto(next);
    }
    if (bi < nb - 1) close(bi + 1);   // $b(bi+1): its code follows
  }
  close(TOP);
  close(EXIT);
  // Exit (every path there wrote its registers back): record pc and the interpreter flag, return the budget left.
  const body = new Bytes();
  // Too little budget to start: leave at once with nothing done (the caller wrote pc).
  body.get(P_N).i32(maxNeed).op(W.i32_lt_s).hint(false).op(W.if_).byte(VOID);
  body.get(P_ST).i32(0).mem(W.i32_store, 2, ST_LINK).get(P_N).op(W.return_).op(W.end);
  body.get(P_PV).set(L_PV);
  body.append(b, true);
  // An exit with a link cell that is valid for pc and this hart now (see wasmloop.ts)
  // goes straight on to the region the cell names, as a tail call.
  // A cell holds two targets (an indirect jump or a return goes to several): the one it
  // found last at C_*, the one before at CELL_WAY + C_*.
  body.op(W.block).byte(VOID);
  body.get(L_LINK).op(W.i32_eqz).op(W.br_if).u32(0);
  for (const way of [0, CELL_WAY]) {
    body.op(W.block).byte(VOID);
    body.get(L_LINK).mem(W.i64_load, 3, way + C_VA).get(L_T0).op(W.i64_ne).op(W.br_if).u32(0);
    body.get(L_LINK).mem(W.f64_load, 3, way + C_STAMP).get(P_ST).mem(W.f64_load, 3, ST_TLB + TLB_STAMP).op(W.f64_ne).hint(false).op(W.br_if).u32(0);
    body.get(L_LINK).mem(W.i32_load, 2, way + C_GENADDR).mem(W.i32_load, 2, 0).get(L_LINK).mem(W.i32_load, 2, way + C_GEN).op(W.i32_ne).hint(false).op(W.br_if).u32(0);
    body.get(P_ST).get(L_T0).op(W.f64_convert_i64_s).mem(W.f64_store, 3, ST_PC);    // in case it cannot start
    body.get(P_ST).get(P_N).get(L_LINK).mem(W.i32_load, 2, way + C_VAL).i32(BLK_MASK).op(W.i32_and).get(L_T0).i64(-4096).op(W.i64_and);
    body.get(L_LINK).mem(W.i32_load, 2, way + C_VAL).i32(BLK_BITS).op(W.i32_shr_u).op(W.return_call_indirect).u32(0).u32(0);
    body.op(W.end);
  }
  body.op(W.end);
  body.get(P_ST).get(L_T0).op(W.f64_convert_i64_s).mem(W.f64_store, 3, ST_PC);
  body.get(P_ST).get(L_INTERP).mem(W.i32_store, 2, ST_INTERP);
  body.get(P_ST).get(L_LINK).mem(W.i32_store, 2, ST_LINK);
  body.get(P_N);
  return { body, index, ninsts, guards: flags.size - 2, starts: blocks.filter((x, k) => x.start >= 0 && x.start < 4096 && !inner(k)).map((x) => x.start), cells, fp };
}

/**
 * Compile translated regions, all with or all without F/D arithmetic (`fp`), into one
 * module (a module's fixed cost dwarfs a region's); their functions in order.
 */
export function instantiate(regions: WasmRegion[], memory: WebAssembly.Memory, table: WebAssembly.Table,
  fpCall: (st: number, raw: number) => number): Function[] {
  const fp = regions[0].fp, first = fMulhu(fp) + 1;
  const funcs = [{ type: 2, locals: [[7, I64]] as [number, number][], body: mulhuBody() }];
  for (const r of regions) {
    if (r.fp !== fp) throw new Error('jit: a batch mixes regions with and without F/D arithmetic');
    funcs.push({ type: 0, locals: [[35, I64], [6, I32], [1, I64], [2 * NTC + r.guards, I32]], body: r.body });
  }
  const bytes = module(TYPES, fp ? [{ name: 'fp', type: 1 }] : [], funcs, true);
  const imports: Record<string, WebAssembly.ImportValue> = { mem: memory, tab: table };
  if (fp) imports.fp = fpCall;
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), { m: imports });
  return regions.map((_, i) => inst.exports[`f${first + i}`] as Function);
}
