// The JIT against the interpreter: random instruction streams run in slices of random
// length on two identical machines must leave identical registers, memory, pc,
// instruction counts and exit reasons; self-modifying code; a fault in the middle of a
// translated block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A } from '../asm.js';
import { Box, CODE, DATA } from '../testkit.js';
import { run, setEcallFast } from '../cpu.js';
import { Hart, EXIT_BUDGET, EXIT_ECALL, EXIT_FAULT, EXIT_MISALIGNED } from '../hart.js';
import { PageTable, makePte, pteFrame, PTE_R, PTE_W, PTE_X } from '../../../mm/pagetable.js';
import { runHart, setHot, jitMem, setJit, setBatch } from './jit.js';
import { ACC_R, ACC_W } from '../../../mm/mmu.js';

setHot(2);
// Compile each wasm translation at the next runHart call instead of batching them.
setBatch(1, 0);
/** Both back ends: wasm (with JS for what wasm does not take) and JS alone. */
const MODES = ['on', 'js'] as const;

let seed = 1;
function rnd(): number { seed = (Math.imul(seed, 1103515245) + 12345) | 0; return (seed >>> 8) & 0xffffff; }
function pick<T>(a: T[]): T { return a[rnd() % a.length]; }
const reg = (): number => rnd() % 16;           // x0..x15: scratch
const rdr = (): number => (rnd() % 8 === 0 ? 0 : 1 + rnd() % 15);
const simm = (): number => (rnd() % 4096) - 2048;

const BASE = 20, XBASE = 22, BAD = 23, CNT = 21;   // x20: DATA+0x800; x22: near a page end; x23: unmapped
const RR = ['add', 'sub', 'sll', 'slt', 'sltu', 'xor', 'srl', 'sra', 'or', 'and', 'addw', 'subw', 'sllw', 'srlw', 'sraw',
  'mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu', 'mulw', 'divw', 'divuw', 'remw', 'remuw'];
const RI = ['addi', 'slti', 'sltiu', 'xori', 'ori', 'andi', 'addiw'];
const SH = ['slli', 'srli', 'srai'], SHW = ['slliw', 'srliw', 'sraiw'];
const LD = ['lb', 'lh', 'lw', 'ld', 'lbu', 'lhu', 'lwu'], ST = ['sb', 'sh', 'sw', 'sd'];
const BR = ['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu'];
const AMO = ['amoswap', 'amoadd', 'amoxor', 'amoand', 'amoor', 'amomin', 'amomax', 'amominu', 'amomaxu'];
const E = A as unknown as Record<string, (...a: number[]) => number>;
// fadd.d / fmul.d / fmv.x.d / fmv.d.x / fcvt.d.l / feq.d (rm = dyn or rne)
const fp = (f7: number, rs2: number, rs1: number, rm: number, rd: number): number =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (rm << 12) | (rd << 7) | 0x53);

