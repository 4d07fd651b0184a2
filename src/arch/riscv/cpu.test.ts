import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A } from './asm.js';
import { Box, CODE, DATA } from './testkit.js';
import { run } from './cpu.js';
import { EXIT_BUDGET, EXIT_ECALL, EXIT_EBREAK, EXIT_FAULT, EXIT_ILLEGAL, EXIT_MISALIGNED } from './hart.js';
import { ACC_R, ACC_W, ACC_X } from '../../mm/mmu.js';
import { PTE_R, PTE_W, PTE_X } from '../../mm/pagetable.js';

const M64 = (1n << 64n) - 1n;
const s64 = (v: bigint) => BigInt.asIntN(64, v);
const u64 = (v: bigint) => BigInt.asUintN(64, v);
const s32 = (v: bigint) => BigInt.asIntN(32, v);
const u32 = (v: bigint) => BigInt.asUintN(32, v);

// Interesting 64-bit operands plus pseudo-random ones.
const EDGE = [0n, 1n, -1n, 2n, -2n, 31n, 32n, 63n, 64n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n,
  -0x80000000n, 0x7fffffffffffffffn, -0x8000000000000000n, 0x123456789abcdef0n, -0x123456789abcdefn, 10n, -10n,
  0x1fffffffffffffn, 0x20000000000000n, 3n, -3n, 0xdeadbeefn];
let seed = 12345;
function rnd32(): bigint { seed = (Math.imul(seed, 1103515245) + 12345) | 0; return BigInt(seed >>> 0); }
function rnd64(): bigint {
  const r = s64((rnd32() << 32n) | rnd32());
  switch (Number(rnd32() % 4n)) {
    case 0: return r;
    case 1: return s64(r >> BigInt(Number(rnd32() % 64n)));
    case 2: return BigInt.asIntN(32, r);
    default: return EDGE[Number(rnd32() % BigInt(EDGE.length))];
  }
}
function operands(): [bigint, bigint][] {
  const out: [bigint, bigint][] = [];
  for (const a of EDGE) for (const b of EDGE) out.push([a, b]);
  for (let i = 0; i < 400; i++) out.push([rnd64(), rnd64()]);
  return out;
}

const sx32 = (v: bigint) => s64(s32(v));
const divS = (a: bigint, b: bigint) => b === 0n ? -1n : (a === -(1n << 63n) && b === -1n) ? a : a / b;
const remS = (a: bigint, b: bigint) => b === 0n ? a : (a === -(1n << 63n) && b === -1n) ? 0n : a % b;

const RR: [string, (a: bigint, b: bigint) => bigint][] = [
  ['add', (a, b) => s64(a + b)], ['sub', (a, b) => s64(a - b)],
  ['sll', (a, b) => s64(a << (b & 63n))], ['srl', (a, b) => s64(u64(a) >> (b & 63n))],
  ['sra', (a, b) => a >> (b & 63n)],
  ['slt', (a, b) => a < b ? 1n : 0n], ['sltu', (a, b) => u64(a) < u64(b) ? 1n : 0n],
  ['xor', (a, b) => a ^ b], ['or', (a, b) => a | b], ['and', (a, b) => a & b],
  ['addw', (a, b) => sx32(a + b)], ['subw', (a, b) => sx32(a - b)],
  ['sllw', (a, b) => sx32(a << (b & 31n))], ['srlw', (a, b) => sx32(u32(a) >> (b & 31n))],
  ['sraw', (a, b) => sx32(s32(a) >> (b & 31n))],
  ['mul', (a, b) => s64(a * b)], ['mulh', (a, b) => s64((a * b) >> 64n)],
  ['mulhsu', (a, b) => s64((a * u64(b)) >> 64n)], ['mulhu', (a, b) => s64((u64(a) * u64(b)) >> 64n)],
  ['div', (a, b) => s64(divS(a, b))], ['rem', (a, b) => s64(remS(a, b))],
  ['divu', (a, b) => b === 0n ? -1n : s64(u64(a) / u64(b))], ['remu', (a, b) => b === 0n ? a : s64(u64(a) % u64(b))],
  ['mulw', (a, b) => sx32(a * b)],
  ['divw', (a, b) => { const p = s32(a), q = s32(b); return q === 0n ? -1n : (p === -(1n << 31n) && q === -1n) ? p : sx32(p / q); }],
  ['remw', (a, b) => { const p = s32(a), q = s32(b); return q === 0n ? p : (p === -(1n << 31n) && q === -1n) ? 0n : sx32(p % q); }],
  ['divuw', (a, b) => { const p = u32(a), q = u32(b); return q === 0n ? -1n : sx32(p / q); }],
  ['remuw', (a, b) => { const p = u32(a), q = u32(b); return q === 0n ? sx32(p) : sx32(p % q); }],
];

