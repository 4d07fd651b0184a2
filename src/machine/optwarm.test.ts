import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OptWarm, HOG_WORK, PURE_WORK, EXEC_REPEAT } from './optwarm.js';

test('optimizer warm-up: ends once, on total work', () => {
  const ends: boolean[] = [];
  const w = new OptWarm(1000, (jit) => { ends.push(jit); });
  const a = {}, b = {};
  assert.equal(w.slice(a, 400, true), true);
  assert.equal(w.slice(b, 400, true), true);
  assert.equal(w.slice(a, 199, false), true);
  assert.deepEqual(ends, []);
  assert.equal(w.slice(b, 1, true), false, 'the threshold is reached');
  assert.deepEqual(ends, [false], 'used up: the JIT keeps its own warm-up');
  assert.equal(w.slice(a, 1e9, false), false);
  assert.deepEqual(ends, [false], 'ends once');
});

test('optimizer warm-up: a task running HOG_WORK units without blocking ends it, and the JIT warm-up', () => {
  const ends: boolean[] = [];
  const w = new OptWarm(1e9, (jit) => { ends.push(jit); });
  const a = {}, b = {}, fifth = HOG_WORK / 5;
  for (let i = 0; i < 4; i++) assert.equal(w.slice(a, fifth, false), true);
  assert.equal(w.slice(a, fifth - 1, true), true, 'blocked just below HOG_WORK: starts again');
  for (let i = 0; i < 4; i++) assert.equal(w.slice(a, fifth, false), true);
  assert.equal(w.slice(b, fifth, false), true, 'runs are per task');
  assert.equal(w.slice(a, fifth, false), false, 'HOG_WORK without blocking');
  assert.deepEqual(ends, [true]);
});

test('optimizer warm-up: the 20th task ends it', () => {
  const ends: boolean[] = [];
  const w = new OptWarm(1e9, (jit) => { ends.push(jit); });
  const first = {};
  assert.equal(w.slice(first, 10, true), true);
  for (let i = 0; i < 18; i++) assert.equal(w.slice({}, 10, true), true);
  assert.equal(w.slice(first, 10, true), true, 'a task seen before is not counted again');
  assert.equal(w.slice({}, 10, true), false);
  assert.deepEqual(ends, [true]);
});

test('optimizer warm-up: a busy task ends the JIT warm-up even when its slice also used up the work', () => {
  const ends: boolean[] = [];
  const w = new OptWarm(8e6, (jit) => { ends.push(jit); });
  // One slice of a getpid loop: 200K instructions and ~10,000 in-place calls of 1000 units.
  assert.equal(w.slice({}, 200000 + 1e7, false), false);
  assert.deepEqual(ends, [true]);
});

test('optimizer warm-up: PURE_WORK instructions without entering the kernel end it, and the JIT warm-up', () => {
  const ends: boolean[] = [];
  const w = new OptWarm(1e9, (jit) => { ends.push(jit); });
  const a = {}, b = {}, half = PURE_WORK / 2;
  assert.equal(w.pure(a, half, false), true);
  assert.equal(w.pure(a, half - 1, true), true, 'a syscall just below PURE_WORK: starts again');
  assert.equal(w.pure(a, half, false), true);
  assert.equal(w.pure(b, half, false), true, 'stretches are per task');
  assert.deepEqual(ends, []);
  assert.equal(w.pure(a, half, true), false, 'PURE_WORK, then a syscall');
  assert.deepEqual(ends, [true]);
  assert.equal(w.pure(b, 1e9, false), false);
  assert.equal(w.slice(b, 1e9, false), false);
  assert.deepEqual(ends, [true], 'ends once');
});

test('optimizer warm-up: a command line exec\'d EXEC_REPEAT times ends it, and the JIT warm-up', () => {
  const ends: boolean[] = [];
  const w = new OptWarm(1e9, (jit) => { ends.push(jit); });
  for (let i = 1; i < EXEC_REPEAT; i++) {
    assert.equal(w.exec('/bin/busybox\0true'), true);
    assert.equal(w.exec(`/bin/busybox\0mount\0-t\0proc${i}`), true, 'other arguments are another command');
  }
  assert.deepEqual(ends, []);
  assert.equal(w.exec('/bin/busybox\0true'), false);
  assert.deepEqual(ends, [true]);
  assert.equal(w.exec('/bin/busybox\0true'), false);
  assert.deepEqual(ends, [true], 'ends once');
});
