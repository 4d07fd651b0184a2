// Frame allocation: alloc() hands out zeroed frames whether the frame is fresh (never
// handed out, not rewritten) or recycled; allocUninit() leaves the contents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhysMem, PAGE_SIZE } from './phys.js';
import { saveMemory, loadMemory } from '../machine/checkpoint/memory.js';

const allZero = (mem: PhysMem, f: number): boolean => mem.u8.subarray(f * PAGE_SIZE, (f + 1) * PAGE_SIZE).every((b) => b === 0);
const scribble = (mem: PhysMem, f: number): void => { mem.u8.fill(0xa5, f * PAGE_SIZE, (f + 1) * PAGE_SIZE); };

test('alloc zeroes a recycled frame, also one that allocUninit handed out', () => {
  const mem = new PhysMem(1 << 20);
  const a = mem.alloc();
  assert.ok(allZero(mem, a));
  scribble(mem, a);
  mem.put(a);
  const b = mem.alloc();
  assert.equal(b, a, 'the free stack gives the last freed frame back first');
  assert.ok(allZero(mem, b));
  const c = mem.allocUninit();
  scribble(mem, c);
  mem.put(c);
  const d = mem.alloc();
  assert.equal(d, c);
  assert.ok(allZero(mem, d));
  // The frames around are whole: zeroing stays within its frame.
  const e = mem.alloc();
  scribble(mem, e);
  mem.put(d);
  assert.ok(allZero(mem, mem.alloc()));
  assert.ok(mem.u8.subarray(e * PAGE_SIZE, (e + 1) * PAGE_SIZE).every((x) => x === 0xa5));
});

test('after a checkpoint restore, a restored frame freed and allocated again is zeroed', () => {
  const src = new PhysMem(1 << 20);
  const f = src.alloc();
  scribble(src, f);
  const img = saveMemory(src);
  const dst = new PhysMem(1 << 20);
  loadMemory(dst, img);
  assert.equal(dst.u8[f * PAGE_SIZE], 0xa5);
  dst.put(f);
  assert.equal(dst.alloc(), f);
  assert.ok(allZero(dst, f));
});
