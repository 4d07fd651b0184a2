import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdleTrim } from './idletrim.js';

test('idle trim: after a second without work (checked each second), again four seconds later, never while busy or without work', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let trims = 0;
  const it = new IdleTrim(() => { trims++; });
  it.idle(); // nothing ran yet
  t.mock.timers.tick(10000);
  assert.equal(trims, 0);
  // busy: a tick every 500 ms, idle in between
  for (let i = 0; i < 10; i++) { it.tick(); it.idle(); t.mock.timers.tick(500); }
  assert.equal(trims, 0, 'no trim while the loop keeps running');
  // the last tick was at 4.5 s; the timer checks at 5 s (the loop ran: wait again)
  // and at 6 s (a whole second without a tick: trim)
  t.mock.timers.tick(400);
  assert.equal(trims, 0);
  t.mock.timers.tick(700);
  assert.equal(trims, 1);
  t.mock.timers.tick(3800);
  assert.equal(trims, 1);
  t.mock.timers.tick(200);
  assert.equal(trims, 2, 'the second trim, five seconds into the idle time');
  t.mock.timers.tick(60000);
  assert.equal(trims, 2, 'then none until the machine works again');
  it.tick(); it.idle();
  t.mock.timers.tick(1000);
  assert.equal(trims, 3);
  it.tick(); it.idle(); it.stop();
  t.mock.timers.tick(10000);
  assert.equal(trims, 3, 'stop() cancels');
});