/** A loop body of n random instructions (forward branches stay inside it). */
function genBody(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const left = n - i - 1;
    const k = rnd() % 100;
    if (k < 30) out.push(E[pick(RR)](rdr(), reg(), reg()));
    else if (k < 45) out.push(E[pick(RI)](rdr(), reg(), simm()));
    else if (k < 52) out.push(rnd() & 1 ? E[pick(SH)](rdr(), reg(), rnd() % 64) : E[pick(SHW)](rdr(), reg(), rnd() % 32));
    else if (k < 55) out.push(rnd() & 1 ? A.lui(rdr(), rnd() << 12) : A.auipc(rdr(), rnd() << 12));
    else if (k < 65) out.push(E[pick(LD)](rdr(), rnd() % 3 === 0 ? XBASE : BASE, rnd() % 3 === 0 ? (rnd() % 16) - 8 : simm()));
    else if (k < 75) out.push(E[pick(ST)](reg(), rnd() % 3 === 0 ? XBASE : BASE, rnd() % 3 === 0 ? (rnd() % 16) - 8 : simm()));
    else if (k < 85 && left >= 1) {
      const skip = 1 + rnd() % Math.min(3, left);
      out.push(rnd() % 5 === 0 ? A.jal(rdr(), 4 * (skip + 1)) : E[pick(BR)](reg(), reg(), 4 * (skip + 1)));
    } else if (k < 88) out.push(rnd() & 1 ? A.fld(rnd() % 8, BASE, (rnd() % 64) * 8 - 256) : A.fsd(rnd() % 8, BASE, (rnd() % 64) * 8 - 256));
    else if (k < 93) {
      const f = rnd() % 8, g = rnd() % 8, h = rnd() % 8;
      out.push(pick([fp(0x01, g, h, 7, f), fp(0x09, g, h, 0, f), fp(0x71, 0, h, 0, rdr()), fp(0x79, 0, reg(), 0, f),
        fp(0x69, 2, reg(), 7, f), fp(0x51, g, h, 2, rdr())]));
    } else if (k < 94) out.push(A.lw(rdr(), BAD, simm()));   // faults every time
    else if (k < 98) {
      // atomics at x20 (8-aligned) or x22 (4-aligned: a .d there is misaligned); an LR
      // and SC pair (the SC succeeds unless a slice ends between them), or either alone
      const w = rnd() & 1 ? '_w' : '_d', at = rnd() % 4 === 0 ? XBASE : BASE, j = rnd() % 4;
      if (j < 2) out.push(E[pick(AMO) + w](rdr(), reg(), at));
      else if (j === 2 && left >= 1) { out.push(E['lr' + w](rdr(), at), E['sc' + w](rdr(), reg(), at)); i++; }
      else out.push(rnd() & 1 ? E['lr' + w](rdr(), at) : E['sc' + w](rdr(), reg(), at));
    } else out.push(A.addi(rdr(), reg(), simm()));
  }
  return out;
}

function program(n: number): number[] {
  const body = genBody(n);
  return [...body, A.addi(CNT, CNT, -1), A.bne(CNT, 0, -4 * (body.length + 1)), A.ecall()];
}

function setup(box: Box, prog: number[], s: number): void {
  box.load(CODE, prog);
  seed = s;
  for (let i = 1; i < 16; i++) box.set(i, BigInt.asIntN(64, (BigInt(rnd()) << 40n) ^ (BigInt(rnd()) << 16n) ^ BigInt(rnd())));
  for (let i = 0; i < 16; i++) box.h.fi[i] = rnd() << 8;
  for (let a = DATA; a < DATA + 4 * 4096; a += 4) box.w32(a, (rnd() << 8) ^ rnd());
  box.set(BASE, DATA + 0x800); box.set(XBASE, DATA + 0x1000 - 4); box.set(BAD, 0x50000); box.set(CNT, 40);
  box.h.pc = CODE;
}

function same(a: Box, b: Box, what: string): void {
  assert.equal(b.h.pc, a.h.pc, `${what}: pc`);
  assert.equal(b.h.instret, a.h.instret, `${what}: instret`);
  assert.deepEqual([...b.h.x.subarray(0, 64)], [...a.h.x.subarray(0, 64)], `${what}: x`);
  assert.deepEqual([...b.h.fi], [...a.h.fi], `${what}: f`);
  assert.equal(b.h.fflags, a.h.fflags, `${what}: fflags`);
  assert.equal(b.h.res[0], a.h.res[0], `${what}: reservation`);
}

