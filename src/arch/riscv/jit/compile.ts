// Translation of guest code to JavaScript. A *region* is a set of basic blocks of one
// physical page reachable from a hot entry (branch targets, fall-throughs, return
// sites after calls); it becomes one JS function
//
//     function (c, pageVa, n, pc) { let L1 = x[2], H1 = x[3], …;
//       loop: for (;;) switch (pc) { case OFF: if (n < LEN) …exit; n -= LEN; …; default: break loop; }
//       …write back; c.pc = pageVa + pc; return n; }
//
// with the guest registers it touches held in locals (int32 lo/hi pairs, the same
// arithmetic as the interpreter), immediates folded into the source, and loads and
// stores inlined against the hart's TLB arrays. Control stays inside the function while
// it jumps between its own blocks; anything else (a jump off the page or out of the
// region, an instruction the translator leaves to the interpreter, the budget running
// out) leaves the function with c.pc set.
//
// A region covers the entry page and, where they are mapped executable, its virtual
// neighbours (loops and functions straddle page boundaries): code on a neighbour page
// runs only after a once-per-call guard finds that page still mapped at the same
// address to the same frame with the same decoded code.
//
// Precision: every block first checks that the budget covers all of it, so a slice ends
// on the same instruction as in the interpreter. Loads and stores take the inline path
// only on a TLB hit with natural alignment; otherwise the region writes its registers
// back and leaves with c.interp set, and the interpreter performs that one access (and
// raises any fault with exactly the interpreter's state). Stores on the inline path can
// never reach a frame with decoded code (creating the code flushes the hart's write TLB
// for that frame), so translated code cannot modify itself unnoticed: such a store takes
// the slow path, the MMU drops the frame's code, and the dispatcher sees the change.
import { Op, Slot, decodeInto } from '../decode.js';
import { expand } from '../rvc.js';
import { JitCtx } from './ctx.js';
import { DTLB_MASK } from '../../../mm/mmu.js';

export type RegionFn = (c: JitCtx, pageVa: number, n: number, pc: number) => number;

export interface Region {
  fn: RegionFn;
  /** Page offsets of the blocks the function can be entered at. */
  starts: number[];
  ninsts: number;
  src: string;
  /** Calls and instructions retired per call, to drop regions that exit too often. */
  calls: number;
  retired: number;
  /** A wasm region's slot in the dispatch loop's table (fn is then unused); -1 for JS. */
  slot: number;
}

/** Limits of one region. */
const MAX_BLOCKS = 96;
const MAX_INSTS = 200;
/**
 * The wasm back end's limits: smaller than JS's, since leaving a wasm region is cheap and
 * TurboFan's cost per function grows faster than its size (measured: 48/100 beat 96/200
 * and 512/1000 on sha256sum, CoreMark-style and gzip, when regions took code that had
 * never run). Its regions keep to code that ran (Pages.onlyRan), where 64/150 measured
 * best: a loop with calls and a switch fits whole (busybox's FDE scan, docs/jit.md).
 */
export const WASM_MAX_BLOCKS = 64, WASM_MAX_INSTS = 150;

/**
 * Make sure the instruction at page offset `off` of frame f is decoded in `code`.
 * false when it straddles the end of the page (the interpreter handles those).
 */
export function decodeAt(u16: Uint16Array, code: Int32Array, f: number, off: number): boolean {
  return code[off] !== Op.UNDECODED || decodeSlot(u16, f, off, code, off);
}

/** Decode the instruction at page offset `off` of frame f into out[s], out[s + 1]; false when it straddles the page end. */
function decodeSlot(u16: Uint16Array, f: number, off: number, out: Int32Array, s: number): boolean {
  const hw = (f * 4096 + off) / 2;
  const lo = u16[hw];
  if ((lo & 3) !== 3) { decodeInto(expand(lo), lo, 2, out, s); return true; }
  if (off === 4094) return false;
  const inst = lo | (u16[hw + 1] << 16);
  decodeInto(inst, inst, 4, out, s);
  return true;
}

/** Instructions the translator leaves to the interpreter (rare or with effects beyond registers and memory). */
export function translatable(op: number): boolean {
  switch (op) {
    case Op.UNDECODED: case Op.ILLEGAL: case Op.ECALL: case Op.EBREAK: case Op.CSR: case Op.FENCE_I:
    case Op.LR_W: case Op.LR_D: case Op.SC_W: case Op.SC_D: case Op.AMO_W: case Op.AMO_D:
      return false;
  }
  return true;
}

/** The A extension's instructions (translated by the wasm back end only). */
export function atomic(op: number): boolean {
  return op === Op.LR_W || op === Op.LR_D || op === Op.SC_W || op === Op.SC_D || op === Op.AMO_W || op === Op.AMO_D;
}

