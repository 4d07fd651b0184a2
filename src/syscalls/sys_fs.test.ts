import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhysMem } from '../mm/phys.js';
import { AddressSpace } from '../mm/aspace.js';
import { PROT_READ, PROT_WRITE, MAP_PRIVATE, MAP_ANONYMOUS } from '../abi/linux/mman.js';
import { copyIn, copyOut, readI64 } from '../mm/usercopy.js';
import { FsContext, FdTable } from '../fs/index.js';
import { Cred } from '../kernel/cred.js';
import { NR } from '../abi/linux/unistd.js';
import { fsSyscalls } from './sys_fs.js';
import { pipeSyscalls } from './sys_pipe.js';
import { pollSyscalls } from './sys_poll.js';
import { O_RDWR, O_CREAT, O_DIRECTORY, AT_FDCWD, F_GETFD, F_SETFD, F_DUPFD_CLOEXEC } from '../abi/linux/fcntl.js';
import { ENOENT, EBADF, ENOTTY, ESPIPE } from '../abi/linux/errno.js';
import { TCGETS } from '../abi/linux/ioctl.js';
import { BLOCK, WaitQueue } from '../lib/waitqueue.js';
import type { Task } from '../kernel/task.js';

function mkTask() {
  const mem = new PhysMem(16 * 1024 * 1024);
  const mm = new AddressSpace(mem);
  const base = mm.mmap(0x100000, 0x100000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, null, 0);
  const blocked: WaitQueue[] = [];
  const t = {
    mm, files: new FdTable(), fs: new FsContext(), cred: new Cred(), pid: 1, tid: 1,
    interrupted: false, sleepUntil: -1, sleepTimer: null, restoreMask: false,
    maskLo: 0, maskHi: 0, savedMaskLo: 0, savedMaskHi: 0, state: 0,
    kernel: { now: () => 0, wakeAt() {}, sleepTask() {}, timers: { cancel() {} } },
    blockOn(wq: WaitQueue) { blocked.push(wq); },
  };
  return { t: t as unknown as Task, base, blocked };
}
function call(t: Task, nr: number, ...a: number[]): number {
  const d = fsSyscalls[nr] ?? pipeSyscalls[nr] ?? pollSyscalls[nr];
  return d.handler!(t, a[0] ?? 0, a[1] ?? 0, a[2] ?? 0, a[3] ?? 0, a[4] ?? 0, a[5] ?? 0);
}
function str(t: Task, va: number, s: string): number { copyOut(t.mm, va, Buffer.from(s + '\0', 'latin1')); return va; }

test('open/write/read/lseek/fstat/getdents64/fcntl through the syscall layer', () => {
  const { t, base } = mkTask();
  const P = base, B = base + 0x1000, S = base + 0x2000;
  assert.equal(call(t, NR.mkdirat, AT_FDCWD, str(t, P, '/d'), 0o755), 0);
  const fd = call(t, NR.openat, AT_FDCWD, str(t, P, '/d/f'), O_RDWR | O_CREAT, 0o644);
  assert.equal(fd, 0);
  copyOut(t.mm, B, Buffer.from('hello world'));
  assert.equal(call(t, NR.write, fd, B, 11), 11);
  assert.equal(call(t, NR.lseek, fd, 6, 0), 6);
  assert.equal(call(t, NR.read, fd, B + 100, 100), 5);
  const got = new Uint8Array(5); copyIn(t.mm, B + 100, got, 0, 5);
  assert.equal(Buffer.from(got).toString(), 'world');
  assert.equal(call(t, NR.fstat, fd, S), 0);
  assert.equal(readI64(t.mm, S + 48), 11);                   // st_size
  assert.equal(readI64(t.mm, S + 16) & 0xffffffff, 0o100644); // st_mode
  assert.equal(call(t, NR.newfstatat, AT_FDCWD, str(t, P, '/d/nope'), S, 0), -ENOENT);
  assert.equal(call(t, NR.ioctl, fd, TCGETS, S), -ENOTTY);
  assert.equal(call(t, NR.fcntl, fd, F_SETFD, 1), 0);
  assert.equal(call(t, NR.fcntl, fd, F_GETFD, 0), 1);
  assert.equal(call(t, NR.fcntl, fd, F_DUPFD_CLOEXEC, 10), 10);
  const dfd = call(t, NR.openat, AT_FDCWD, str(t, P, '/d'), O_DIRECTORY, 0);
  const n = call(t, NR.getdents64, dfd, B, 4096);
  assert.ok(n > 0);
  const names: string[] = [];
  const raw = new Uint8Array(n); copyIn(t.mm, B, raw, 0, n);
  for (let off = 0; off < n;) {
    const reclen = raw[off + 16] | (raw[off + 17] << 8);
    let e = off + 19; while (raw[e]) e++;
    names.push(Buffer.from(raw.subarray(off + 19, e)).toString());
    off += reclen;
  }
  assert.deepEqual(names, ['.', '..', 'f']);
  assert.equal(call(t, NR.getdents64, dfd, B, 4096), 0);
  assert.equal(call(t, NR.getcwd, B, 100), 2);
  assert.equal(call(t, NR.close, 55), -EBADF);
});

test('pipe2 + ppoll + read blocking', () => {
  const { t, base, blocked } = mkTask();
  const F = base, B = base + 0x1000, PF = base + 0x2000;
  assert.equal(call(t, NR.pipe2, F, 0), 0);
  const rfd = readI64(t.mm, F) & 0xffffffff, wfd = Math.floor(readI64(t.mm, F) / 2 ** 32);
  assert.deepEqual([rfd, wfd], [0, 1]);
  assert.equal(call(t, NR.lseek, rfd, 0, 0), -ESPIPE);
  // poll for input: nothing yet → blocks on the pipe's queue
  const pfd = Buffer.alloc(8); pfd.writeInt32LE(rfd, 0); pfd.writeUInt16LE(1, 4);
  copyOut(t.mm, PF, pfd);
  assert.equal(call(t, NR.ppoll, PF, 1, 0, 0, 8), BLOCK);
  assert.equal(blocked.length, 1);
  assert.equal(call(t, NR.read, rfd, B, 10), BLOCK);
  copyOut(t.mm, B, Buffer.from('xy'));
  assert.equal(call(t, NR.write, wfd, B, 2), 2);
  assert.equal(call(t, NR.ppoll, PF, 1, 0, 0, 8), 1);
  assert.equal(call(t, NR.read, rfd, B + 10, 10), 2);
});
