// Type feedback for the interpreter before V8 optimizes it. TurboFan compiles run()'s
// whole switch at once; a case that never ran before that compile has no type feedback
// and becomes a deoptimization point, so the first guest instruction of a kind not seen
// yet throws the optimized code away and run() goes back to the baseline tier (~100 ns per
// guest instruction) until V8 recompiles it (~50 ms of compiler time each). Measured:
// python3 -c pass deoptimized run() 7 times and compiled it 11 times. primeInterpreter()
// runs a short program that takes every case (and the slow paths that call out) once, on
// a private hart and memory of the same classes, so that run() is compiled once with
// feedback for all of it. Guest-visible state is not touched.
import { Hart, EXIT_BUDGET, EXIT_ECALL } from './hart.js';
import { PhysMem } from '../../mm/phys.js';
import { PageTable, makePte, PTE_R, PTE_W, PTE_X } from '../../mm/pagetable.js';
import { rtype, itype, stype, btype, utype, jtype } from './asm.js';
import { Op, Slot } from './decode.js';
import { run } from './cpu.js';

/**
 * 2 code pages where a PIE's code goes, 2 data pages where the stack goes: their
 * addresses are above 2^31, as the guest's are, so the feedback of the address
 * arithmetic is for doubles (small addresses only would leave it for small integers,
 * and the first stack access would deoptimize).
 */
const CODE = 0x2aaaaab000, DATA = 0x3fffffe000;
/** Where the jalr goes (a return): in the first code page; the program ends in the second. */
const FAR = CODE + 16;
/** Instructions of the program that lie in the second code page (it falls through the page end). */
const TAIL = 40;
/** Registers: data base, wide operands, scratch. */
const BASE = 5, BIG = 6, ONES = 7, MIN = 28, MIX = 29, SMALL = 30, U32 = 31, T = 10, C = 11, D = 12;
/** A data address 3 bytes before a page end. */
const PEND = 8;
/** Holds FAR, where the program's jalr goes. */
const JT = 14;
/** a7: a syscall number beyond the table (the in-place path declines it). */
const A7 = 17;

const r = (f7: number, f3: number, rd: number, rs1: number, rs2: number, op = 0x33): number => rtype(f7, rs2, rs1, f3, rd, op);
const i = (f3: number, rd: number, rs1: number, imm: number, op = 0x13): number => itype(imm, rs1, f3, rd, op);