export function endsBlock(op: number): boolean {
  switch (op) {
    case Op.J: case Op.JAL: case Op.JALR: case Op.BEQ: case Op.BNE: case Op.BLT: case Op.BGE:
    case Op.BLTU: case Op.BGEU: case Op.BEQZ: case Op.BNEZ:
      return true;
  }
  return false;
}

/** A page the region may cover: the entry page (k = 0) and its virtual neighbours (k = ±1). */
export interface PageRef {
  frame: number; code: Int32Array;
  /** The decoded op under each Op.JIT_ENTRY mark of `code`, by 2-byte offset. */
  orig: Int8Array;
}

/**
 * One decoded instruction of a region; `off` is relative to the entry page (may be < 0 or >= 4096).
 * rd, rs1, rs2: register pair indices; len: 2 or 4 bytes; imm: slot[1], the raw instruction
 * bits for Op.FP (see decode.ts).
 */
export interface Inst {
  off: number; page: number; op: number; rd: number; rs1: number; rs2: number; len: number; imm: number; straddle: boolean;
}

/** table: the targets of the jump table its closing `jr` reads (see jumpTable), if recognised. */
export interface Block { start: number; insts: Inst[]; table?: number[]; }

const SCRATCH = new Int32Array(2);

/** How far (in pages) a region may follow calls and jumps when its back end can guard any page. */
const FAR = 256;

export class Pages {
  private readonly far = new Map<number, PageRef | null>();
  /**
   * pages[k + 1] for k = -1, 0, 1; null where the neighbour is not mapped executable.
   * ecall: true when the back end translates ecall (it ends a block; wasm leaves with
   * EXIT_ECALL) and the A extension's atomics (wasm).
   * resolve: the page k pages away, for a back end that can reach beyond the neighbours
   * (wasm follows calls into small functions elsewhere, such as a byte-swap helper).
   * read32: the 32-bit word at an offset from the entry page in readable memory, or null
   * (not mapped or not present); lets discover() follow a switch's jump table.
   * onlyRan: discover() keeps to code the interpreter has run (see ran); instructions are
   * then decoded without filling the pages' decode caches, which keep meaning "ran".
   */
  constructor(readonly u16: Uint16Array, readonly pages: (PageRef | null)[], readonly ecall = false,
    readonly resolve: ((k: number) => PageRef | null) | null = null,
    readonly read32: ((off: number) => number | null) | null = null, readonly onlyRan = false) {}
  /**
   * Has the instruction at `off` run? The interpreter decodes an instruction into its
   * frame's cache the first time it runs it, so a decoded slot means it ran at least once
   * (in any process sharing the frame). Unknown (a neighbour that is not mapped): false.
   */
  ran(off: number): boolean {
    const k = Math.floor(off / 4096), pg = this.page(k);
    return pg !== null && pg.code[off - k * 4096] !== Op.UNDECODED;
  }
  /** The page k pages from the entry page, or null. */
  page(k: number): PageRef | null {
    if (k >= -1 && k <= 1) return this.pages[k + 1];
    if (this.resolve === null || k < -FAR || k > FAR) return null;
    let p = this.far.get(k);
    if (p === undefined) { p = this.resolve(k); this.far.set(k, p); }
    return p;
  }
  /** The translatable instruction at `off`, or null (untranslatable, unmapped neighbour, out of range). */
  inst(off: number): Inst | null {
    const k = Math.floor(off / 4096);
    const pg = this.page(k);
    if (pg === null) return null;
    const po = off - k * 4096;
    let w: number, imm: number, straddle = false;
    if (po === 4094 && (this.u16[(pg.frame * 4096 + 4094) / 2] & 3) === 3) {
      // A 32-bit instruction straddling into the next page.
      const nx = this.page(k + 1);
      if (nx === null) return null;
      const inst = this.u16[(pg.frame * 4096 + 4094) / 2] | (this.u16[nx.frame * 2048] << 16);
      decodeInto(inst, inst, 4, SCRATCH, 0);
      w = SCRATCH[0]; imm = SCRATCH[1];
      straddle = true;
    } else if (this.onlyRan && pg.code[po] === Op.UNDECODED) {
      // Decoded aside: the cache keeps telling what ran.
      if (!decodeSlot(this.u16, pg.frame, po, SCRATCH, 0)) return null;
      w = SCRATCH[0]; imm = SCRATCH[1];
    } else {
      decodeAt(this.u16, pg.code, pg.frame, po);
      w = pg.code[po]; imm = pg.code[po + 1];
    }
    let op = w & Slot.OP;
    if (op === Op.JIT_ENTRY) op = pg.orig[po >>> 1];
    if (!translatable(op) && !(this.ecall && (op === Op.ECALL || atomic(op)))) return null;
    return { off, page: k, op, rd: (w >>> Slot.RD) & 127, rs1: (w >>> Slot.RS1) & 127, rs2: (w >>> Slot.RS2) & 127,
      len: w >>> Slot.LEN, imm, straddle };
  }
}

