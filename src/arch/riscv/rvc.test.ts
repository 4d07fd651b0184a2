import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expand } from './rvc.js';
import { RVC_VECTORS } from './rvc.vectors.js';
import { A } from './asm.js';

test('every RVC vector expands to the assembler’s 32-bit equivalent', () => {
  let bad = 0;
  for (const [c, w] of RVC_VECTORS) {
    const e = expand(c) >>> 0;
    if (e !== w) { bad++; if (bad < 10) console.log(c.toString(16), e.toString(16), w.toString(16)); }
  }
  assert.equal(bad, 0);
});

test('reserved compressed encodings expand to 0', () => {
  assert.equal(expand(0x0000), 0);            // all-zero: illegal
  assert.equal(expand(0x6101), 0);            // c.addi16sp with imm 0
  assert.equal(expand(0x6081), 0);            // c.lui ra, 0
  assert.equal(expand(0x4002), 0);            // c.lwsp x0
  assert.equal(expand(0x6002), 0);            // c.ldsp x0
  assert.equal(expand(0x8002), 0);            // c.jr x0
  assert.equal(expand(0x2001), 0);            // c.addiw x0
  assert.equal(expand(0x9c41), 0);            // reserved in C.SUBW/ADDW group (funct2=10)
});

test('hand-checked corner cases', () => {
  // c.addi16sp sp, -512: bits 12=1, others such that nzimm = -512
  assert.equal(expand(0x7101), A.addi(2, 2, -512));
  // c.lui a0, 0xfffff (imm -1)
  assert.equal(expand(0x757d), A.lui(10, 0xfffff000 | 0));
  // c.srai a0, 63 ; c.andi a0, -1 ; c.andi a0, -32
  assert.equal(expand(0x957d), A.srai(10, 10, 63));
  assert.equal(expand(0x997d), A.andi(10, 10, -1));
  assert.equal(expand(0x9901), A.andi(10, 10, -32));
  assert.equal(expand(0x9002), A.ebreak());
});