/** The program: every op the decoder produces, with wide values; ends with an ecall at its last word. */
export function program(): number[] {
  const p: number[] = [];
  // operand pairs: wide, mixed signs, zero, and equal high words (the compares' second test)
  const rr = (f7: number, f3: number, op: number): void => {
    for (const [a, b] of [[MIX, ONES], [MIN, SMALL], [BIG, 0], [U32, MIX], [SMALL, U32], [U32, SMALL], [ONES, ONES]]) p.push(r(f7, f3, T, a, b, op));
  };
  // OP and OP-32: base, M (mul/div with zero and overflowing divisors above)
  for (let f3 = 0; f3 < 8; f3++) { rr(0, f3, 0x33); rr(1, f3, 0x33); rr(1, f3, 0x3b); }
  rr(0x20, 0, 0x33); rr(0x20, 5, 0x33); for (const f3 of [0, 1, 5]) rr(0, f3, 0x3b); rr(0x20, 0, 0x3b); rr(0x20, 5, 0x3b);
  // OP-IMM and OP-IMM-32 (li: rs1 = x0; mv: imm 0)
  for (const f3 of [0, 2, 3, 4, 6, 7]) for (const imm of [-1, 2047, 0, 5]) for (const a of [MIX, MIN, SMALL, ONES]) p.push(i(f3, T, a, imm));
  p.push(i(0, T, 0, -5), i(0, T, 0, 1000), i(0, T, ONES, 0));
  for (const sh of [0, 1, 63]) p.push(i(1, T, MIX, sh), i(5, T, MIX, sh), i(5, T, MIX, sh | 0x400));
  for (const sh of [0, 3, 31]) p.push(i(1, T, MIX, sh, 0x1b), i(5, T, MIX, sh, 0x1b), i(5, T, MIX, sh | 0x400, 0x1b));
  p.push(i(0, T, BIG, 1, 0x1b), i(0, T, ONES, -7, 0x1b), i(0, T, ONES, 0, 0x1b));
  p.push(utype(0x80000000, T, 0x37), utype(0x12345000, T, 0x37), utype(0xfffff000, T, 0x17));
  // loads and stores: aligned, misaligned, and across the data pages' boundary
  for (const [b, off] of [[BASE, 8], [BASE, 9], [PEND, 0]]) {
    for (let f3 = 0; f3 < 7; f3++) p.push(i(f3, T, b, off, 0x03));
    for (let f3 = 0; f3 < 4; f3++) p.push(stype(off, MIX, b, f3, 0x23));
    p.push(i(2, 1, b, off, 0x07), i(3, 1, b, off, 0x07), stype(off, 1, b, 2, 0x27), stype(off, 1, b, 3, 0x27));
  }
  // atomics: lr/sc (success, failure), every AMO, a misaligned one (exits)
  p.push(r(0x08, 2, T, BASE, 0, 0x2f), r(0x0c, 2, C, BASE, MIX, 0x2f), r(0x0c, 2, C, BASE, MIX, 0x2f));
  p.push(r(0x08, 3, T, BASE, 0, 0x2f), r(0x0c, 3, C, BASE, MIX, 0x2f));
  for (const f5 of [0, 1, 4, 8, 12, 16, 20, 24, 28]) p.push(r(f5 << 2, 2, T, BASE, MIX, 0x2f), r(f5 << 2, 3, T, BASE, ONES, 0x2f));
  p.push(i(0, D, BASE, 1), r(0x08, 2, T, D, 0, 0x2f), r(0x04, 3, T, D, MIX, 0x2f));
  // F/D: moves, conversions, arithmetic, compares, fused
  p.push(r(0x79, 0, 2, MIX, 0, 0x53), r(0x69, 0, 3, MIX, 2, 0x53), r(0x01, 7, 4, 2, 3, 0x53), r(0x09, 7, 4, 4, 2, 0x53),
    r(0x0d, 7, 4, 4, 3, 0x53), r(0x2d, 7, 4, 4, 0, 0x53), r(0x51, 2, T, 4, 3, 0x53), r(0x51, 1, T, 2, 3, 0x53),
    r(0x61, 1, T, 4, 2, 0x53), r(0x71, 0, T, 4, 0, 0x53), r(0x71, 1, T, 4, 0, 0x53), r(0x00, 7, 5, 1, 1, 0x53),
    r(0x21, 7, 5, 1, 0, 0x53), rtype(0x01, 3, 2, 7, 6, 0x43) | (4 << 27), r(0x7f, 0, T, 0, 0, 0x53));
  // system: fence, csr reads and writes (frm, fflags, instret; a write to cycle is illegal), ebreak, an illegal word, a fault
  p.push(0x0ff0000f, i(2, T, 0, 0x003, 0x73), i(1, 0, MIX, 0x002, 0x73), i(5, T, 1, 0x001, 0x73), i(2, T, 0, 0xc02, 0x73), i(1, 0, MIX, 0xc00, 0x73));
  p.push(0x00100073, -1, i(3, T, 0, 16, 0x03), 0x0000100f);
  // compressed: c.addi a0, 1 then c.nop in one word
  p.push(0x00010505);
  // branches: each taken forward, taken backward (to a loop head) and not taken
  // d = bound; c = c0; head: c += 1; a branch back to head taken once, then not
  const loop = (bound: number, c0: number, br: number): void => {
    p.push(i(0, D, 0, bound), i(0, C, 0, c0), i(0, C, C, 1), br);
  };
  loop(1, 0, btype(-4, D, C, 0, 0x63));     // beq c, d
  loop(2, 0, btype(-4, D, C, 1, 0x63));     // bne c, d
  loop(2, 0, btype(-4, D, C, 4, 0x63));     // blt c, d
  loop(1, 0, btype(-4, C, D, 5, 0x63));     // bge d, c
  loop(2, 0, btype(-4, D, C, 6, 0x63));     // bltu c, d
  loop(1, 0, btype(-4, C, D, 7, 0x63));     // bgeu d, c
  loop(0, -2, btype(-4, 0, C, 1, 0x63));    // bnez c
  loop(0, -1, btype(-4, 0, C, 0, 0x63));    // beqz c
  for (const f3 of [0, 1, 4, 5, 6, 7]) p.push(btype(8, MIX, MIX, f3, 0x63), i(0, 0, 0, 0), btype(8, MIX, ONES, f3, 0x63), i(0, 0, 0, 0));
  p.push(btype(8, 0, MIX, 0, 0x63), btype(8, 0, 0, 0, 0x63), i(0, 0, 0, 0), btype(8, 0, MIX, 1, 0x63), i(0, 0, 0, 0));
  // jumps: j forward, j backward, jal and jalr (same page, into the next page and back)
  p.push(jtype(16, 0, 0x6f), i(0, 0, 0, 0), jtype(12, 0, 0x6f), i(0, 0, 0, 0), jtype(-8, 0, 0x6f), jtype(8, 1, 0x6f), i(0, 0, 0, 0));
  p.push(i(0, 1, JT, 0, 0x67));
  // the ecall (a7 is no syscall: the in-place path declines) that ends the program
  p.push(0x00000073);
  return p;
}

