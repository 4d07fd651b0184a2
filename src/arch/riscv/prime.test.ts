// The interpreter's priming program (prime.ts) reaches its end in both of run()'s modes
// and contains every op the decoder produces, so a new op cannot be left unprimed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { program, primeRun } from './prime.js';
import { decodeInto, Op, Slot } from './decode.js';
import { expand } from './rvc.js';

test('the priming program runs to its end with hot 0 and hot > 0', () => {
  assert.equal(primeRun(), 2);
});

test('the priming program decodes to every op', () => {
  const seen = new Set<number>();
  const out = new Int32Array(2);
  for (const w of program()) {
    if ((w & 3) === 3) { decodeInto(w, w, 4, out, 0); seen.add(out[0] & Slot.OP); continue; }
    for (const half of [w & 0xffff, w >>> 16]) { decodeInto(expand(half), half, 2, out, 0); seen.add(out[0] & Slot.OP); }
  }
  const missing: number[] = [];
  for (let op = Op.ILLEGAL; op < Op.JIT_ENTRY; op++) if (!seen.has(op)) missing.push(op);
  assert.deepEqual(missing, []);
});