test('register-register ops match a BigInt model (incl. rd = rs1 = rs2 aliasing)', () => {
  const box = new Box();
  const ops = operands();
  for (const [name, f] of RR) {
    const enc = (A as any)[name] as (rd: number, a: number, b: number) => number;
    // Load one program per op that runs all operand pairs? Simpler: one instruction, reused.
    box.load(CODE, [enc(7, 5, 6), enc(8, 8, 8), A.ecall()]);
    for (const [a, b] of ops) {
      box.set(5, a); box.set(6, b); box.set(8, a);
      box.h.pc = CODE;
      assert.equal(run(box.h, 100), EXIT_ECALL);
      assert.equal(box.get(7), f(a, b), `${name} ${a} ${b}`);
      assert.equal(box.get(8), f(a, a), `${name} aliased ${a}`);
      assert.equal(box.get(5), a); assert.equal(box.get(6), b);
    }
  }
});

const IMMS = [0, 1, -1, 2047, -2048, 5, -7, 0x7ff, 0x555, -0x555];
const RI: [string, (a: bigint, i: bigint) => bigint][] = [
  ['addi', (a, i) => s64(a + i)], ['slti', (a, i) => a < i ? 1n : 0n], ['sltiu', (a, i) => u64(a) < u64(i) ? 1n : 0n],
  ['xori', (a, i) => a ^ i], ['ori', (a, i) => a | i], ['andi', (a, i) => a & i], ['addiw', (a, i) => sx32(a + i)],
];
const SH: [string, number, (a: bigint, s: bigint) => bigint][] = [
  ['slli', 63, (a, s) => s64(a << s)], ['srli', 63, (a, s) => s64(u64(a) >> s)], ['srai', 63, (a, s) => a >> s],
  ['slliw', 31, (a, s) => sx32(a << s)], ['srliw', 31, (a, s) => sx32(u32(a) >> s)], ['sraiw', 31, (a, s) => sx32(s32(a) >> s)],
];

test('register-immediate ops and shifts by every amount', () => {
  const box = new Box();
  const vals = operands().map(p => p[0]).slice(0, 200);
  for (const [name, f] of RI) {
    const enc = (A as any)[name] as (rd: number, a: number, i: number) => number;
    for (const imm of IMMS) {
      box.load(CODE, [enc(7, 5, imm), enc(5, 5, imm), A.ecall()]);
      for (const a of vals) {
        box.set(5, a); box.h.pc = CODE;
        assert.equal(run(box.h, 100), EXIT_ECALL);
        assert.equal(box.get(7), f(a, BigInt(imm)), `${name} ${a} ${imm}`);
        assert.equal(box.get(5), f(a, BigInt(imm)), `${name} aliased ${a} ${imm}`);
      }
    }
  }
  for (const [name, max, f] of SH) {
    const enc = (A as any)[name] as (rd: number, a: number, i: number) => number;
    for (let sh = 0; sh <= max; sh++) {
      box.load(CODE, [enc(7, 5, sh), A.ecall()]);
      for (const a of vals.slice(0, 40)) {
        box.set(5, a); box.h.pc = CODE;
        assert.equal(run(box.h, 100), EXIT_ECALL);
        assert.equal(box.get(7), f(a, BigInt(sh)), `${name} ${a} ${sh}`);
      }
    }
  }
});