/** Pages other than the entry page that executing `i` depends on. */
export function needs(i: Inst): number[] {
  const out: number[] = [];
  if (i.page !== 0) out.push(i.page);
  if (i.straddle && i.page + 1 !== 0) out.push(i.page + 1);
  return out;
}

/** A function at `off` that returns (ret) within a few instructions without calling anything: worth inlining. */
function smallLeaf(pg: Pages, off: number): boolean {
  for (let n = 0; n < 24; n++) {
    const i = pg.inst(off);
    if (i === null || i.op === Op.JAL || i.op === Op.ECALL) return false;
    if (i.op === Op.JALR) return i.rd === 64 && i.rs1 === 2 && i.imm === 0;   // jalr x0, 0(ra)
    off += i.len;
  }
  return false;
}

/** Entries of a jump table followed at most, and how far (bytes) its targets may be from the `jr`. */
const TABLE_MAX = 64, TABLE_REACH = 8192;
/** Stores (integer and F/D): their rd field is no destination. */
export const STORES = new Set<number>([Op.SB, Op.SH, Op.SW, Op.SD, Op.FSW, Op.FSD]);
const rdOf = (i: Inst): number => (i.rd >> 1) & 31,   // x0 is written as the sink pair (64)
  rs1Of = (i: Inst): number => i.rs1 >> 1,
  rs2Of = (i: Inst): number => i.rs2 >> 1;

/**
 * The targets (offsets from the entry page) of a switch's jump table that block `insts`
 * ends with, as GCC emits it for riscv64: `auipc b; addi b, b, lo` (the table T),
 * `slli t, i, 2; add t, t, b; lw e, 0(t); add j, e, b; jr j`, each entry relative to T,
 * with the index i bounded before the block (`bound`: i < n). [] when not recognised.
 * The translation only compares the computed target with these, so a wrong guess costs
 * speed, never correctness.
 */
