// Moving data between files without a user buffer: splice, tee, vmsplice,
// copy_file_range; and preadv2/pwritev2. Data moves by copying through the kernel (no
// page stealing), but the semantics are Linux's: one side of splice must be a pipe,
// pipe offsets are ESPIPE, an empty pipe with writers blocks (or EAGAIN with
// SPLICE_F_NONBLOCK / O_NONBLOCK), a full pipe blocks the filling side.
import type { Task } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EBADF, EINVAL, ESPIPE, EAGAIN, EPIPE, EISDIR, EXDEV, EOPNOTSUPP, EFBIG } from '../abi/linux/errno.js';
import { O_APPEND, O_NONBLOCK, O_PATH } from '../abi/linux/fcntl.js';
import { PIPE_BUF, MAX_RW_COUNT } from '../abi/linux/fs.js';
import { readIov, iovTotal, gather, scatter } from './iovec.js';
import { readI64, writeI64 } from '../mm/usercopy.js';
import { BLOCK } from '../lib/waitqueue.js';
import type { File } from '../fs/vfs/file.js';
import { InodeFile, MAX_LFS } from '../fs/vfs/file.js';
import { PipeFile, Pipe } from '../fs/pipe.js';
import { sendSignal } from '../kernel/signal.js';
import { SigInfo, SI_USER } from '../kernel/siginfo.js';
import { sysReadv, sysWritev } from './sys_fs.js';

const SPLICE_F_NONBLOCK = 2;
const CHUNK = 1 << 20;
const SIGPIPE = 13;

function epipe(t: Task, r: number): number {
  if (r === -EPIPE) sendSignal(t, SIGPIPE, SigInfo.of(SIGPIPE, SI_USER, t.pid, t.cred.uid), true);
  return r;
}


function pipeOf(f: File | null): Pipe | null {
  return f instanceof PipeFile ? f.pipe : null;
}

/** Copy n bytes from the pipe's ring at logical offset `skip` without consuming. */
function peek(p: Pipe, dst: Uint8Array, skip: number): void {
  const cap = p.buf.length;
  for (let i = 0; i < dst.length; i++) dst[i] = p.buf[(p.head + skip + i) % cap];
}

/** Wait for data in pipe p (read side); 0 = ready, else the syscall result. */
function waitData(t: Task, p: Pipe, nonblock: boolean): number {
  if (p.len > 0) return 0;
  if (p.writers === 0) return 1; // EOF: caller returns 0
  if (nonblock) return -EAGAIN;
  t.blockOn(p.wq);
  return BLOCK;
}
/** Wait for room in pipe p (write side). */
function waitRoom(t: Task, p: Pipe, nonblock: boolean): number {
  if (p.readers === 0) return epipe(t, -EPIPE);
  if (p.space > 0) return 0;
  if (nonblock) return -EAGAIN;
  t.blockOn(p.wq);
  return BLOCK;
}