for (const mode of MODES) test(`random instruction streams: JIT and interpreter agree slice by slice (${mode})`, () => {
  let translated = 0;
  for (let t = 0; t < 150; t++) {
    seed = 1000 + t;
    const prog = program(8 + rnd() % 40);
    const a = new Box(), b = new Box();
    setJit(b.mem, mode);
    setup(a, prog, t); setup(b, prog, t);
    seed = 77 + t;
    for (let step = 0; ; step++) {
      const budget = rnd() % 3 === 0 ? 1 + rnd() % 10 : 1 + rnd() % 400;
      const ra = run(a.h, budget), rb = runHart(b.h, budget);
      const what = `program ${t} step ${step}`;
      assert.equal(rb, ra, `${what}: exit`);
      same(a, b, what);
      if (ra === EXIT_ECALL) break;
      if (ra === EXIT_FAULT || ra === EXIT_MISALIGNED) {
        assert.equal(b.h.exitAddr, a.h.exitAddr); assert.equal(b.h.exitKind, a.h.exitKind);
        a.h.pc += 4; b.h.pc += 4;
      } else assert.equal(ra, EXIT_BUDGET, `${what}: exit ${ra}`);
      assert.ok(step < 100000);
    }
    for (let p = DATA; p < DATA + 4 * 4096; p += 4) if (a.r32(p) !== b.r32(p)) assert.fail(`program ${t}: memory at ${p.toString(16)}`);
    translated += jitMem(b.mem).translatedInsts;
  }
  assert.ok(translated > 150 * 8, `translated ${translated}`);
  assert.ok(jitMem(new Box().mem).regions === 0);
});

for (const mode of MODES) test(`a one-block loop keeps registers across its back edge; a block reuses a translation only for its base register unchanged and on the same page (${mode})`, () => {
  // One block, a whole loop: loads and stores through x20 and x22 (moving up to and over
  // a page end), x20 moved a page up and back between them, x22 accesses that stay on
  // its page, reach into the next or cross (those leave for the interpreter mid-block);
  // every page holds different data.
  const body = [
    A.ld(5, BASE, 0), A.sd(5, BASE, 8), A.ld(6, BASE, 16), A.sd(6, BASE, 24),
    A.addi(BASE, BASE, 2047), A.addi(BASE, BASE, 2047), A.addi(BASE, BASE, 2),   // x20 += 4096
    A.ld(7, BASE, 0), A.sd(7, BASE, 40), A.ld(8, BASE, 40), A.sd(8, BASE, 48),
    A.addi(BASE, BASE, -2048), A.addi(BASE, BASE, -2048),     // back
    A.lw(9, XBASE, -8), A.lw(10, XBASE, 0), A.lw(11, XBASE, 4), A.lw(12, XBASE, 8),
    A.sw(9, XBASE, 8), A.sw(10, XBASE, -4), A.ld(15, XBASE, 0), A.sw(11, XBASE, 4), A.ld(13, BASE, 8),
    A.add(14, 14, 13), A.add(14, 14, 12), A.add(14, 14, 15), A.addi(BASE, BASE, 8), A.addi(XBASE, XBASE, 1),
  ];
  const prog = [...body, A.addi(CNT, CNT, -1), A.bne(CNT, 0, -4 * (body.length + 1)), A.ecall()];
  const a = new Box(), b = new Box();
  setJit(b.mem, mode);
  // The page after x22's is not the next frame (a wrong reuse across the end reads elsewhere).
  for (const box of [a, b]) box.map(DATA + 0x1000, PTE_R | PTE_W);
  setup(a, prog, 5); setup(b, prog, 5);
  for (const box of [a, b]) box.set(XBASE, DATA + 0x1000 - 44);
  seed = 99;
  for (let step = 0; ; step++) {
    const budget = rnd() % 4 === 0 ? 1 + rnd() % 10 : 300 + rnd() % 1000;   // (regions need >= 256 to start)
    const ra = run(a.h, budget), rb = runHart(b.h, budget);
    assert.equal(rb, ra, `step ${step}: exit`);
    same(a, b, `step ${step}`);
    if (ra === EXIT_ECALL) break;
    assert.equal(ra, EXIT_BUDGET, `step ${step}: exit ${ra}`);
  }
  for (let p = DATA; p < DATA + 4 * 4096; p += 4) if (a.r32(p) !== b.r32(p)) assert.fail(`memory at ${p.toString(16)}`);
  if (mode === 'on') assert.ok(jitMem(b.mem).wasmRegions > 0);
});

