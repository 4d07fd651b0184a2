// Page faults count as kernel work for the optimizer's warm-up (machine/optwarm.ts
// FAULT_WORK): a program that only touches fresh memory ends it. Read from `stats`. And
// the bytecode-size cap the warm-up's end sets sits between the interpreter and the JIT's
// translator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildGuests, have, makeProgramRoot, runTuml, scratch, skipReason, REPO } from './lib/guest.mjs';
import { MAX_OPT_BYTECODE } from '../dist/machine/optwarm.js';

const CC = 'riscv64-linux-gnu-gcc';
const skip = skipReason([[have(CC), `${CC} not found (apt-get install gcc-riscv64-linux-gnu libc6-dev-riscv64-cross)`]]) ?? buildGuests();

/** The `optimizer=` word of tuml's stats after touchpages touches `pages` pages. */
function optimizerAfter(pages) {
  const s = scratch();
  try {
    makeProgramRoot(s.dir, 'touchpages');
    const r = runTuml(s.dir, '/t/touchpages', ['work', String(pages)], { kernelArgs: ['stats'] });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.match(r.stdout.toString(), new RegExp(`^touched ${pages} pages [^]*^PASSED`, 'm'));
    return /optimizer=(\w+)/.exec(r.stderr.toString())?.[1];
  } finally { s.cleanup(); }
}

test('page faults end the optimizer warm-up; a short program leaves it on', { skip }, () => {
  assert.equal(optimizerAfter(8000), 'on', '8,000 faults are 2M units of work');
  assert.equal(optimizerAfter(10), 'off', 'a program of a few thousand instructions');
});

/** Bytecode lengths of the (unbundled) functions named `name` that ran (V8's --print-bytecode). */
function bytecodeLengths(root, name) {
  const flags = ['--max-semi-space-size=1', '--v8-pool-size=1', '--optimize-for-size', '--no-turbofan'];
  const r = spawnSync(process.execPath, [...flags, '--print-bytecode', `--print-bytecode-filter=${name}`, path.join(REPO, 'dist', 'cli', 'tuml.js'),
    'quiet', 'jitwarm=0', 'rootfstype=hostfs', `hostfs=${root}`, '--', '/t/touchpages', 'work', '8000'], { cwd: REPO, maxBuffer: 256 << 20, timeout: 120000 });
  assert.equal(r.status, 0, r.stderr.toString());
  return [...r.stdout.toString().matchAll(/^Bytecode length: (\d+)$/gm)].map((m) => Number(m[1]));
}

test("V8 optimizes the interpreter's loop but not the JIT's translator (MAX_OPT_BYTECODE)", { skip }, () => {
  const s = scratch();
  try {
    makeProgramRoot(s.dir, 'touchpages');
    const run = Math.max(...bytecodeLengths(s.dir, 'run'));
    const translate = Math.max(...bytecodeLengths(s.dir, 'translateWasm'));
    assert.ok(run < MAX_OPT_BYTECODE, `cpu.ts run() has ${run} bytes of bytecode, over the cap of ${MAX_OPT_BYTECODE} (machine/optwarm.ts): it would never be optimized`);
    assert.ok(translate > MAX_OPT_BYTECODE, `wasmgen.ts translateWasm() has ${translate} bytes of bytecode, under the cap of ${MAX_OPT_BYTECODE}: the cap no longer keeps it in the baseline tier`);
  } finally { s.cleanup(); }
});
