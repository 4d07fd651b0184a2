import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FdTable } from './fdtable.js';
import { File } from './file.js';
import { EBADF, EMFILE, EINVAL } from '../../abi/linux/errno.js';

class TestFile extends File {
  released = 0;
  constructor() { super(2, null, null); }
  override release(): void { this.released++; }
}

test('lowest-free allocation, dup, dup3, cloexec', () => {
  const t = new FdTable();
  const a = new TestFile(), b = new TestFile();
  assert.equal(t.alloc(a), 0);
  assert.equal(t.alloc(a), 1);
  assert.equal(t.alloc(b, true), 2);
  assert.equal(t.close(1), 0);
  assert.equal(t.dup(2), 1);
  assert.equal(t.getCloexec(1), false);
  assert.equal(t.dup(0, 10, true), 10);
  assert.equal(t.getCloexec(10), true);
  assert.equal(t.dup3(0, 0, false), -EINVAL);
  assert.equal(t.dup3(5, 6, false), -EBADF);
  assert.equal(t.dup3(0, 2, true), 2);       // replaces b on 2
  assert.equal(t.get(2), a);
  assert.equal(b.released, 0);               // still on fd 1
  assert.equal(t.close(1), 0);
  assert.equal(b.released, 1);
  assert.equal(t.close(1), -EBADF);
  t.closeOnExec();
  assert.deepEqual(t.fds(), [0]);
  const c = t.clone();
  t.closeAll();
  assert.equal(a.released, 0);
  c.closeAll();
  assert.equal(a.released, 1);
});

test('RLIMIT_NOFILE bounds allocation', () => {
  const t = new FdTable();
  t.limit = 4;
  const f = new TestFile();
  for (let i = 0; i < 4; i++) assert.equal(t.alloc(f), i);
  assert.equal(t.alloc(f), -EMFILE);
  assert.equal(t.dup(0, 4), -EMFILE);
  assert.equal(t.installAt(4, f), -EBADF);
});