for (const mode of MODES) test(`a loop of several blocks keeps registers in locals, and writes them back on every way out (${mode})`, () => {
  // head: load, sum, step (a forward branch out of the loop: break); an if inside (a
  // forward branch within it); the back edge; after the loop two ends that read what the
  // loop wrote. Values loaded through x22 cross a page end (the next page is not the next
  // frame), so some iterations leave for the interpreter in the middle of the loop.
  const prog = [
    A.lw(5, XBASE, 0), A.add(6, 6, 5), A.addi(XBASE, XBASE, 4), A.blt(5, 0, 4 * 9),   // 0-3: break when negative
    A.andi(7, 5, 3), A.beq(7, 0, 4 * 3),                                              // 4-5: if (x5 & 3)
    A.addi(8, 8, 1), A.xor(9, 9, 5),                                                  // 6-7
    A.addi(CNT, CNT, -1), A.bne(CNT, 0, -4 * 9),                                      // 8-9: back to 0
    A.addi(10, 6, 0), A.ecall(),                                                      // 10-11: fell out
    A.addi(10, 8, 100), A.add(10, 10, 9), A.ecall(),                                  // 12-14: broke out
  ];
  for (const negative of [false, true]) {
    const a = new Box(), b = new Box();
    setJit(b.mem, mode);
    for (const box of [a, b]) box.map(DATA + 0x1000, PTE_R | PTE_W);
    setup(a, prog, 7); setup(b, prog, 7);
    for (const box of [a, b]) {
      box.set(XBASE, DATA + 0x1000 - 2002); box.set(CNT, 1000);
      // positive words (bit 31 clear), one negative late in the run when `negative`
      for (let p = DATA + 0x1000 - 2002; p < DATA + 0x1000 + 2100; p += 4) box.w32(p, box.r32(p) & 0x7fffffff);
      if (negative) box.w32(DATA + 0x1000 + 1598, -5);   // the 900th word
    }
    seed = 123;
    for (let step = 0; ; step++) {
      const budget = rnd() % 4 === 0 ? 1 + rnd() % 10 : 300 + rnd() % 1000;
      const ra = run(a.h, budget), rb = runHart(b.h, budget);
      assert.equal(rb, ra, `step ${step}: exit`);
      same(a, b, `step ${step}`);
      if (ra === EXIT_ECALL) break;
      assert.equal(ra, EXIT_BUDGET, `step ${step}: exit ${ra}`);
    }
    assert.equal(a.h.pc, CODE + 4 * (negative ? 14 : 11));
    if (mode === 'on') assert.ok(jitMem(b.mem).wasmRegions > 0);
  }
});

for (const mode of MODES) test(`compressed code across pages (calls and returns) (${mode})`, () => {
  const CALLS = CODE + 0x2000, LEAF = CODE + 0x3000;
  const boxes = [new Box(), new Box()];
  setJit(boxes[1].mem, mode);
  for (const box of boxes) {
    box.loadHalves(CALLS, [0x4501, 0x4581, 0, 0, 0x0585, 0xbfed]);
    const jal = A.jal(1, LEAF - (CALLS + 4));
    box.loadHalves(CALLS + 4, [jal & 0xffff, jal >>> 16]);
    box.loadHalves(LEAF, [0x952e, 0x0506, 0x8105, 0x8082]);
    box.h.pc = CALLS;
  }
  const [a, b] = boxes;
  for (let i = 0; i < 200; i++) {
    const budget = 1 + (i * 37) % 101;
    assert.equal(runHart(b.h, budget), run(a.h, budget));
    same(a, b, `slice ${i}`);
  }
  assert.ok(jitMem(b.mem).regions > 0);
});