test('x0 stays zero; lui, auipc, li', () => {
  const box = new Box();
  box.ok([A.addi(0, 0, 5), A.lui(0, 0x12345000), A.add(1, 0, 0), A.lui(2, 0x80000000 | 0), A.lui(3, 0x7ffff000),
    A.auipc(4, 0x1000), A.auipc(5, 0xfffff000 | 0), A.addi(6, 0, -2048)]);
  assert.equal(box.get(0), 0n); assert.equal(box.get(1), 0n);
  assert.equal(box.get(2), -0x80000000n); assert.equal(box.get(3), 0x7ffff000n);
  assert.equal(box.get(4), BigInt(CODE + 20 + 0x1000)); assert.equal(box.get(5), BigInt(CODE + 24 - 0x1000));
  assert.equal(box.get(6), -2048n);
});

test('branches: signed and unsigned, taken and not', () => {
  const box = new Box();
  const BR: [string, (a: bigint, b: bigint) => boolean][] = [
    ['beq', (a, b) => a === b], ['bne', (a, b) => a !== b], ['blt', (a, b) => a < b], ['bge', (a, b) => a >= b],
    ['bltu', (a, b) => u64(a) < u64(b)], ['bgeu', (a, b) => u64(a) >= u64(b)]];
  const pairs = operands().slice(0, 300);
  for (const [name, f] of BR) {
    const enc = (A as any)[name] as (a: number, b: number, off: number) => number;
    for (const rs2 of [6, 0]) {
      // taken: skip the addi that sets x7 = 1
      box.load(CODE, [A.addi(7, 0, 0), enc(5, rs2, 8), A.addi(7, 0, 1), A.ecall()]);
      for (const [a, b0] of pairs) {
        const b = rs2 === 0 ? 0n : b0;
        box.set(5, a); box.set(6, b0); box.h.pc = CODE;
        assert.equal(run(box.h, 100), EXIT_ECALL);
        assert.equal(box.get(7), f(a, b) ? 0n : 1n, `${name} ${a} ${b}`);
      }
    }
  }
  // backward branch loop: count to 10
  box.ok([A.addi(5, 0, 0), A.addi(6, 0, 10), A.addi(5, 5, 1), A.blt(5, 6, -4)]);
  assert.equal(box.get(5), 10n);
});

test('jal and jalr link and target (jalr clears bit 0, rd = rs1)', () => {
  const box = new Box();
  box.ok([A.jal(1, 8), A.addi(9, 0, 1), A.auipc(5, 0), A.addi(5, 5, 17), A.jalr(5, 5, 0),
    A.addi(9, 0, 2), A.addi(10, 0, 3)]);
  assert.equal(box.get(1), BigInt(CODE + 4));
  assert.equal(box.get(9), 0n);
  assert.equal(box.get(5), BigInt(CODE + 20));
  assert.equal(box.get(10), 3n);
  // jal x0 (j) backwards over a page boundary, jalr to another page and back
  box.load(CODE + 4096, [A.addi(11, 0, 7), A.jalr(0, 1, 0)]);
  box.load(CODE, [A.lui(6, (CODE + 4096)), A.jalr(1, 6, 0), A.ecall()]);
  box.h.pc = CODE;
  assert.equal(run(box.h, 100), EXIT_ECALL);
  assert.equal(box.h.pc, CODE + 8);
  assert.equal(box.get(11), 7n);
});

test('loads and stores of every width, sign and zero extension', () => {
  const box = new Box();
  box.set(5, DATA);
  box.set(6, 0x8899aabbccddeeffn - (1n << 64n));
  box.ok([A.sd(6, 5, 0), A.lb(7, 5, 0), A.lbu(8, 5, 0), A.lh(9, 5, 2), A.lhu(10, 5, 2), A.lw(11, 5, 4),
    A.lwu(12, 5, 4), A.ld(13, 5, 0), A.sb(6, 5, 16), A.sh(6, 5, 18), A.sw(6, 5, 20)]);
  assert.equal(box.get(7), -1n); assert.equal(box.get(8), 0xffn);
  assert.equal(box.get(9), s64(BigInt.asIntN(16, 0xccddn))); assert.equal(box.get(10), 0xccddn);
  assert.equal(box.get(11), BigInt.asIntN(32, 0x8899aabbn)); assert.equal(box.get(12), 0x8899aabbn);
  assert.equal(box.get(13), box.get(6));
  assert.equal(box.r64(DATA + 16), s64(0xccddeeffeeff00ffn));
  // negative offsets and loads into x0
  box.set(5, DATA + 8);
  box.ok([A.ld(0, 5, -8), A.ld(14, 5, -8)]);
  assert.equal(box.get(0), 0n); assert.equal(box.get(14), box.get(6));
});

