import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flock, setRangeLock, findConflict, releasePosixLocks, releaseFileLocks, locksOf, LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN } from './locks.js';
import { TmpfsSb } from './tmpfs/tmpfs.js';
import { File } from './vfs/file.js';
import { BLOCK, WaitQueue } from '../lib/waitqueue.js';
import { EAGAIN, EDEADLK } from '../abi/linux/errno.js';
import { F_RDLCK, F_WRLCK, F_UNLCK } from '../abi/linux/fcntl.js';

class F extends File { constructor() { super(2, null, null); } }
const sleeper = () => { const s = { blocked: null as WaitQueue | null, blockOn(q: WaitQueue) { s.blocked = q; } }; return s; };

test('flock: shared, exclusive, LOCK_NB, conversion, release', () => {
  const ino = new TmpfsSb().root;
  const a = new F(), b = new F(), s = sleeper();
  assert.equal(flock(ino, a, LOCK_SH, s), 0);
  assert.equal(flock(ino, b, LOCK_SH | LOCK_NB, s), 0);
  assert.equal(flock(ino, b, LOCK_EX | LOCK_NB, s), -EAGAIN);
  // the failed conversion dropped b's shared lock (Linux does the same)
  assert.equal(locksOf(ino).flocks, 1);
  assert.equal(flock(ino, b, LOCK_EX, s), BLOCK);
  assert.ok(s.blocked);
  releaseFileLocks(ino, a);
  assert.equal(flock(ino, b, LOCK_EX, s), 0);
  assert.equal(flock(ino, a, LOCK_SH | LOCK_NB, s), -EAGAIN);
  assert.equal(flock(ino, b, LOCK_UN, s), 0);
  assert.equal(flock(ino, a, LOCK_SH | LOCK_NB, s), 0);
});

test('record locks: split, merge, conflicts, per-owner release, deadlock', () => {
  const ino = new TmpfsSb().root;
  const p1 = {}, p2 = {}, s = sleeper();
  assert.equal(setRangeLock(ino, p1, 10, false, F_WRLCK, 0, 99, false, s, false), 0);
  assert.equal(setRangeLock(ino, p1, 10, false, F_UNLCK, 40, 59, false, s, false), 0);
  assert.deepEqual(locksOf(ino).ranges.map((l) => [l.start, l.end]), [[0, 39], [60, 99]]);
  assert.equal(findConflict(ino, p2, F_RDLCK, 40, 59), null);
  assert.equal(findConflict(ino, p2, F_RDLCK, 50, 70)?.start, 60);
  assert.equal(findConflict(ino, p1, F_WRLCK, 0, Infinity), null);
  assert.equal(setRangeLock(ino, p1, 10, false, F_WRLCK, 40, 59, false, s, false), 0);
  assert.deepEqual(locksOf(ino).ranges.map((l) => [l.start, l.end]), [[0, 99]]);
  assert.equal(setRangeLock(ino, p2, 20, false, F_RDLCK, 200, Infinity, false, s, false), 0);
  assert.equal(setRangeLock(ino, p2, 20, false, F_WRLCK, 50, 50, false, s, false), -EAGAIN);
  // p2 waits for p1; p1 asking for p2's range would deadlock
  assert.equal(setRangeLock(ino, p2, 20, false, F_WRLCK, 50, 50, true, s, false), BLOCK);
  assert.equal(setRangeLock(ino, p1, 10, false, F_WRLCK, 300, 300, true, s, false), -EDEADLK);
  releasePosixLocks(ino, p1);
  assert.equal(setRangeLock(ino, p2, 20, false, F_WRLCK, 50, 50, true, s, false), 0);
  assert.equal(findConflict(ino, p1, F_RDLCK, 0, Infinity)?.pid, 20);
});