for (const mode of MODES) test(`self-modifying code: a store into a running translated loop takes effect at once (${mode})`, () => {
  const prog = [
    A.addi(10, 10, 1),          // +0, patched to addi x10, x10, 100
    A.addi(21, 21, -1),         // +4
    A.bne(21, 22, -8),          // +8
    A.sw(11, 12, 0),            // +12
    A.addi(22, 0, 0),           // +16
    A.bne(21, 0, -20),          // +20
    A.ecall(),                  // +24
  ];
  const results: bigint[] = [];
  for (const jit of [false, true]) {
    const box = new Box();
    setJit(box.mem, mode);
    box.load(CODE, prog);
    box.set(21, 200); box.set(22, 100); box.set(11, A.addi(10, 10, 100)); box.set(12, CODE);
    box.h.pc = CODE;
    let r: number;
    do r = jit ? runHart(box.h, 7) : run(box.h, 7); while (r === EXIT_BUDGET);
    assert.equal(r, EXIT_ECALL);
    results.push(box.get(10));
    if (jit) assert.ok(jitMem(box.mem).regions > 0);
    if (jit && mode === 'on') assert.ok(jitMem(box.mem).wasmRegions > 0);
  }
  assert.deepEqual(results, [10100n, 10100n]);

  // Code rewritten from outside (the kernel, or fence.i after a loader) between runs.
  const box = new Box();
  setJit(box.mem, mode);
  box.load(CODE, [A.addi(10, 10, 1), A.addi(21, 21, -1), A.bne(21, 0, -8), A.ecall()]);
  box.set(21, 100); box.h.pc = CODE;
  assert.equal(runHart(box.h, 1e6), EXIT_ECALL);
  assert.equal(box.get(10), 100n);
  box.load(CODE, [A.addi(10, 10, 3), A.addi(21, 21, -1), A.bne(21, 0, -8), A.ecall()]);
  box.set(21, 100); box.h.pc = CODE;
  assert.equal(runHart(box.h, 1e6), EXIT_ECALL);
  assert.equal(box.get(10), 400n);
});

for (const mode of MODES) test(`a fault in the middle of a translated block is precise (${mode})`, () => {
  const prog = [
    A.addi(10, 10, 1),   // +0
    A.ld(11, 12, 0),     // +4  faults once the page is unmapped
    A.addi(13, 13, 1),   // +8
    A.sd(13, 14, 0),     // +12 store: faults once that page is read-only
    A.addi(15, 15, 1),   // +16
    A.addi(21, 21, -1),  // +20
    A.bne(21, 0, -24),   // +24
    A.ecall(),
  ];
  const boxes = [new Box(), new Box()];
  setJit(boxes[1].mem, mode);
  for (const box of boxes) {
    box.load(CODE, prog);
    box.set(21, 1000); box.set(12, DATA); box.set(14, DATA + 0x1000);
    box.h.pc = CODE;
  }
  const [a, b] = boxes;
  const step = (budget: number): number => { const r = run(a.h, budget); assert.equal(runHart(b.h, budget), r); same(a, b, 'step'); return r; };
  // Two calls: a wasm translation is compiled at the start of the next runHart call.
  assert.equal(step(7 * 25), EXIT_BUDGET);
  assert.equal(step(7 * 25), EXIT_BUDGET);
  assert.ok(jitMem(b.mem).regions > 0);
  for (const box of boxes) box.unmap(DATA);
  assert.equal(step(1e6), EXIT_FAULT);
  assert.equal(b.h.pc, CODE + 4);
  assert.equal(b.get(10), 51n);
  assert.equal(b.get(13), 50n);
  assert.equal(b.h.exitAddr, DATA); assert.equal(b.h.exitKind, ACC_R);
  for (const box of boxes) { box.map(DATA, 2); box.pt.set((DATA + 0x1000) / 4096, box.pt.get((DATA + 0x1000) / 4096) & ~4); box.h.mmu.flush(); }
  assert.equal(step(1e6), EXIT_FAULT);
  assert.equal(b.h.pc, CODE + 12);
  assert.equal(b.get(13), 51n);
  assert.equal(b.get(15), 50n);
  assert.equal(b.h.exitKind, ACC_W);
});

test('jit off runs the interpreter', () => {
  const box = new Box();
  setJit(box.mem, false);
  box.load(CODE, [A.addi(10, 10, 1), A.addi(21, 21, -1), A.bne(21, 0, -8), A.ecall()]);
  box.set(21, 100); box.h.pc = CODE;
  assert.equal(runHart(box.h, 1e6), EXIT_ECALL);
  assert.equal(box.get(10), 100n);
  assert.equal(jitMem(box.mem).regions, 0);
});