function sysSplice(t: Task, fdIn: number, offInVa: number, fdOut: number, offOutVa: number, len: number, flags: number): number {
  const fin = t.files.get(fdIn | 0), fout = t.files.get(fdOut | 0);
  if (!fin || !fout || !fin.readable || !fout.writable) return -EBADF;
  if (flags & ~0xf) return -EINVAL;
  len = Math.min(len, MAX_RW_COUNT);
  if (len < 0) return -EINVAL;
  const pin = pipeOf(fin), pout = pipeOf(fout);
  if (!pin && !pout) return -EINVAL;
  if ((pin && offInVa) || (pout && offOutVa)) return -ESPIPE;
  if (fout.flags & O_APPEND && offOutVa) return -EINVAL;
  if (len === 0) return 0;
  if (pin && pout) {
    if (pin === pout) return -EINVAL;
    return pipeToPipe(t, pin, pout, len, (flags & SPLICE_F_NONBLOCK) !== 0 || ((fin.flags | fout.flags) & O_NONBLOCK) !== 0, true);
  }
  if (pin) {
    // pipe → file
    const nb = (flags & SPLICE_F_NONBLOCK) !== 0 || (fin.flags & O_NONBLOCK) !== 0;
    const w = waitData(t, pin, nb);
    if (w === 1) return 0;
    if (w) return w;
    if (fout instanceof InodeFile && fout.inode.isDir) return -EBADF;
    let pos = -1;
    if (offOutVa) {
      if (!(fout instanceof InodeFile)) return -ESPIPE;
      pos = readI64(t.mm, offOutVa);
      if (pos < 0) return -EINVAL;
    }
    const n = Math.min(len, pin.len);
    const buf = new Uint8Array(n);
    peek(pin, buf, 0);
    const r = pos >= 0 ? fout.pwrite(buf, pos, t) : fout.write(buf, t);
    if (r < 0) return epipe(t, r);
    pin.take(new Uint8Array(r));
    pin.wq.wakeAll();
    if (pos >= 0) writeI64(t.mm, offOutVa, pos + r);
    return r;
  }
  // file → pipe
  const p = pout!;
  const nb = (flags & SPLICE_F_NONBLOCK) !== 0 || (fout.flags & O_NONBLOCK) !== 0;
  const w = waitRoom(t, p, nb);
  if (w) return w;
  if (fin instanceof InodeFile && fin.inode.isDir) return -EISDIR;
  let pos = -1;
  if (offInVa) {
    if (!(fin instanceof InodeFile)) return -ESPIPE;
    pos = readI64(t.mm, offInVa);
    if (pos < 0) return -EINVAL;
  }
  const buf = new Uint8Array(Math.min(len, p.space));
  const r = pos >= 0 ? fin.pread(buf, pos, t) : fin.read(buf, t);
  if (r <= 0) return r;
  p.put(buf.subarray(0, r));
  p.wq.wakeAll();
  if (pos >= 0) writeI64(t.mm, offInVa, pos + r);
  return r;
}

function sysTee(t: Task, fdIn: number, fdOut: number, len: number, flags: number): number {
  const fin = t.files.get(fdIn | 0), fout = t.files.get(fdOut | 0);
  if (!fin || !fout || !fin.readable || !fout.writable) return -EBADF;
  if (flags & ~0xf) return -EINVAL;
  const pin = pipeOf(fin), pout = pipeOf(fout);
  if (!pin || !pout || pin === pout) return -EINVAL;
  len = Math.min(len, MAX_RW_COUNT);
  if (len <= 0) return len < 0 ? -EINVAL : 0;
  return pipeToPipe(t, pin, pout, len, (flags & SPLICE_F_NONBLOCK) !== 0 || ((fin.flags | fout.flags) & O_NONBLOCK) !== 0, false);
}

/** splice (consume) or tee (copy) between two pipes: waits for data in one and room in the other. */
function pipeToPipe(t: Task, pin: Pipe, pout: Pipe, len: number, nb: boolean, consume: boolean): number {
  let w = waitData(t, pin, nb);
  if (w === 1) return 0;
  if (w) return w;
  w = waitRoom(t, pout, nb);
  if (w) return w;
  const n = Math.min(len, pin.len, pout.space);
  const buf = new Uint8Array(n);
  if (consume) pin.take(buf); else peek(pin, buf, 0);
  pout.put(buf);
  if (consume) pin.wq.wakeAll();
  pout.wq.wakeAll();
  return n;
}

function sysVmsplice(t: Task, fd: number, iov: number, cnt: number, flags: number): number {
  const f = t.files.get(fd | 0);
  if (!f || (f.flags & O_PATH)) return -EBADF;
  if (flags & ~0xf) return -EINVAL;
  const p = pipeOf(f);
  if (!p) return -EBADF;
  const v = readIov(t, iov, cnt);
  if (typeof v === 'number') return v;
  const total = iovTotal(v);
  if (total === 0) return 0;
  const nb = (flags & SPLICE_F_NONBLOCK) !== 0 || (f.flags & O_NONBLOCK) !== 0;
  if (f.writable) {
    const w = waitRoom(t, p, nb);
    if (w) return w;
    if (total <= PIPE_BUF && p.space < total) {
      if (nb) return -EAGAIN;
      t.blockOn(p.wq);
      return BLOCK;
    }
    const buf = gather(t, v, Math.min(total, p.space));
    p.put(buf);
    p.wq.wakeAll();
    return buf.length;
  }
  const w = waitData(t, p, nb);
  if (w === 1) return 0;
  if (w) return w;
  const n = Math.min(total, p.len);
  const buf = new Uint8Array(n);
  p.take(buf);
  p.wq.wakeAll();
  scatter(t, v, buf);
  return n;
}

