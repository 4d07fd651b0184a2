// JS versus WebAssembly as the JIT's target, on the loop of bench/interp.mjs (13 guest
// instructions per iteration: 64-bit add/sub/xor/and/shifts, sltu, addw, a 64-bit load
// and store, a counted branch). Prints guest MIPS for
//   - the JS translation that tuml's JIT emits (int32 lo/hi pairs in locals, TLB inline),
//   - the same JS with the TLB check removed (physical address fixed),
//   - a hand-assembled wasm function (i64 locals, memory = the shared guest memory,
//     no TLB check: the best case for wasm).
// Usage: node bench/jit-proto.mjs   (after `npx tsc -p .`)
import { Box, CODE, DATA } from '../dist/arch/riscv/testkit.js';
import { A } from '../dist/arch/riscv/asm.js';
import { runHart } from '../dist/arch/riscv/jit/jit.js';

const SECONDS = 1.5;
const INSTS = 13;

function timeit(name, fn) {
  fn(1e5);
  const t0 = performance.now();
  let iters = 0;
  while (performance.now() - t0 < SECONDS * 1000) { fn(1e6); iters += 1e6; }
  const s = (performance.now() - t0) / 1000;
  console.log(`${name.padEnd(38)} ${(iters * INSTS / s / 1e6).toFixed(0).padStart(6)} MIPS`);
}

// ---- 1. tuml's JIT on the real loop (through the dispatcher, with budget checks)
const box = new Box();
box.load(CODE, [
  A.addi(10, 0, 0), A.lui(11, 0x40000000), A.lui(12, DATA),
  A.add(10, 10, 11), A.xor(13, 10, 11), A.slli(14, 13, 3), A.ld(15, 12, 0), A.addi(15, 15, 1), A.sd(15, 12, 0),
  A.srli(14, 14, 7), A.sub(10, 10, 14), A.andi(16, 10, 255), A.sltu(17, 16, 11), A.addw(18, 17, 13),
  A.addi(11, 11, -1), A.bne(11, 0, -4 * 12), A.ecall(),
]);
box.h.pc = CODE;
timeit('JS JIT (dispatcher, TLB, budget)', (k) => runHart(box.h, k * INSTS));

// ---- 2. The same body in plain JS, registers as int32 pairs, no TLB
const i32 = box.mem.i32;
const q0 = box.pa(DATA) >>> 2;
let st = [0, 0, 0x40000000, 0];
function jsPairs(iters) {
  let L10 = st[0], H10 = st[1], L11 = st[2], H11 = st[3], L13 = 0, H13 = 0, L14 = 0, H14 = 0, L15 = 0, H15 = 0, L16 = 0, L17 = 0, L18 = 0, H18 = 0;
  for (let i = 0; i < iters; i++) {
    { const al = L10, t = (al + L11) | 0; H10 = (H10 + H11 + ((t >>> 0) < (al >>> 0) ? 1 : 0)) | 0; L10 = t; }
    L13 = L10 ^ L11; H13 = H10 ^ H11;
    { const t = L13 << 3, u = (H13 << 3) | (L13 >>> 29); L14 = t; H14 = u; }
    L15 = i32[q0]; H15 = i32[q0 + 1];
    { const al = L15, t = (al + 1) | 0; H15 = (H15 + ((t >>> 0) < (al >>> 0) ? 1 : 0)) | 0; L15 = t; }
    i32[q0] = L15; i32[q0 + 1] = H15;
    { const t = (L14 >>> 7) | (H14 << 25), u = (H14 >>> 7) | 0; L14 = t; H14 = u; }
    { const al = L10, bl = L14; H10 = (H10 - H14 - ((al >>> 0) < (bl >>> 0) ? 1 : 0)) | 0; L10 = (al - bl) | 0; }
    L16 = L10 & 255;
    L17 = (0 < (H11 >>> 0) || (0 === H11 && (L16 >>> 0) < (L11 >>> 0))) ? 1 : 0;
    L18 = (L17 + L13) | 0; H18 = L18 >> 31;
    { const al = L11, t = (al - 1) | 0; H11 = (H11 - 1 + ((t >>> 0) < (al >>> 0) ? 1 : 0)) | 0; L11 = t; }
    if ((L11 | H11) === 0) { L11 = 0x40000000; }
  }
  st = [L10, H10, L11, H11, H18];
}
timeit('JS int32 pairs, no TLB', jsPairs);

// ---- 3. wasm with i64 locals on the shared guest memory
const u = (n) => { const o = []; do { let b = n & 127; n >>>= 7; if (n) b |= 128; o.push(b); } while (n); return o; };
const s = (n) => { const o = []; for (;;) { const b = n & 127; n >>= 7; if ((n === 0 && !(b & 64)) || (n === -1 && (b & 64))) { o.push(b); return o; } o.push(b | 128); } };
const vec = (items) => [...u(items.length), ...items.flat()];
const sec = (id, body) => [id, ...u(body.length), ...body];
const str = (t) => [...u(t.length), ...Buffer.from(t)];
// locals: 0 addr(i32) 1 iters(i64) | 2 a0 3 a1 4 a3 5 a4 6 a5 7 a6 8 a7 9 a8
const G = (i) => [0x20, i], S = (i) => [0x21, i];
const body = [
  ...G(1), ...S(3),
  0x03, 0x40,
  ...G(2), ...G(3), 0x7c, ...S(2),                     // add a0, a0, a1
  ...G(2), ...G(3), 0x85, ...S(4),                     // xor a3, a0, a1
  ...G(4), 0x42, ...s(3), 0x86, ...S(5),               // slli a4, a3, 3
  ...G(0), 0x29, 3, 0, ...S(6),                        // ld a5, 0(a2)
  ...G(6), 0x42, 1, 0x7c, ...S(6),                     // addi a5, a5, 1
  ...G(0), ...G(6), 0x37, 3, 0,                        // sd a5, 0(a2)
  ...G(5), 0x42, 7, 0x88, ...S(5),                     // srli a4, a4, 7
  ...G(2), ...G(5), 0x7d, ...S(2),                     // sub a0, a0, a4
  ...G(2), 0x42, ...s(255), 0x83, ...S(7),             // andi a6, a0, 255
  ...G(7), ...G(3), 0x54, 0xad, ...S(8),               // sltu a7, a6, a1
  ...G(8), ...G(4), 0x7c, 0xa7, 0xac, ...S(9),         // addw a8, a7, a3
  ...G(3), 0x42, 1, 0x7d, 0x22, 3,                     // addi a1, a1, -1 (tee)
  0x50, 0x45, 0x0d, 0,                                 // bne a1, zero, loop
  0x0b,
  ...G(2), 0x0b,
];
const fnBody = [...vec([[8, 0x7e]]), ...body];
const wasm = new Uint8Array([
  0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
  ...sec(1, vec([[0x60, ...vec([[0x7f], [0x7e]]), ...vec([[0x7e]])]])),
  ...sec(2, vec([[...str('m'), ...str('mem'), 2, 3, ...u(1), ...u(box.mem.memory.buffer.byteLength / 65536)]])),
  ...sec(3, vec([[0]])),
  ...sec(7, vec([[...str('run'), 0, 0]])),
  ...sec(10, vec([[...u(fnBody.length), ...fnBody]])),
]);
const inst = new WebAssembly.Instance(new WebAssembly.Module(wasm), { m: { mem: box.mem.memory } });
const wrun = inst.exports.run;
const addr = box.pa(DATA);
timeit('wasm i64 locals, no TLB', (k) => wrun(addr, BigInt(k)));
