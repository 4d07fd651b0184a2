// Micro benchmark of the RV64 interpreter: a tight hand-assembled integer loop
// (ALU, shifts, 64-bit load/store, a mul, a taken branch). Prints guest MIPS.
// Usage: node bench/interp.mjs [seconds] [--jit]   (after `npx tsc -p .`)
// --jit runs the same loops through the JIT's dispatcher (src/arch/riscv/jit).
import { Box, CODE, DATA } from '../dist/arch/riscv/testkit.js';
import { A } from '../dist/arch/riscv/asm.js';
import { run as interp } from '../dist/arch/riscv/cpu.js';
import { runHart } from '../dist/arch/riscv/jit/jit.js';
import { EXIT_BUDGET } from '../dist/arch/riscv/hart.js';

const jit = process.argv.includes('--jit');
const run = jit ? runHart : interp;
const seconds = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 3);
const box = new Box();
const h = box.h;
const prog = [
  A.addi(10, 0, 0),            // a0 = 0
  A.lui(11, 0x40000000),       // a1 = big counter
  A.lui(12, DATA),             // a2 = &data
  // loop:
  A.add(10, 10, 11),
  A.xor(13, 10, 11),
  A.slli(14, 13, 3),
  A.ld(15, 12, 0),
  A.addi(15, 15, 1),
  A.sd(15, 12, 0),
  A.srli(14, 14, 7),
  A.sub(10, 10, 14),
  A.andi(16, 10, 255),
  A.sltu(17, 16, 11),
  A.addw(18, 17, 13),
  A.addi(11, 11, -1),
  A.bne(11, 0, -4 * 12),
  A.ecall(),
];
// Second loop: compressed code calling a leaf function on another page (jal/ret).
const CALLS = CODE + 0x2000, LEAF = CODE + 0x3000;
box.loadHalves(CALLS, [
  0x4501,                 // c.li a0, 0
  0x4581,                 // c.li a1, 0    (counter, wraps: effectively infinite)
  // loop (CALLS+4): jal ra, LEAF  (32-bit, patched below), c.addi a1,1 ; c.j loop
  0, 0, 0x0585, 0xbfed,
]);
const jal = A.jal(1, LEAF - (CALLS + 4));
box.loadHalves(CALLS + 4, [jal & 0xffff, jal >>> 16]);
box.loadHalves(LEAF, [
  0x952e,                 // c.add a0, a1
  0x0506,                 // c.slli a0, 1
  0x8105,                 // c.srli a0, 1
  0x8082,                 // c.ret
]);

function measure(name, pc) {
  box.h.pc = pc;
  const BUDGET = 1 << 22;
  // Warm up the way the kernel drives the CPU (many short runs), so V8 optimizes run()
  // itself with feedback for its exit paths rather than only on-stack-replacing its loop.
  for (let i = 0; i < 2000; i++) run(h, 1000);
  for (let i = 0; i < 5; i++) run(h, BUDGET);
  const t0 = process.hrtime.bigint();
  const i0 = h.instret;
  let t;
  do {
    if (run(h, BUDGET) !== EXIT_BUDGET) throw new Error(`${name}: loop ended early at ${h.pc.toString(16)}`);
    t = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (t < seconds);
  const mips = (h.instret - i0) / t / 1e6;
  console.log(`${jit ? 'jit' : 'interp'} ${name}: ${(h.instret - i0).toLocaleString()} guest instructions in ${t.toFixed(2)} s = ` +
    `${mips.toFixed(1)} MIPS`);
}
box.load(CODE, prog);
measure('alu+mem loop', CODE);
measure('rvc call loop', CALLS);