for (const mode of MODES) test(`a small function on a far page runs inside its caller's region and its rewrite is seen (${mode})`, () => {
  const box = new Box();
  setJit(box.mem, mode);
  const leaf = CODE + 0x3000;    // three pages away: not a neighbour
  box.load(CODE, [A.jal(1, leaf - CODE), A.addi(21, 21, -1), A.bne(21, 0, -8), A.ecall()]);
  box.load(leaf, [A.addi(10, 10, 1), A.jalr(0, 1, 0)]);
  box.set(21, 1000); box.h.pc = CODE;
  let r: number;
  do r = runHart(box.h, 500); while (r === EXIT_BUDGET);
  assert.equal(r, EXIT_ECALL);
  assert.equal(box.get(10), 1000n);
  assert.ok(jitMem(box.mem).regions > 0);
  // Only the leaf's page is rewritten (as the kernel would): the caller's region must notice.
  box.w32(leaf, A.addi(10, 10, 5));
  box.mem.dropCode(box.pa(leaf) >>> 12);
  box.set(21, 100); box.h.pc = CODE;
  do r = runHart(box.h, 500); while (r === EXIT_BUDGET);
  assert.equal(r, EXIT_ECALL);
  assert.equal(box.get(10), 1500n);
});

/**
 * A switch as GCC compiles it for riscv64: the index bounded (`bltu`), the table's
 * address from `auipc`/`addi`, `slli`/`add`/`lw`/`add`/`jr` through table entries that
 * are offsets from the table. The wasm translation of the loop follows the table (its
 * cases are blocks of the loop's region) and agrees with the interpreter slice by slice.
 */
test('a switch through a jump table stays inside the loop\'s region (wasm)', () => {
  const T = 88;                                        // the table, after the code
  const prog = [
    A.andi(5, CNT, 3), A.addi(6, 0, 3), A.bltu(6, 5, 72 - 8),                            // 0: idx = n & 3
    A.auipc(7, 0), A.addi(7, 7, T - 12), A.slli(5, 5, 2), A.add(5, 5, 7), A.lw(8, 5, 0),   // 12: entry
    A.add(8, 8, 7), A.jalr(0, 8, 0),                                                   // 32
    A.addi(14, 14, 1), A.jal(0, 76 - 44),                                              // 40: case 0
    A.addi(14, 14, 10), A.jal(0, 76 - 52),                                             // 48: case 1
    A.slli(14, 14, 1), A.jal(0, 76 - 60),                                              // 56: case 2
    A.xori(14, 14, 5), A.jal(0, 76 - 68),                                              // 64: case 3
    A.addi(14, 14, 100),                                                               // 72: default
    A.addi(CNT, CNT, -1), A.bne(CNT, 0, -80), A.ecall(),                               // 76
    40 - T, 48 - T, 56 - T, 64 - T,                                                    // 88: the table
  ];
  const a = new Box(), b = new Box();
  setJit(b.mem, 'on');
  for (const box of [a, b]) { box.load(CODE, prog); box.set(CNT, 300); box.set(14, 0); box.h.pc = CODE; }
  setHot(8);   // every case has run when the loop gets hot (a region keeps to code that ran)
  seed = 31;
  for (let step = 0; ; step++) {
    const budget = 1 + rnd() % 200;
    const ra = run(a.h, budget), rb = runHart(b.h, budget);
    assert.equal(rb, ra, `step ${step}: exit`);
    same(a, b, `step ${step}`);
    if (ra === EXIT_ECALL) break;
    assert.equal(ra, EXIT_BUDGET);
  }
  setHot(2);
  const jp = jitMem(b.mem).pages[pteFrame(b.h.mmu.probe(CODE, ACC_R))]!;
  const rg = jp.regions[0];                            // the region entered at the loop head
  assert.ok(rg !== undefined && rg.slot >= 0, 'the loop is a wasm region');
  assert.deepEqual([40, 48, 56, 64].filter((o) => rg.starts.includes(o)), [40, 48, 56, 64]);
});

/**
 * Direct links between wasm regions (wasmloop.ts): a call from a loop to a function on a
 * far page and its return chain region to region. Each case changes what the callee's
 * address means and checks the links notice: the callee's code rewritten in place (its
 * frame's code generation), its page remapped to another frame while the old one keeps
 * its code (the MMU stamp), and a second address space sharing the caller's frames but
 * mapping another callee at the same address (a forked and exec'd process).
 */
