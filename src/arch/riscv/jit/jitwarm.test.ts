// The JIT's warm-up (jitwarm=): it only interprets, but counts jumps, so a loop that ran
// in the warm-up is translated as soon as the warm-up ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A } from '../asm.js';
import { Box, CODE } from '../testkit.js';
import { EXIT_ECALL } from '../hart.js';
import { runHart, jitMem, setBatch, setJitWarmup, HOT } from './jit.js';

setBatch(1, 0);

/** A countdown loop of x5 iterations (3 instructions each), then an ecall. */
const LOOP = [A.addi(6, 6, 1), A.addi(5, 5, -1), A.bne(5, 0, -8), A.ecall()];

/** Regions translated, compiled or waiting for their batch (compiled at the next runHart call). */
function translated(box: Box): number { const jm = jitMem(box.mem); return jm.regions + jm.pending.length; }

/** Run the loop at CODE with `iters` iterations to its ecall, in slices of 100 instructions. */
function runLoop(box: Box, iters: number): void {
  box.set(5, iters); box.h.pc = CODE;
  for (let i = 0; i < 1e5; i++) if (runHart(box.h, 100) === EXIT_ECALL) return;
  assert.fail('the loop did not end');
}

test('a loop that ran during the warm-up is translated at its first jump after it', () => {
  const box = new Box();
  box.load(CODE, LOOP);
  setJitWarmup(1e9);
  runLoop(box, HOT + 10);
  assert.equal(translated(box), 0, 'nothing is translated during the warm-up');
  setJitWarmup(0);
  runLoop(box, 3);
  assert.equal(translated(box), 1, 'translated after 2 jumps, not HOT');
  assert.equal(box.get(6), BigInt(HOT + 13));
});

test('a loop that ran fewer than HOT times in the warm-up still needs the rest', () => {
  const box = new Box();
  box.load(CODE, [A.nop(), ...LOOP]);   // another jump target than the first test's
  setJitWarmup(1e9);
  runLoop(box, HOT - 50);
  setJitWarmup(0);
  runLoop(box, 40);
  assert.equal(translated(box), 0, 'HOT - 12 jumps: not hot yet');
  runLoop(box, 20);
  assert.equal(translated(box), 1);
});