test('misaligned loads/stores, also across a page boundary', () => {
  const box = new Box();
  const v = 0x0102030405060708n;
  for (const off of [1, 2, 3, 5, 7, 4093, 4094, 4095, 4089]) {
    box.set(5, DATA + off);
    box.set(6, v);
    box.ok([A.sd(6, 5, 0), A.ld(7, 5, 0), A.lw(8, 5, 0), A.lhu(9, 5, 0), A.lh(10, 5, 1), A.sw(6, 5, 8), A.lwu(11, 5, 8),
      A.sh(6, 5, 16), A.lhu(12, 5, 16)]);
    assert.equal(box.get(7), v, `ld at +${off}`);
    assert.equal(box.get(8), 0x05060708n);
    assert.equal(box.get(9), 0x0708n);
    assert.equal(box.get(10), 0x0607n);
    assert.equal(box.get(11), 0x05060708n);
    assert.equal(box.get(12), 0x0708n);
    for (let i = 0; i < 8; i++) assert.equal(box.r8(DATA + off + i), 8 - i);
  }
  // a store crossing into an unmapped page faults and writes nothing
  box.unmap(DATA + 4 * 4096 - 4096 + 4096); // (DATA+4 pages is unmapped anyway)
  box.set(5, DATA + 3 * 4096 + 4092);
  box.w32(DATA + 3 * 4096 + 4092, 0x11223344);
  assert.equal(box.exec([A.sd(6, 5, 0)]), EXIT_FAULT);
  assert.equal(box.h.exitAddr, DATA + 4 * 4096);
  assert.equal(box.h.exitKind, ACC_W);
  assert.equal(box.h.pc, CODE);
  assert.equal(box.r32(DATA + 3 * 4096 + 4092), 0x11223344);
  // and a load across it faults without touching rd
  box.set(7, 99);
  assert.equal(box.exec([A.ld(7, 5, 0)]), EXIT_FAULT);
  assert.equal(box.h.exitKind, ACC_R);
  assert.equal(box.get(7), 99n);
});

test('precise load/store fault; the kernel maps the page and run() re-executes', () => {
  const box = new Box();
  const VA = 0x40000;
  box.set(5, VA); box.set(6, 42); box.set(7, 5);
  box.load(CODE, [A.addi(9, 0, 1), A.ld(7, 5, 8), A.addi(9, 9, 1), A.sd(6, 5, 16), A.ld(8, 5, 16), A.ecall()]);
  box.h.pc = CODE;
  const i0 = box.h.instret;
  assert.equal(run(box.h, 100), EXIT_FAULT);
  assert.equal(box.h.pc, CODE + 4);
  assert.equal(box.h.exitAddr, VA + 8);
  assert.equal(box.h.exitKind, ACC_R);
  assert.equal(box.get(7), 5n);
  assert.equal(box.h.instret - i0, 1);
  box.map(VA, PTE_R);                     // read-only: the store will fault
  assert.equal(run(box.h, 100), EXIT_FAULT);
  assert.equal(box.h.pc, CODE + 12);
  assert.equal(box.h.exitKind, ACC_W);
  assert.equal(box.get(7), 0n);
  assert.equal(box.get(9), 2n);
  box.pt.set(VA / 4096, box.pt.get(VA / 4096) | PTE_W); box.h.mmu.flush();
  assert.equal(run(box.h, 100), EXIT_ECALL);
  assert.equal(box.get(8), 42n);
  assert.equal(box.h.instret - i0, 6);
});