const CALLEE = CODE + 0x3000;    // three pages away: not a neighbour of the caller
/** A callee too long to be followed inline: 25 additions of k to x10, then ret. */
const callee = (k: number): number[] => [...new Array(25).fill(A.addi(10, 10, k)), A.jalr(0, 1, 0)];
const caller = [A.jal(1, CALLEE - CODE), A.addi(21, 21, -1), A.bne(21, 0, -8), A.ecall()];
/** Run h from CODE with x21 = n, x10 = 0 in slices of 300 to the ecall; x10. */
function calls(h: Hart, n: number): number {
  h.x.fill(0); h.x[42] = n; h.pc = CODE;
  let r: number;
  do r = runHart(h, 300); while (r === EXIT_BUDGET);
  assert.equal(r, EXIT_ECALL);
  return h.x[20];
}
for (const mode of MODES) test(`an indirect call alternating between two callees keeps both in its link cell, and sees either rewritten (${mode})`, () => {
  // x5 = CALLEE + 512 * (x21 & 1); jalr ra, x5: the one exit goes to two regions in turn.
  const caller2 = [A.andi(5, 21, 1), A.slli(5, 5, 9), A.add(5, 5, 22), A.jalr(1, 5, 0), A.addi(21, 21, -1), A.bne(21, 0, -20), A.ecall()];
  const box = new Box();
  setJit(box.mem, mode);
  box.load(CODE, caller2);
  const put = (k1: number, k2: number): void => {
    callee(k1).forEach((w, i) => box.w32(CALLEE + 4 * i, w));
    callee(k2).forEach((w, i) => box.w32(CALLEE + 512 + 4 * i, w));
    box.mem.dropCode(box.pa(CALLEE) >>> 12);
  };
  const run2 = (n: number): number => {
    const h = box.h;
    h.x.fill(0); h.x[42] = n; h.x[44] = CALLEE; h.pc = CODE;
    let r: number;
    do r = runHart(h, 300); while (r === EXIT_BUDGET);
    assert.equal(r, EXIT_ECALL);
    return h.x[20];
  };
  put(1, 2);
  for (let i = 0; i < 3; i++) assert.equal(run2(1000), 500 * 25 * 1 + 500 * 25 * 2);
  // Each callee rewritten in turn (the one an odd x21 calls first, then the other).
  put(1, 5);
  assert.equal(run2(1000), 500 * 25 * 1 + 500 * 25 * 5);
  put(7, 5);
  assert.equal(run2(1000), 500 * 25 * 7 + 500 * 25 * 5);
  assert.equal(run2(1000), 500 * 25 * 7 + 500 * 25 * 5);
  if (mode === 'on') assert.ok(jitMem(box.mem).wasmRegions >= 2);
});

for (const mode of MODES) test(`links between regions notice a rewritten callee, a remapped callee and another address space (${mode})`, () => {
  const box = new Box();
  setJit(box.mem, mode);
  box.load(CODE, caller);
  box.load(CALLEE, callee(1));
  assert.equal(calls(box.h, 1000), 25000);
  assert.equal(calls(box.h, 1000), 25000);
  if (mode === 'on') assert.ok(jitMem(box.mem).wasmRegions >= 2);
  // Rewritten in place (as the kernel writes a page-cache page): the generation changes.
  callee(2).forEach((w, i) => box.w32(CALLEE + 4 * i, w));
  box.mem.dropCode(box.pa(CALLEE) >>> 12);
  assert.equal(calls(box.h, 1000), 50000);
  // Remapped to another frame (munmap and mmap of another file) while the old frame keeps its code.
  const vpn = CALLEE / 4096, old = box.pt.get(vpn), f2 = box.mem.alloc();
  box.pt.set(vpn, makePte(f2, PTE_R | PTE_X));
  callee(3).forEach((w, i) => { for (let k = 0; k < 4; k++) box.mem.u8[f2 * 4096 + 4 * i + k] = (w >>> (8 * k)) & 255; });
  box.h.mmu.flushPage(vpn);
  assert.equal(calls(box.h, 1000), 75000);
  assert.equal(calls(box.h, 1000), 75000);
  // Back to the old frame: its translations (and links into it) are still good.
  box.pt.set(vpn, old); box.h.mmu.flushPage(vpn);
  assert.equal(calls(box.h, 1000), 50000);
  // A second address space: the same caller frames, another callee frame at the same address.
  const pt2 = new PageTable(), h2 = new Hart(box.mem);
  for (let i = 0; i < 4; i++) pt2.set(CODE / 4096 + i, box.pt.get(CODE / 4096 + i));
  pt2.set(vpn, makePte(f2, PTE_R | PTE_X));
  h2.mmu.setPageTable(pt2);
  for (let i = 0; i < 3; i++) { assert.equal(calls(h2, 700), 52500); assert.equal(calls(box.h, 700), 35000); }
});