function sysCopyFileRange(t: Task, fdIn: number, offInVa: number, fdOut: number, offOutVa: number, len: number, flags: number): number {
  if (flags !== 0) return -EINVAL;
  const fin = t.files.get(fdIn | 0), fout = t.files.get(fdOut | 0);
  if (!fin || !fout || !fin.readable || !fout.writable) return -EBADF;
  if (fout.flags & O_APPEND) return -EBADF;
  if (!(fin instanceof InodeFile) || !(fout instanceof InodeFile)) return -EINVAL;
  if (fin.inode.isDir || fout.inode.isDir) return -EISDIR;
  if (!fin.inode.isReg || !fout.inode.isReg) return -EINVAL;
  let pin = offInVa ? readI64(t.mm, offInVa) : fin.pos;
  let pout = offOutVa ? readI64(t.mm, offOutVa) : fout.pos;
  if (pin < 0 || pout < 0) return -EINVAL;
  if (len < 0) return -EINVAL;
  // Linux (generic_copy_file_checks): the count is first cut at the source's EOF, then
  // at the size limit; EFBIG only when the output position is already past the limit
  // (cp asks for SSIZE_MAX bytes).
  fin.inode.refresh();
  const size = fin.inode.size;
  len = Math.min(len, MAX_RW_COUNT, Math.max(0, size - pin));
  if (len > 0 && pout >= MAX_LFS) return -EFBIG;
  len = Math.min(len, MAX_LFS - pout);
  if (fin.inode === fout.inode && len > 0 && pin < pout + len && pout < pin + len) return -EINVAL;
  let done = 0;
  while (done < len) {
    const buf = new Uint8Array(Math.min(len - done, CHUNK));
    const n = fin.pread(buf, pin, t);
    if (n < 0) { if (done) break; return n; }
    if (n === 0) break;
    const w = fout.pwrite(buf.subarray(0, n), pout, t);
    if (w < 0) { if (done) break; return w; }
    done += w; pin += w; pout += w;
    if (w < n) break;
  }
  if (offInVa) writeI64(t.mm, offInVa, pin); else fin.pos = pin;
  if (offOutVa) writeI64(t.mm, offOutVa, pout); else fout.pos = pout;
  return done;
}

const RWF_HIPRI = 1, RWF_DSYNC = 2, RWF_SYNC = 4, RWF_NOWAIT = 8, RWF_APPEND = 16;

function rwv2(t: Task, fd: number, iov: number, cnt: number, pos: number, flags: number, write: boolean): number {
  if (flags & ~(RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND)) return -EOPNOTSUPP;
  if (flags & RWF_NOWAIT) return -EOPNOTSUPP;
  if ((flags & RWF_APPEND) && !write) return -EOPNOTSUPP;
  if (pos < -1) return -EINVAL;
  if (write && (flags & RWF_APPEND)) {
    const f = t.files.get(fd | 0);
    if (f instanceof InodeFile) { f.inode.refresh(); pos = f.inode.size; }
  }
  const r = write ? sysWritev(t, fd, iov, cnt, pos) : sysReadv(t, fd, iov, cnt, pos);
  if (r > 0 && write && (flags & (RWF_DSYNC | RWF_SYNC))) t.files.get(fd | 0)?.fsync();
  return r;
}

void EXDEV;

export const spliceSyscalls: SyscallDefs = {
  [NR.splice]: def('splice', 'fpfpux', sysSplice, 'partial', 'data is copied (no page moving); SPLICE_F_MOVE/MORE/GIFT are hints'),
  [NR.tee]: def('tee', 'ffux', sysTee),
  [NR.vmsplice]: def('vmsplice', 'fpux', sysVmsplice, 'partial', 'data is copied into the pipe (SPLICE_F_GIFT ignored)'),
  [NR.copy_file_range]: def('copy_file_range', 'fpfpux', sysCopyFileRange),
  [NR.preadv2]: def('preadv2', 'fpddx', (t, fd, iov, cnt, pos, _h, fl) => rwv2(t, fd, iov, cnt, pos, fl, false), 'partial', 'RWF_NOWAIT → EOPNOTSUPP; HIPRI/SYNC/DSYNC are no-ops'),
  [NR.pwritev2]: def('pwritev2', 'fpddx', (t, fd, iov, cnt, pos, _h, fl) => rwv2(t, fd, iov, cnt, pos, fl, true), 'partial', 'RWF_NOWAIT → EOPNOTSUPP; RWF_APPEND supported'),
};