test('fetch fault reports the target pc with ACC_X; non-executable page too', () => {
  const box = new Box();
  box.set(5, 0x50000);
  assert.equal(box.exec([A.addi(6, 0, 1), A.jalr(1, 5, 4)]), EXIT_FAULT);
  assert.equal(box.h.pc, 0x50004);
  assert.equal(box.h.exitAddr, 0x50004);
  assert.equal(box.h.exitKind, ACC_X);
  assert.equal(box.get(1), BigInt(CODE + 8));
  box.set(5, DATA);                       // mapped RW, not X
  assert.equal(box.exec([A.jalr(0, 5, 0)]), EXIT_FAULT);
  assert.equal(box.h.pc, DATA);
  assert.equal(box.h.exitKind, ACC_X);
  // falling off the end of the mapped code
  box.load(CODE + 4 * 4096 - 4, [A.addi(6, 6, 1)]);
  box.h.pc = CODE + 4 * 4096 - 4;
  assert.equal(run(box.h, 10), EXIT_FAULT);
  assert.equal(box.h.pc, CODE + 4 * 4096);
  assert.equal(box.h.exitKind, ACC_X);
});

test('ecall, ebreak, illegal instructions and budget', () => {
  const box = new Box();
  box.load(CODE, [A.addi(5, 0, 1), A.ebreak()]);
  box.h.pc = CODE;
  assert.equal(run(box.h, 10), EXIT_EBREAK);
  assert.equal(box.h.pc, CODE + 4);
  for (const bad of [0, -1, 0x00200073 /* uret */, 0x10500073 /* wfi */, A.csrrs(5, 0x300, 0) /* mstatus */,
    A.csrrw(5, 0xc00, 6) /* write to cycle */, 0x0000700f | 0, 0x02000033 | (7 << 12) | 0x10000000]) {
    box.load(CODE, [A.addi(5, 0, 1), bad]);
    box.h.pc = CODE;
    assert.equal(run(box.h, 10), EXIT_ILLEGAL, `insn ${bad.toString(16)}`);
    assert.equal(box.h.pc, CODE + 4);
    assert.equal(box.h.exitInst, bad);
  }
  // budget: an infinite loop returns after exactly `budget` instructions
  box.load(CODE, [A.addi(5, 5, 1), A.jal(0, -4)]);
  box.set(5, 0);
  box.h.pc = CODE;
  const i0 = box.h.instret;
  assert.equal(run(box.h, 1001), EXIT_BUDGET);
  assert.equal(box.h.instret - i0, 1001);
  assert.equal(box.get(5), 501n);
  assert.equal(box.h.pc, CODE + 4);
  assert.equal(run(box.h, 1), EXIT_BUDGET);
  assert.equal(box.h.pc, CODE);
  assert.equal(run(box.h, 0), EXIT_BUDGET);
  assert.equal(box.h.pc, CODE);
  // ecall leaves pc at the ecall
  assert.equal(box.exec([A.nop()]), EXIT_ECALL);
  assert.equal(box.h.pc, CODE + 4);
});

