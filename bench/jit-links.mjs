// The cost of a call and return between two wasm regions (see docs/jit.md, "Direct
// links"): a loop calls a 26-instruction function three pages away (two regions, two
// region exits per iteration) and, for comparison, the same function on the loop's own
// page (one region). Prints ns per iteration of each and their difference.
//
//   npm run build && node bench/jit-links.mjs [iterations, default 5e6]
import { Box, CODE } from '../dist/arch/riscv/testkit.js';
import { A } from '../dist/arch/riscv/asm.js';
import { runHart, setJit } from '../dist/arch/riscv/jit/jit.js';
import { EXIT_BUDGET } from '../dist/arch/riscv/hart.js';

const N = Number(process.argv[2] || 5e6);
/** ns per iteration with the callee `far` (another region) or near (inside the loop's region). */
function bench(far) {
  const box = new Box();
  setJit(box.mem, 'on');
  const callee = far ? CODE + 0x3000 : CODE + 0x100;
  box.load(CODE, [A.jal(1, callee - CODE), A.addi(21, 21, -1), A.bne(21, 0, -8), A.ecall()]);
  box.load(callee, [...new Array(25).fill(A.addi(10, 0, 1)), A.jalr(0, 1, 0)]);
  const go = (n) => {
    box.h.x[42] = n; box.h.x[43] = 0; box.h.pc = CODE;
    let r;
    do r = runHart(box.h, 200000); while (r === EXIT_BUDGET);
  };
  go(200000); go(200000);        // translate and compile
  const t0 = process.hrtime.bigint();
  go(N);
  return Number(process.hrtime.bigint() - t0) / N;
}
for (let i = 0; i < 3; i++) {
  const far = bench(true), near = bench(false);
  console.log(`far callee ${far.toFixed(1)} ns/iteration, near ${near.toFixed(1)}: a call and return between regions ${(far - near).toFixed(1)} ns`);
}