/** The code at FAR: return to the caller. */
const RET = itype(0, 1, 0, 0, 0x67);

/** Runs of the program (alternately with hot 0 and > 0; see primeRun). */
const PASSES = 2;
let primed = false;

/** Run the priming program once per process (see the file comment). */
export function primeInterpreter(): void {
  if (!primed) { primed = true; primeRun(); }
}

/** Run the program PASSES times in both of run()'s modes (hot 0 and > 0); returns how many reached its end. */
export function primeRun(): number {
  let done = 0;
  const mem = new PhysMem(1 << 16);
  const pt = new PageTable();
  const h = new Hart(mem);
  const frames: number[] = [];
  for (const [va, fl] of [[CODE, PTE_R | PTE_X], [CODE + 4096, PTE_R | PTE_X], [DATA, PTE_R | PTE_W], [DATA + 4096, PTE_R | PTE_W]]) {
    const f = mem.alloc();
    frames.push(f);
    pt.set(va / 4096, makePte(f, fl));
  }
  h.mmu.setPageTable(pt);
  const prog = program();
  // The program straddles the code pages' boundary (its last TAIL words in the second),
  // so it falls through a page end and its jalr goes to the other page and back.
  const start = CODE + 4096 - 4 * (prog.length - TAIL);
  if (start < FAR + 8) throw new Error('prime: program too long');
  const put = (va: number, w: number): void => { mem.i32[(frames[(va - CODE) >> 12] * 4096 + (va & 4095)) >> 2] = w; };
  prog.forEach((w, k) => put(start + 4 * k, w));
  put(FAR, RET);
  const end = start + 4 * (prog.length - 1);
  // Twice: run() has a feedback vector only once it has run a while (V8 allocates them
  // lazily), which the first pass does; the second pass records the feedback.
  for (let pass = 0; pass < PASSES; pass++) {
    const hot = pass % 2 === 0 ? 0 : 65535;
    const set = (reg: number, lo: number, hi: number): void => { h.x[2 * reg] = lo; h.x[2 * reg + 1] = hi; };
    const set64 = (reg: number, v: number): void => set(reg, v | 0, Math.floor(v / 4294967296));
    set64(BASE, DATA); set64(PEND, DATA + 4093); set64(JT, FAR); set(BIG, -1, 0x7fffffff); set(ONES, -1, -1); set(MIN, 0, -0x80000000);
    set(MIX, 0x9abcdef0 | 0, 0x12345678); set(SMALL, 3, 0); set(U32, -1, 0); set(A7, 100000, 0);
    h.pc = start;
    for (let guard = 0; guard < 1000; guard++) {
      const why = run(h, guard === 0 ? 5 : 100000, hot);
      if (why === EXIT_ECALL && h.pc === end) { done++; break; }
      if (why !== EXIT_BUDGET) h.pc += 4;  // step over an ecall, ebreak, illegal word, fault or misaligned atomic
    }
    // A region entry mark (Op.JIT_ENTRY, see jit/jit.ts) on the first instruction: run() leaves at once.
    const code = mem.code[frames[0]];
    if (code !== undefined) {
      const s = start & 4095, w = code[s];
      code[s] = (w & ~Slot.OP) | Op.JIT_ENTRY; h.pc = start; run(h, 10, hot); code[s] = w;
    }
    mem.dropAllCode();
  }
  h.release();
  return done;
}