test('LR/SC pairing and every AMO, signedness of min/max', () => {
  const box = new Box();
  box.set(5, DATA); box.set(6, 123);
  box.w64(DATA, 77n);
  box.ok([A.lr_d(7, 5), A.sc_d(8, 6, 5), A.sc_d(9, 6, 5)]);
  assert.equal(box.get(7), 77n); assert.equal(box.get(8), 0n); assert.equal(box.get(9), 1n);
  assert.equal(box.r64(DATA), 123n);
  // SC to another address than the reservation fails and stores nothing
  box.set(10, DATA + 8); box.w64(DATA + 8, 5n);
  box.ok([A.lr_w(7, 5), A.sc_w(8, 6, 10)]);
  assert.equal(box.get(8), 1n); assert.equal(box.r64(DATA + 8), 5n);
  // lr.w sign-extends; sc.w stores 32 bits
  box.w32(DATA + 16, -5); box.set(10, DATA + 16); box.set(6, 0x1ffffffffn);
  box.w32(DATA + 20, 0x55);
  box.ok([A.lr_w(7, 10), A.sc_w(8, 6, 10)]);
  assert.equal(box.get(7), -5n); assert.equal(box.get(8), 0n);
  assert.equal(box.r32(DATA + 16), -1); assert.equal(box.r32(DATA + 20), 0x55);

  const AMO: [string, (m: bigint, s: bigint) => bigint][] = [
    ['swap', (m, s) => s], ['add', (m, s) => m + s], ['xor', (m, s) => m ^ s], ['and', (m, s) => m & s],
    ['or', (m, s) => m | s], ['min', (m, s) => m < s ? m : s], ['max', (m, s) => m > s ? m : s],
    ['minu', (m, s) => u64(m) < u64(s) ? m : s], ['maxu', (m, s) => u64(m) > u64(s) ? m : s]];
  const vals = [0n, 1n, -1n, 5n, -5n, 0x7fffffffn, -0x80000000n, 0x80000000n, 0x123456789n, -0x8000000000000000n];
  for (const [name, f] of AMO) {
    const encD = (A as any)['amo' + name + '_d'], encW = (A as any)['amo' + name + '_w'];
    for (const m of vals) for (const s of vals) {
      box.w64(DATA, m); box.set(6, s); box.set(5, DATA);
      box.ok([encD(7, 6, 5)]);
      assert.equal(box.get(7), m);
      assert.equal(box.r64(DATA), s64(f(m, s)), `amo${name}.d ${m} ${s}`);
      box.w64(DATA, m); box.w64(DATA + 8, 0x0a0b0c0d0e0f1011n); box.set(5, DATA + 4);
      const mw = s32(m >> 32n);
      box.ok([encW(7, 6, 5)]);
      assert.equal(box.get(7), mw);
      assert.equal(BigInt(box.r32(DATA + 4)), s32(f(mw, s32(s))), `amo${name}.w ${mw} ${s}`);
      assert.equal(box.r32(DATA), Number(s32(m)));
    }
  }
  // rd aliasing rs2 in an AMO: swap into the same register
  box.w64(DATA, 9n); box.set(5, DATA); box.set(6, 4n);
  box.ok([A.amoadd_d(6, 6, 5)]);
  assert.equal(box.get(6), 9n); assert.equal(box.r64(DATA), 13n);
  // misaligned AMO
  box.set(5, DATA + 4);
  assert.equal(box.exec([A.amoadd_d(7, 6, 5)]), EXIT_MISALIGNED);
  assert.equal(box.h.exitAddr, DATA + 4);
  // AMO on a read-only page faults with ACC_W and changes nothing
  const RO = 0x60000; box.map(RO, PTE_R); box.set(5, RO); box.set(7, 3);
  assert.equal(box.exec([A.amoswap_w(7, 6, 5)]), EXIT_FAULT);
  assert.equal(box.h.exitKind, ACC_W); assert.equal(box.get(7), 3n);
});

test('CSRs: fflags, frm, fcsr, instret, cycle, time', () => {
  const box = new Box();
  box.h.timeFn = () => 0x123456789;
  box.set(6, 0xff);
  box.ok([A.csrrw(7, 3, 6), A.csrrs(8, 1, 0), A.csrrs(9, 2, 0), A.csrrwi(10, 2, 3), A.csrrci(11, 1, 5),
    A.csrrs(12, 3, 0), A.csrrs(13, 0xc02, 0), A.csrrs(14, 0xc00, 0), A.csrrs(15, 0xc01, 0)]);
  assert.equal(box.get(7), 0n);
  assert.equal(box.get(8), 0x1fn);
  assert.equal(box.get(9), 7n);
  assert.equal(box.get(10), 7n);
  assert.equal(box.get(11), 0x1fn);
  assert.equal(box.get(12), (3n << 5n) | 0x1an);
  assert.equal(box.h.frm, 3); assert.equal(box.h.fflags, 0x1a);
  const before = box.h.instret - 10;   // the run retired 10 (9 + ecall)
  assert.equal(box.get(13), BigInt(before + 6));
  assert.equal(box.get(14), BigInt(before + 7));
  assert.equal(box.get(15), 0x123456789n);
});

test('FLW/FLD/FSW/FSD move raw bits; flw NaN-boxes', () => {
  const box = new Box();
  box.set(5, DATA);
  box.w64(DATA, 0x400921fb54442d18n); box.w32(DATA + 8, 0x3f800000);
  box.ok([A.fld(1, 5, 0), A.flw(2, 5, 8), A.fsd(1, 5, 17), A.fsw(2, 5, 32), A.fld(3, 5, 17)]);
  assert.equal(box.h.f64[1], Math.PI);
  assert.equal(box.h.fi[4], 0x3f800000); assert.equal(box.h.fi[5], -1);
  assert.equal(box.r64(DATA + 17), 0x400921fb54442d18n);
  assert.equal(box.r32(DATA + 32), 0x3f800000);
  assert.equal(box.h.f64[3], Math.PI);
});

