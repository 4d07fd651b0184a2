// The JIT's hot counts (cpu.ts bump): a target becomes hot after `hot` taken jumps within
// one epoch (a loop), or after SLOW * hot in all when they come slowly (an epoch or more
// apart, as a shell loop's per-iteration code does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bump, hotReset, hotEpoch, SLOW } from './cpu.js';

/** Jumps to t until it is hot, with a new epoch after every `per` jumps; how many it took. */
function jumpsUntilHot(t: number, hot: number, per: number): number {
  hotReset(t);
  for (let n = 1; n <= 100000; n++) {
    if (bump(t, hot)) return n;
    if (n % per === 0) hotEpoch();
  }
  return -1;
}

test('a loop is hot after `hot` jumps within an epoch', () => {
  hotEpoch();
  assert.equal(jumpsUntilHot(0x10000, 400, 100000), 400);
});

test('jumps that come an epoch or more apart need SLOW times as many', () => {
  assert.equal(SLOW > 1, true);
  assert.equal(jumpsUntilHot(0x20000, 400, 1), 400 * SLOW);
  assert.equal(jumpsUntilHot(0x20002, 400, 100), 400 * SLOW);
  // 300 jumps an epoch: the first epoch's 300 and the second's 100 do not add up to a loop.
  assert.equal(jumpsUntilHot(0x20004, 400, 300), 400 * SLOW);
});

test('hotReset restarts both counts', () => {
  const t = 0x30000;
  for (let n = 0; n < 399; n++) assert.equal(bump(t, 400), false);
  hotReset(t);
  for (let n = 0; n < 399; n++) assert.equal(bump(t, 400), false);
  assert.equal(bump(t, 400), true);
});
