// Signal dispositions are shared between a forked table and its copy until one side changes one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SigHand, SIG_DEFAULT } from './task.js';

test('a copied signal table shares entries until written; reset goes back to the frozen default', () => {
  const p = new SigHand();
  assert.equal(p.actions[10], SIG_DEFAULT);
  assert.throws(() => { (p.actions[10] as { handler: number }).handler = 5; }, TypeError);
  p.writable(10).handler = 0x1000;
  const c = p.clone();
  assert.equal(c.actions[10], p.actions[10]);          // shared, not copied
  p.writable(10).restorer = 8;                          // the parent's entry from before the copy: copied now
  assert.equal(c.actions[10].restorer, 0);
  c.writable(10).handler = 0x2000;                      // the child's own copy now
  assert.equal(p.actions[10].handler, 0x1000);
  assert.equal(c.actions[10].handler, 0x2000);
  p.writable(10).flags = 4;                             // the parent's own entry changes in place
  assert.equal(p.actions[10].flags, 4);
  assert.equal(c.actions[10].flags, 0);
  c.reset(10);
  assert.equal(c.actions[10], SIG_DEFAULT);
  assert.equal(p.actions[10].handler, 0x1000);
});