test('self-modifying store invalidates decoded code; fence.i', () => {
  const box = new Box();
  // the store rewrites the instruction right after it (addi x7,x0,1 → addi x7,x0,2)
  box.set(6, A.addi(7, 0, 2));
  box.load(CODE, [A.auipc(5, 0), A.sw(6, 5, 8), A.addi(7, 0, 1), A.ecall()]);
  box.h.pc = CODE;
  assert.equal(run(box.h, 100), EXIT_ECALL);
  assert.equal(box.get(7), 2n);
  // run the same (now decoded) code again after rewriting it via another store
  box.set(6, A.addi(7, 0, 3));
  box.h.pc = CODE;
  assert.equal(run(box.h, 100), EXIT_ECALL);
  assert.equal(box.get(7), 3n);
  // a loop that patches its own body on a later iteration
  box.set(6, A.addi(8, 8, 10));
  box.load(CODE, [A.addi(9, 0, 3), A.auipc(5, 0), A.addi(8, 8, 1), A.addi(9, 9, -1), A.sw(6, 5, 4),
    A.fence_i(), A.bne(9, 0, -16), A.ecall()]);
  box.set(8, 0); box.h.pc = CODE;
  assert.equal(run(box.h, 100), EXIT_ECALL);
  assert.equal(box.get(8), 21n);
});

test('a 32-bit instruction straddling two pages', () => {
  const box = new Box();
  const at = CODE + 4094;
  box.loadHalves(CODE + 4090, [0x0001 /* c.nop */, 0x4281 /* c.li t0, 0 */]);
  const inst = A.addi(5, 5, 33);
  box.w16(at, inst & 0xffff); box.w16(at + 2, inst >>> 16);
  box.w32(at + 4, A.ecall());
  box.mem.dropAllCode();
  box.h.pc = CODE + 4090;
  assert.equal(run(box.h, 100), EXIT_ECALL);
  assert.equal(box.get(5), 33n);
  assert.equal(box.h.pc, at + 4);
  // second half not mapped → fetch fault at the second page, pc at the instruction
  box.unmap(CODE + 4096);
  box.h.pc = CODE + 4090;
  assert.equal(run(box.h, 100), EXIT_FAULT);
  assert.equal(box.h.pc, at);
  assert.equal(box.h.exitAddr, CODE + 4096);
  assert.equal(box.h.exitKind, ACC_X);
  // a straddling instruction inside a loop, with a store changing its upper half in between
  box.map(CODE + 4096, PTE_R | PTE_W | PTE_X);
  box.w16(at + 2, inst >>> 16); box.w32(at + 4, A.ecall());
  box.mem.dropAllCode();
  box.h.pc = CODE + 4090;
  box.set(5, 0);
  assert.equal(run(box.h, 100), EXIT_ECALL);
  assert.equal(box.get(5), 33n);
});