function jumpTable(pg: Pages, insts: Inst[], bound: { r: number; n: number } | undefined): number[] {
  const last = insts.length - 1, jr = insts[last];
  if (pg.read32 === null || bound === undefined || jr.op !== Op.JALR || rdOf(jr) !== 0 || jr.imm !== 0) return [];
  /** The last instruction before index k that writes register r (-1: none in the block). */
  const def = (r: number, k: number): number => {
    for (let j = k - 1; j >= 0; j--) if (!endsBlock(insts[j].op) && !STORES.has(insts[j].op) && rdOf(insts[j]) === r) return j;
    return -1;
  };
  const op = (k: number, o: number): Inst | null => k >= 0 && insts[k].op === o ? insts[k] : null;
  const j1 = def(rs1Of(jr), last), add1 = op(j1, Op.ADD);
  if (add1 === null) return [];
  let tOff = NaN;
  for (const [e, b] of [[rs1Of(add1), rs2Of(add1)], [rs2Of(add1), rs1Of(add1)]]) {
    const jl = def(e, j1), lw = op(jl, Op.LW);                   // lw e, 0(t)
    if (lw === null || lw.imm !== 0) continue;
    const ja = def(rs1Of(lw), jl), add2 = op(ja, Op.ADD);        // add t, s, b
    if (add2 === null || (rs1Of(add2) !== b && rs2Of(add2) !== b)) continue;
    const sh = op(def(rs1Of(add2) === b ? rs2Of(add2) : rs1Of(add2), ja), Op.SLLI);   // slli s, i, 2
    const jb = def(b, ja), lo = op(jb, Op.ADDI), hi = op(def(b, jb), Op.AUIPC);         // auipc b; addi b, b, lo
    if (sh === null || sh.imm !== 2 || rs1Of(sh) !== bound.r || lo === null || rs1Of(lo) !== b || hi === null) continue;
    if (def(b, j1) !== jb) continue;                              // b unchanged up to the last add
    tOff = hi.off + hi.imm + lo.imm;
    break;
  }
  if (Number.isNaN(tOff)) return [];
  const out: number[] = [];
  for (let e = 0; e < Math.min(bound.n, TABLE_MAX); e++) {
    const v = pg.read32(tOff + 4 * e);
    if (v === null) return [];
    const t = tOff + v;
    if ((t & 1) !== 0 || Math.abs(t - jr.off) > TABLE_REACH) return [];
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** A block ending `bltu l, i, X` after `li l, N` (or `bgeu i, l, X`): index register i is below n on the way on. */
function indexBound(insts: Inst[]): { r: number; n: number } | undefined {
  const br = insts[insts.length - 1];
  if (br.op !== Op.BLTU && br.op !== Op.BGEU) return undefined;
  const lim = br.op === Op.BLTU ? rs1Of(br) : rs2Of(br), idx = br.op === Op.BLTU ? rs2Of(br) : rs1Of(br);
  for (let k = insts.length - 2; k >= 0; k--) {
    const x = insts[k];
    if (rdOf(x) !== lim) continue;
    if (x.op !== Op.LI || x.imm < 0 || x.imm >= TABLE_MAX) return undefined;
    return { r: idx, n: br.op === Op.BLTU ? x.imm + 1 : x.imm };
  }
  return undefined;
}

/** Find the region's blocks from `entry`, breadth first, within the pages and the limits. */
export function discover(pg: Pages, entry: number, maxBlocks = MAX_BLOCKS, maxInsts = MAX_INSTS): Block[] {
  const seen = new Set<number>();
  const blocks: Block[] = [];
  const queue = [entry];
  /** Index bounds that hold at the start of a block (indexBound), for jumpTable. */
  const bounds = new Map<number, { r: number; n: number }>();
  const add = (t: number): void => { if (!seen.has(t) && (!pg.onlyRan || pg.ran(t))) queue.push(t); };
  let ninsts = 0;
  while (queue.length > 0 && blocks.length < maxBlocks && ninsts < maxInsts) {
    const start = queue.shift()!;
    if (seen.has(start)) continue;
    seen.add(start);
    const insts: Inst[] = [];
    let off = start;
    for (;;) {
      const i = pg.inst(off);
      if (i === null) break;
      insts.push(i);
      if (endsBlock(i.op) || i.op === Op.ECALL) break;
      off += i.len;
    }
    if (insts.length === 0) continue;
    const blk: Block = { start, insts };
    blocks.push(blk);
    ninsts += insts.length;
    const last = insts[insts.length - 1];
    const next = last.off + last.len;
    const target = last.off + last.imm;
    // The next instruction is added after the switch, by one call for every kind of block
    // (a call of its own for the ecall case had no type feedback yet when V8 first
    // optimized this function, which then deoptimized at the first ecall it met).
    let onward = false;
    switch (last.op) {
      case Op.J: if (Math.abs(Math.floor(target / 4096)) <= 1 || smallLeaf(pg, target)) add(target); break;
      // A call: its callee when near (or a small leaf function anywhere), and where it returns.
      case Op.JAL: if (Math.abs(Math.floor(target / 4096)) <= 1 || smallLeaf(pg, target)) add(target); onward = true; break;
      case Op.JALR: {
        const t = jumpTable(pg, insts, bounds.get(start));
        if (t.length > 0) { blk.table = t; for (const x of t) add(x); } else onward = true;   // next: where a call returns
        break;
      }
      case Op.ECALL: onward = true; break;   // where the syscall returns
      default:
        if (endsBlock(last.op)) {
          const b = indexBound(insts);
          if (b !== undefined && !bounds.has(next)) bounds.set(next, b);
          add(target); onward = true;
        }
    }
    if (onward) add(next);
  }
  // Split blocks at other blocks' starts so that no code is translated twice.
  const starts = new Set(blocks.map((b) => b.start));
  for (const b of blocks) {
    for (let i = 1; i < b.insts.length; i++) {
      if (starts.has(b.insts[i].off)) { b.insts.length = i; b.table = undefined; break; }
    }
  }
  blocks.sort((a, b) => a.start - b.start);
  return blocks;
}

const P32 = '4294967296';

/**
 * Translate the region entered at page offset `entry` of pages[1] (the entry page);
 * pages[0] and pages[2] are the frames mapped executable just below and above it, or null.
 */
export function compileRegion(u16: Uint16Array, pages: (PageRef | null)[], entry: number): Region | null {
  const pg = new Pages(u16, pages);
  const blocks = discover(pg, entry);
  if (blocks.length === 0) return null;
  const f = pages[1]!.frame;
  const starts = new Set(blocks.map((b) => b.start));
  const used = new Set<number>();     // register numbers 1..31 held in locals
  const written = new Set<number>();
  const lo = (k: number): string => { if (k === 0) return '0'; used.add(k >> 1); return `L${k >> 1}`; };
  const hi = (k: number): string => { if (k === 0) return '0'; used.add(k >> 1); return `H${k >> 1}`; };
  /** rd as a register number, or 0 when writes are discarded (x0 / the sink pair). */
  const dst = (k: number): number => {
    const r = k >> 1;
    if (r === 0 || r >= 32) return 0;
    used.add(r); written.add(r);
    return r;
  };
  const set = (rd: number, l: string, h: string): string =>
    rd === 0 ? '' : `{ const t = ${l}, u = ${h}; L${rd} = t; H${rd} = u; }`;
  const set32 = (rd: number, v: string): string => rd === 0 ? '' : `{ const t = ${v}; L${rd} = t; H${rd} = t >> 31; }`;
  const sync = (k: number): string => k === 0 ? '' : `x[${k}] = ${lo(k)}; x[${k + 1}] = ${hi(k)}; `;
  const reload = (rd: number): string => rd === 0 ? '' : `L${rd} = x[${2 * rd}]; H${rd} = x[${2 * rd + 1}]; `;
  const goto = (t: number): string => starts.has(t) ? `pc = ${t}; continue;` : `pc = ${t}; break loop;`;
  // A slot of each page that is non-zero while that page's decoded code (and so this translation) is valid.
  const chk: number[] = [0, 0, 0];
  const usedPages = new Set<number>([0]);
  for (const b of blocks) for (const i of b.insts) for (const k of needs(i)) usedPages.add(k);
  for (const k of usedPages) {
    const p = pages[k + 1]!;
    let slot = -1;
    for (const b of blocks) for (const i of b.insts) if (i.page === k && !i.straddle && slot < 0) slot = i.off - k * 4096;
    if (slot < 0) { decodeAt(u16, p.code, p.frame, 0); slot = 0; }
    chk[k + 1] = slot;
  }
  const pname = (k: number): string => k < 0 ? 'P' : k > 0 ? 'N' : '0';
  /** Check once per call that neighbour page k is still mapped here to the same frame and code. */
  const guard = (k: number, exit: string): string =>
    `if (g${pname(k)} === 0) { const vp = vpn0 + ${k}, ti = vp & 255; ` +
    `if (xTag[ti] !== vp || xBase[ti] !== ${pages[k + 1]!.frame * 4096} || code${pname(k)}[${chk[k + 1]}] === 0) { ${exit} } g${pname(k)} = 1; }`;

  const out: string[] = [];
  let ninsts = 0;
  for (let bi = 0; bi < blocks.length; bi++) {
    const b = blocks[bi];
    const len = b.insts.length;
    ninsts += len;
    out.push(`case ${b.start}: if (n < ${len}) { pc = ${b.start}; break loop; } n -= ${len};`);
    let have = new Set<number>([0]);   // pages known valid at this point of the block
    for (let i = 0; i < len; i++) {
      const ins = b.insts[i];
      const off = ins.off;
      const op = ins.op;
      const rdk = ins.rd, a = ins.rs1, bk = ins.rs2;
      const imm = ins.imm;
      const next = off + ins.len;
      const rem = len - i;            // budget to give back if this instruction does not run
      for (const k of needs(ins)) {
        if (have.has(k)) continue;
        out.push(guard(k, `n += ${rem}; pc = ${off}; break loop;`));
        have = new Set(have).add(k);
      }
      // The slow path leaves the region; the interpreter performs this access (and takes any fault).
      const slowExit = `n += ${rem}; pc = ${off}; c.interp = 1; break loop;`;
      const va = a === 0 ? `${imm}` : `${hi(a)} * ${P32} + (${lo(a)} >>> 0) + ${imm}`;
      const tlb = (tag: string, base: string, align: number, fast: string, _slow: string): string =>
        `{ const va = ${va}; const vpn = Math.floor(va / 4096), ti = vpn & ${DTLB_MASK}; ` +
        `if (${tag}[ti] === vpn${align > 0 ? ` && (va & ${align}) === 0` : ''}) { const p = ${base}[ti] + (va & 4095); ${fast} } ` +
        `else { ${slowExit} } }`;
      const load = (align: number, fast: string, _slow: string): string => tlb('rTag', 'rBase', align, fast, '');
      const store = (align: number, fast: string, _slow: string): string => tlb('wTag', 'wBase', align, fast, '');
      const rd = (): number => dst(rdk);
      const cmpLt = (signed: boolean): string => {
        const ah = signed ? hi(a) : `(${hi(a)} >>> 0)`, bh = signed ? hi(bk) : `(${hi(bk)} >>> 0)`;
        return `(${ah} < ${bh} || (${hi(a)} === ${hi(bk)} && (${lo(a)} >>> 0) < (${lo(bk)} >>> 0)))`;
      };
      const branch = (cond: string): string => {
        const t = off + imm;
        if (i === len - 1 && bi + 1 < blocks.length && blocks[bi + 1].start === next) {
          return `if (${cond}) { ${goto(t)} }`;
        }
        return `if (${cond}) { ${goto(t)} } ${goto(next)}`;
      };
      const helper = (name: string): string => {
        const r = rd();
        return `${sync(a)}${sync(bk)}c.${name}(${r === 0 ? 64 : 2 * r}, ${a}, ${bk}); ${reload(r)}`;
      };
      let code1: string;
      switch (op) {
        case Op.LUI: case Op.LI: code1 = set(rd(), `${imm | 0}`, `${imm >> 31}`); break;
        case Op.AUIPC: {
          const r = rd();
          code1 = r === 0 ? '' : `{ const v = pageVa + ${off + imm}; L${r} = v | 0; H${r} = Math.floor(v / ${P32}) | 0; }`;
          break;
        }
        case Op.J: code1 = goto(off + imm); break;
        case Op.JAL: {
          const r = rd();
          code1 = (r === 0 ? '' : `{ const v = pageVa + ${next}; L${r} = v | 0; H${r} = (v / ${P32}) | 0; } `) + goto(off + imm);
          break;
        }
        case Op.JALR: {
          const r = rd();
          code1 = `{ const t0 = ${va}; const t = t0 - (t0 & 1); ` +
            (r === 0 ? '' : `const v = pageVa + ${next}; L${r} = v | 0; H${r} = (v / ${P32}) | 0; `) +
            `pc = t - pageVa; continue; }`;
          break;
        }
        case Op.BEQ: code1 = branch(`${lo(a)} === ${lo(bk)} && ${hi(a)} === ${hi(bk)}`); break;
        case Op.BNE: code1 = branch(`${lo(a)} !== ${lo(bk)} || ${hi(a)} !== ${hi(bk)}`); break;
        case Op.BEQZ: code1 = branch(`(${lo(a)} | ${hi(a)}) === 0`); break;
        case Op.BNEZ: code1 = branch(`(${lo(a)} | ${hi(a)}) !== 0`); break;
        case Op.BLT: code1 = branch(cmpLt(true)); break;
        case Op.BGE: code1 = branch(`!${cmpLt(true)}`); break;
        case Op.BLTU: code1 = branch(cmpLt(false)); break;
        case Op.BGEU: code1 = branch(`!${cmpLt(false)}`); break;

        case Op.LB: { const r = rd(); code1 = load(0, `const v = (u8[p] << 24) >> 24; ${set32(r, 'v')}`, `const v = c.lb(va); ${set32(r, 'v')}`); break; }
        case Op.LBU: { const r = rd(); code1 = load(0, set(r, 'u8[p]', '0'), `const v = c.lbu(va); ${set(r, 'v', '0')}`); break; }
        case Op.LH: { const r = rd(); code1 = load(1, `const v = (u16[p >>> 1] << 16) >> 16; ${set32(r, 'v')}`, `const v = c.lh(va); ${set32(r, 'v')}`); break; }
        case Op.LHU: { const r = rd(); code1 = load(1, set(r, 'u16[p >>> 1]', '0'), `const v = c.lhu(va); ${set(r, 'v', '0')}`); break; }
        case Op.LW: { const r = rd(); code1 = load(3, `const v = i32[p >>> 2]; ${set32(r, 'v')}`, `const v = c.lw(va); ${set32(r, 'v')}`); break; }
        case Op.LWU: { const r = rd(); code1 = load(3, set(r, 'i32[p >>> 2]', '0'), `const v = c.lw(va); ${set(r, 'v', '0')}`); break; }
        case Op.LD: {
          const r = rd();
          code1 = load(7, `const q = p >>> 2; ${set(r, 'i32[q]', 'i32[q + 1]')}`, `const v = c.ld(va); ${set(r, 'v', 'c.hi')}`);
          break;
        }
        case Op.SB: code1 = store(0, `u8[p] = ${lo(bk)};`, `c.sb(va, ${lo(bk)});`); break;
        case Op.SH: code1 = store(1, `u16[p >>> 1] = ${lo(bk)};`, `c.sh(va, ${lo(bk)});`); break;
        case Op.SW: code1 = store(3, `i32[p >>> 2] = ${lo(bk)};`, `c.sw(va, ${lo(bk)});`); break;
        case Op.SD: code1 = store(7, `const q = p >>> 2; i32[q] = ${lo(bk)}; i32[q + 1] = ${hi(bk)};`, `c.sd(va, ${lo(bk)}, ${hi(bk)});`); break;

        case Op.MV: code1 = set(rd(), lo(a), hi(a)); break;
        case Op.ADDI: {
          const r = rd();
          code1 = r === 0 ? '' : `{ const al = ${lo(a)}, t = (al + ${imm}) | 0; ` +
            `H${r} = (${hi(a)} + ${imm >> 31} + ((t >>> 0) < (al >>> 0) ? 1 : 0)) | 0; L${r} = t; }`;
          break;
        }
        case Op.SLTI: case Op.SLTIU: {
          const ih = imm >> 31;
          const ah = op === Op.SLTI ? hi(a) : `(${hi(a)} >>> 0)`;
          const ihs = op === Op.SLTI ? `${ih}` : `${ih >>> 0}`;
          code1 = set(rd(), `(${ah} < ${ihs} || (${hi(a)} === ${ih} && (${lo(a)} >>> 0) < ${imm >>> 0})) ? 1 : 0`, '0');
          break;
        }
        case Op.XORI: code1 = set(rd(), `${lo(a)} ^ ${imm}`, imm < 0 ? `~${hi(a)}` : hi(a)); break;
        case Op.ORI: code1 = set(rd(), `${lo(a)} | ${imm}`, imm < 0 ? '-1' : hi(a)); break;
        case Op.ANDI: code1 = set(rd(), `${lo(a)} & ${imm}`, imm < 0 ? hi(a) : '0'); break;
        case Op.SLLI:
          code1 = imm === 0 ? set(rd(), lo(a), hi(a)) : imm < 32
            ? set(rd(), `${lo(a)} << ${imm}`, `(${hi(a)} << ${imm}) | (${lo(a)} >>> ${32 - imm})`)
            : set(rd(), '0', `${lo(a)} << ${imm - 32}`);
          break;
        case Op.SRLI:
          code1 = imm === 0 ? set(rd(), lo(a), hi(a)) : imm < 32
            ? set(rd(), `(${lo(a)} >>> ${imm}) | (${hi(a)} << ${32 - imm})`, `(${hi(a)} >>> ${imm}) | 0`)
            : set(rd(), `(${hi(a)} >>> ${imm - 32}) | 0`, '0');
          break;
        case Op.SRAI:
          code1 = imm === 0 ? set(rd(), lo(a), hi(a)) : imm < 32
            ? set(rd(), `(${lo(a)} >>> ${imm}) | (${hi(a)} << ${32 - imm})`, `${hi(a)} >> ${imm}`)
            : set(rd(), `${hi(a)} >> ${imm - 32}`, `${hi(a)} >> 31`);
          break;

        case Op.ADD: {
          const r = rd();
          code1 = r === 0 ? '' : `{ const al = ${lo(a)}, t = (al + ${lo(bk)}) | 0; ` +
            `H${r} = (${hi(a)} + ${hi(bk)} + ((t >>> 0) < (al >>> 0) ? 1 : 0)) | 0; L${r} = t; }`;
          break;
        }
        case Op.SUB: {
          const r = rd();
          code1 = r === 0 ? '' : `{ const al = ${lo(a)}, bl = ${lo(bk)}; ` +
            `H${r} = (${hi(a)} - ${hi(bk)} - ((al >>> 0) < (bl >>> 0) ? 1 : 0)) | 0; L${r} = (al - bl) | 0; }`;
          break;
        }
        case Op.SLL: case Op.SRL: case Op.SRA: {
          const r = rd();
          if (r === 0) { code1 = ''; break; }
          const big = op === Op.SLL ? `H${r} = l << (sh - 32); L${r} = 0;`
            : op === Op.SRL ? `L${r} = (h >>> (sh - 32)) | 0; H${r} = 0;`
              : `L${r} = h >> (sh - 32); H${r} = h >> 31;`;
          const small = op === Op.SLL ? `H${r} = (h << sh) | (l >>> (32 - sh)); L${r} = l << sh;`
            : op === Op.SRL ? `L${r} = (l >>> sh) | (h << (32 - sh)); H${r} = (h >>> sh) | 0;`
              : `L${r} = (l >>> sh) | (h << (32 - sh)); H${r} = h >> sh;`;
          code1 = `{ const l = ${lo(a)}, h = ${hi(a)}, sh = ${lo(bk)} & 63; ` +
            `if (sh === 0) { L${r} = l; H${r} = h; } else if (sh < 32) { ${small} } else { ${big} } }`;
          break;
        }
        case Op.SLT: code1 = set(rd(), `${cmpLt(true)} ? 1 : 0`, '0'); break;
        case Op.SLTU: code1 = set(rd(), `${cmpLt(false)} ? 1 : 0`, '0'); break;
        case Op.XOR: code1 = set(rd(), `${lo(a)} ^ ${lo(bk)}`, `${hi(a)} ^ ${hi(bk)}`); break;
        case Op.OR: code1 = set(rd(), `${lo(a)} | ${lo(bk)}`, `${hi(a)} | ${hi(bk)}`); break;
        case Op.AND: code1 = set(rd(), `${lo(a)} & ${lo(bk)}`, `${hi(a)} & ${hi(bk)}`); break;

        case Op.ADDIW: code1 = set32(rd(), `(${lo(a)} + ${imm}) | 0`); break;
        case Op.SLLIW: code1 = set32(rd(), `${lo(a)} << ${imm}`); break;
        case Op.SRLIW: code1 = set32(rd(), `(${lo(a)} >>> ${imm}) | 0`); break;
        case Op.SRAIW: code1 = set32(rd(), `${lo(a)} >> ${imm}`); break;
        case Op.ADDW: code1 = set32(rd(), `(${lo(a)} + ${lo(bk)}) | 0`); break;
        case Op.SUBW: code1 = set32(rd(), `(${lo(a)} - ${lo(bk)}) | 0`); break;
        case Op.SLLW: code1 = set32(rd(), `${lo(a)} << (${lo(bk)} & 31)`); break;
        case Op.SRLW: code1 = set32(rd(), `(${lo(a)} >>> (${lo(bk)} & 31)) | 0`); break;
        case Op.SRAW: code1 = set32(rd(), `${lo(a)} >> (${lo(bk)} & 31)`); break;
        case Op.MULW: code1 = set32(rd(), `Math.imul(${lo(a)}, ${lo(bk)})`); break;

        case Op.MUL: code1 = helper('mul'); break;
        case Op.MULH: code1 = helper('mulh'); break;
        case Op.MULHSU: code1 = helper('mulhsu'); break;
        case Op.MULHU: code1 = helper('mulhu'); break;
        case Op.DIV: code1 = helper('div'); break;
        case Op.DIVU: code1 = helper('divu'); break;
        case Op.REM: code1 = helper('rem'); break;
        case Op.REMU: code1 = helper('remu'); break;
        case Op.DIVW: code1 = helper('divw'); break;
        case Op.DIVUW: code1 = helper('divuw'); break;
        case Op.REMW: code1 = helper('remw'); break;
        case Op.REMUW: code1 = helper('remuw'); break;

        case Op.FLW: code1 = load(3, `fi[${rdk}] = i32[p >>> 2]; fi[${rdk + 1}] = -1;`, `fi[${rdk}] = c.lw(va); fi[${rdk + 1}] = -1;`); break;
        case Op.FLD: code1 = load(7, `const q = p >>> 2; fi[${rdk}] = i32[q]; fi[${rdk + 1}] = i32[q + 1];`, `fi[${rdk}] = c.ld(va); fi[${rdk + 1}] = c.hi;`); break;
        case Op.FSW: code1 = store(3, `i32[p >>> 2] = fi[${bk}];`, `c.sw(va, fi[${bk}]);`); break;
        case Op.FSD: code1 = store(7, `const q = p >>> 2; i32[q] = fi[${bk}]; i32[q + 1] = fi[${bk + 1}];`, `c.sd(va, fi[${bk}], fi[${bk + 1}]);`); break;
        case Op.FP: {
          // fpExec may read integer rs1 and write integer rd (fmv, fcvt, compares, fclass).
          const raw = imm;   // Op.FP keeps the raw bits in slot[1]
          const r1 = (raw >>> 15) & 31, r = (raw >>> 7) & 31;
          const isInt = (raw & 127) === 0x53;
          const rr = isInt ? dst(2 * r) : 0;
          code1 = (isInt ? sync(2 * r1) + sync(2 * rr) : '') +
            `if (!c.fp(${raw})) { n += ${rem}; c.interp = 1; pc = ${off}; break loop; } ` + (isInt ? reload(rr) : '');
          break;
        }
        case Op.FENCE: code1 = ''; break;
        default:
          throw new Error(`jit: untranslatable op ${op} at ${off}`);
      }
      out.push(code1);
    }
    // A block that did not end in a jump or branch (the next instruction is a block start,
    // untranslatable, or off the pages) continues at its next instruction.
    const last = b.insts[len - 1];
    if (!endsBlock(last.op)) {
      const next = last.off + last.len;
      if (!(bi + 1 < blocks.length && blocks[bi + 1].start === next)) out.push(goto(next));
    }
  }

  const regs = [...used].sort((p, q) => p - q);
  const commit = [...written].sort((p, q) => p - q).map((r) => `x[${2 * r}] = L${r}; x[${2 * r + 1}] = H${r};`).join(' ');
  const body = out.join('\n').split('/*C*/').join(commit);
  const src =
    `const x = c.x, fi = c.fi, u8 = c.u8, u16 = c.u16, i32 = c.i32, rTag = c.rTag, rBase = c.rBase, wTag = c.wTag, wBase = c.wBase, xTag = c.xTag, xBase = c.xBase;\n` +
    `const vpn0 = pageVa / 4096; let gP = 0, gN = 0;\n` +
    (regs.length > 0 ? `let ${regs.map((r) => `L${r} = x[${2 * r}], H${r} = x[${2 * r + 1}]`).join(', ')};\n` : '') +
    `loop: for (;;) {\nswitch (pc) {\n${body}\ndefault: break loop;\n}\n}\n${commit}\nc.pc = pageVa + pc;\nreturn n;`;
  const factory = new Function('codeP', 'code0', 'codeN',
    `return function region_${f}_${entry}(c, pageVa, n, pc) {\n${src}\n};`);
  const none = new Int32Array(1);
  return {
    fn: factory(pages[0]?.code ?? none, pages[1]!.code, pages[2]?.code ?? none) as RegionFn,
    starts: blocks.filter((b) => b.start >= 0 && b.start < 4096).map((b) => b.start), ninsts, src, calls: 0, retired: 0, slot: -1,
  };
}