for (const mode of MODES) test(`syscalls completed in place inside a translated loop (${mode})`, () => {
  // A getpid-style loop: a7 = 172, ecall, a0 summed into x9; a7 = 93 at the end is not in place.
  const prog = [
    A.addi(17, 0, 172),    // +0
    A.ecall(),             // +4
    A.add(9, 9, 10),       // +8
    A.addi(21, 21, -1),    // +12
    A.bne(21, 0, -16),     // +16
    A.addi(17, 0, 93),     // +20
    A.ecall(),             // +24
  ];
  const boxes = [new Box(), new Box()];
  setJit(boxes[1].mem, mode);
  for (const box of boxes) { box.load(CODE, prog); box.set(21, 3000); box.h.pc = CODE; }
  const [a, b] = boxes;
  // Each hart's in-place calls answer 1, 2, 3, ...: the sum proves both made the same calls in the same order.
  const calls = new Map<Hart, number>([[a.h, 0], [b.h, 0]]);
  setEcallFast((h) => {
    if (h.x[34] !== 172) return false;
    const n = calls.get(h)! + 1;
    calls.set(h, n);
    h.x[20] = n; h.x[21] = 0;
    return true;
  });
  try {
    // Each runs like the kernel's run loop: an ecall that was not completed in place is
    // handled by the same function (the kernel's full path) and the hart goes on after it.
    const exits = new Map<Hart, number>([[a.h, 0], [b.h, 0]]);
    for (const [box, go] of [[a, (n: number): number => run(a.h, n)], [b, (n: number): number => runHart(b.h, n)]] as const) {
      seed = 4242;
      for (let i = 0; ; i++) {
        const budget = 1 + rnd() % 300, before = box.h.instret;
        const r = go(budget);
        assert.ok(box.h.instret - before <= budget, `slice ${i}: ${box.h.instret - before} instructions for a budget of ${budget}`);
        if (r === EXIT_ECALL) {
          if (box.get(17) === 93n) break;
          exits.set(box.h, exits.get(box.h)! + 1);
          const fast = (h: Hart): boolean => { const n = calls.get(h)! + 1; calls.set(h, n); h.x[20] = n; h.x[21] = 0; return true; };
          fast(box.h); box.h.pc += 4;
        } else assert.equal(r, EXIT_BUDGET);
        assert.ok(i < 100000);
      }
    }
    assert.equal(b.h.pc, a.h.pc);
    assert.equal(b.h.instret, a.h.instret);
    assert.equal(calls.get(a.h), 3000);
    assert.equal(calls.get(b.h), 3000);
    assert.equal(a.get(9), 3000n * 3001n / 2n);
    assert.equal(b.get(9), 3000n * 3001n / 2n);
    // The interpreter completes every one in place; translated code does too once its region runs.
    assert.equal(exits.get(a.h), 0);
    if (mode === 'on') {
      assert.ok(jitMem(b.mem).wasmRegions > 0);
      assert.ok(exits.get(b.h)! < 300, `${exits.get(b.h)} syscalls left the wasm region`);
    }
  } finally {
    setEcallFast(null);
  }
});