test('compressed programs execute with length 2', () => {
  const box = new Box();
  box.set(2, DATA + 2048);
  box.set(8, DATA);
  box.loadHalves(CODE, [
    0x4505,          // c.li a0, 1
    0x050e,          // c.slli a0, 3         → 8
    0x7101,          // c.addi16sp sp, -512
    0x0800,          // c.addi4spn s0, sp, 16  → s0 = sp + 16
    0x75fd,          // c.lui a1, -1 (0xfffff)  → a1 = -4096
    0x8585,          // c.srai a1, 1           → -2048
    0x99c1,          // c.andi a1, -16
    0xe00c,          // c.sd a1, 0(s0)
    0x6010,          // c.ld a2, 0(s0)
    0x9602,          // c.jalr a2?  no: placeholder replaced below
  ]);
  // Replace the last parcel with c.mv a3, a2 and add an ebreak-free ending via ecall.
  box.loadHalves(CODE + 18, [0x86b2 /* c.mv a3, a2 */, 0x0073, 0x0000 /* ecall */]);
  box.h.pc = CODE;
  assert.equal(run(box.h, 100), EXIT_ECALL);
  assert.equal(box.get(10), 8n);
  assert.equal(box.get(2), BigInt(DATA + 2048 - 512));
  assert.equal(box.get(8), BigInt(DATA + 2048 - 512 + 16));
  assert.equal(box.get(11), -2048n);
  assert.equal(box.get(12), -2048n);
  assert.equal(box.get(13), -2048n);
  assert.equal(box.h.pc, CODE + 20);
  // c.j / c.beqz / c.bnez / c.jal-free loop: a0 = 5; do a0-- while a0 != 0; c.jr back
  box.loadHalves(CODE, [0x4515 /* c.li a0,5 */, 0x157d /* c.addi a0,-1 */, 0xfd7d /* c.bnez a0,-2 */,
    0xc111 /* c.beqz a0,+4 */, 0x0001, 0x0073, 0x0000]);
  box.h.pc = CODE;
  assert.equal(run(box.h, 100), EXIT_ECALL);
  assert.equal(box.get(10), 0n);
  assert.equal(box.h.pc, CODE + 10);
  // c.jalr ra-link is pc + 2
  box.set(15, CODE + 6);
  box.loadHalves(CODE, [0x9782 /* c.jalr a5 */, 0x0001, 0x0001, 0x0073, 0x0000]);
  box.h.pc = CODE;
  assert.equal(run(box.h, 100), EXIT_ECALL);
  assert.equal(box.get(1), BigInt(CODE + 2));
  // c.ebreak; illegal compressed reports 16 bits
  box.loadHalves(CODE, [0x9002]);
  box.h.pc = CODE;
  assert.equal(run(box.h, 10), EXIT_EBREAK);
  box.loadHalves(CODE, [0x0000]);
  box.h.pc = CODE;
  assert.equal(run(box.h, 10), EXIT_ILLEGAL);
  assert.equal(box.h.exitInst, 0);
});

test('calls between pages see code rewritten by a store in the same run', () => {
  const box = new Box();
  const LEAF = CODE + 4096;
  box.load(LEAF, [A.addi(10, 10, 1), A.jalr(0, 1, 0)]);
  // call leaf; patch leaf's first instruction to addi a0,a0,100; call leaf again
  box.set(6, A.addi(10, 10, 100));
  box.set(5, LEAF);
  box.set(10, 0);
  box.load(CODE, [A.jal(1, 4096), A.sw(6, 5, 0), A.jal(1, 4096 - 8), A.ecall()]);
  box.h.pc = CODE;
  assert.equal(run(box.h, 100), EXIT_ECALL);
  assert.equal(box.get(10), 101n);
  assert.equal(box.h.pc, CODE + 12);
});

test('the next run() sees code remapped between runs, and another hart its own mapping', () => {
  // run() keeps its page -> decoded code cache from one call to the next while the MMU's
  // stamp is unchanged: a new frame mapped at the same address (which renews the stamp)
  // must be what the next call runs, and a second hart with another mapping at that
  // address must run its own code even when the calls alternate.
  const a = new Box(), b = new Box();
  a.load(CODE, [A.addi(10, 10, 1), A.ecall()]);
  b.load(CODE, [A.addi(10, 10, 7), A.ecall()]);
  for (let i = 0; i < 3; i++) {
    for (const box of [a, b]) { box.h.pc = CODE; assert.equal(run(box.h, 100), EXIT_ECALL); }
  }
  assert.equal(a.get(10), 3n);
  assert.equal(b.get(10), 21n);
  a.map(CODE, PTE_R | PTE_W | PTE_X);   // a new, zeroed frame: load() fills it
  a.load(CODE, [A.addi(10, 10, 100), A.ecall()]);
  a.h.pc = CODE;
  assert.equal(run(a.h, 100), EXIT_ECALL);
  assert.equal(a.get(10), 103n);
  // And one mapped without decoded code ever being dropped (load() drops all of it).
  const f = a.map(CODE, PTE_R | PTE_W | PTE_X);
  const inst = A.addi(10, 10, 1000);
  for (let k = 0; k < 4; k++) { a.mem.u8[f * 4096 + k] = (inst >>> (8 * k)) & 255; a.mem.u8[f * 4096 + 4 + k] = (A.ecall() >>> (8 * k)) & 255; }
  a.h.pc = CODE;
  assert.equal(run(a.h, 100), EXIT_ECALL);
  assert.equal(a.get(10), 1103n);
});
