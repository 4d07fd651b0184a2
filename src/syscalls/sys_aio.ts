// Linux native AIO: io_setup, io_destroy, io_submit, io_cancel, io_getevents,
// io_pgetevents (fs/aio.c). Contexts and the ring are in kernel/aio.ts. As with Linux's
// buffered AIO, reads and writes run inside io_submit; one that would block makes
// io_submit sleep if it is the first of the batch, else io_submit returns the count so far.
import type { Task } from '../kernel/task.js';
import { TaskState } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EAGAIN, EBADF, EFAULT, EINVAL, EINTR, EOPNOTSUPP, EINPROGRESS, ESPIPE } from '../abi/linux/errno.js';
import { PROT_READ, PROT_WRITE, MAP_SHARED } from '../abi/linux/mman.js';
import { SEEK_CUR } from '../abi/linux/fcntl.js';
import { POLLERR, POLLHUP } from '../abi/linux/fs.js';
import { readIov } from './iovec.js';
import { copyIn, copyOut, readI64, readPair, readU32, writeU32, UserFault } from '../mm/usercopy.js';
import { BLOCK } from '../lib/waitqueue.js';
import { CacheBacking, PageCache } from '../fs/pagecache.js';
import { AioCtx, AioPoll, aioTable, aioNr, aioCharge, AIO_MAX_NR, AIO_RING_HDR, IO_EVENT_SIZE } from '../kernel/aio.js';
import { EventFdFile } from '../fs/eventfd.js';
import { sysRead, sysWrite, sysPread, sysPwrite, sysReadv, sysWritev } from './sys_fs.js';

const IOCB_CMD_PREAD = 0, IOCB_CMD_PWRITE = 1, IOCB_CMD_FSYNC = 2, IOCB_CMD_FDSYNC = 3, IOCB_CMD_POLL = 5,
  IOCB_CMD_PREADV = 7, IOCB_CMD_PWRITEV = 8;
const IOCB_FLAG_RESFD = 1, IOCB_FLAG_IOPRIO = 2;
const RWF_HIPRI = 1, RWF_DSYNC = 2, RWF_SYNC = 4, RWF_NOWAIT = 8, RWF_APPEND = 0x10;
const SIGKILL_STOP_LO = (1 << 8) | (1 << 18);

let ringIno = 1;

function lookup(t: Task, id: number): AioCtx | null {
  const c = aioTable(t.mm).get(id);
  return c !== undefined && !c.dead ? c : null;
}

function ioSetup(t: Task, nr: number, ctxp: number): number {
  nr >>>= 0;
  const cur = readI64(t.mm, ctxp);
  if (cur !== 0 || nr === 0) return -EINVAL;
  if (Math.max(nr, 4) * 2 > 0x10000000 / IO_EVENT_SIZE) return -EINVAL;
  if (nr > AIO_MAX_NR || aioNr + nr > AIO_MAX_NR) return -EAGAIN;
  const table = aioTable(t.mm);
  let id = 0;
  const used = new Set([...table.values()].map((c) => c.id));
  while (used.has(id)) id++;
  const probe = new AioCtx(t.mm, 0, id, nr);
  // The ring: shared pages of an anonymous aio file, named as /proc/PID/maps shows Linux's.
  const ring = new CacheBacking(new PageCache(t.kernel.mem, null), null, true, '/[aio] (deleted)', 0x1, ringIno++);
  const addr = t.mm.mmap(0, probe.size, PROT_READ | PROT_WRITE, MAP_SHARED, ring, 0, '');
  if (addr < 0) return -EAGAIN;
  const ctx = new AioCtx(t.mm, addr, id, nr);
  ctx.initRing();
  table.set(addr, ctx);
  aioCharge(nr);
  try { writeU32(t.mm, ctxp, addr % 2 ** 32); writeU32(t.mm, ctxp + 4, Math.floor(addr / 2 ** 32)); } catch (e) { destroy(t, ctx); throw e; }
  return 0;
}

function destroy(t: Task, ctx: AioCtx): void {
  for (const p of [...ctx.polls.values()]) p.finish(0);
  ctx.dead = true;
  aioTable(ctx.mm).delete(ctx.addr);
  aioCharge(-ctx.maxReqs);
  if (!ctx.mm.dead && t.mm === ctx.mm) t.mm.unmap(ctx.addr, ctx.size);
  ctx.wq.wakeAll();
}

function ioDestroy(t: Task, id: number): number {
  const ctx = lookup(t, id);
  if (ctx === null) return -EINVAL;
  destroy(t, ctx);
  return 0;
}

/** Undo a sleep a file operation set up (io_submit then returns what it has done). */
function unblock(t: Task): void {
  for (const q of t.waitingOn) q.remove(t);
  t.waitingOn.length = 0;
  t.state = TaskState.Runnable;
}

/** One iocb: 0 once queued/completed, BLOCK, or -errno for io_submit to report. */
function submitOne(t: Task, ctx: AioCtx, iocb: number, first: boolean): number {
  const raw = new Uint8Array(64);
  copyIn(t.mm, iocb, raw, 0, 64);
  const d = new DataView(raw.buffer);
  const data = readI64(t.mm, iocb);
  const rwFlags = d.getUint32(12, true), op = d.getUint16(16, true), prio = d.getInt16(18, true);
  const fd = d.getUint32(20, true) | 0;
  const buf = readI64(t.mm, iocb + 24), nbytes = readI64(t.mm, iocb + 32), off = readI64(t.mm, iocb + 40);
  const reserved2 = readI64(t.mm, iocb + 48);
  const flags = d.getUint32(56, true), resfdNo = d.getUint32(60, true) | 0;
  if (reserved2 !== 0) return -EINVAL;
  if (nbytes < 0) return -EINVAL;
  if (ctx.used() >= ctx.nrEvents - 1) return -EAGAIN;
  const f = t.files.get(fd);
  if (!f) return -EBADF;
  let resfd: EventFdFile | null = null;
  if (flags & IOCB_FLAG_RESFD) {
    const e = t.files.get(resfdNo);
    if (!e) return -EBADF;
    if (!(e instanceof EventFdFile)) return -EINVAL;
    resfd = e;
  }
  if ((flags & IOCB_FLAG_IOPRIO) && ((prio >> 13) & 7) > 3) return -EINVAL;
  writeU32(t.mm, iocb + 8, 0); // aio_key = KIOCB_KEY
  switch (op) {
    case IOCB_CMD_PREAD: case IOCB_CMD_PWRITE: case IOCB_CMD_PREADV: case IOCB_CMD_PWRITEV: {
      if (rwFlags & ~(RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND)) return -EOPNOTSUPP;
      if (rwFlags & RWF_NOWAIT) return -EOPNOTSUPP;
      const write = op === IOCB_CMD_PWRITE || op === IOCB_CMD_PWRITEV;
      if (write ? !f.writable : !f.readable) return -EBADF;
      const seekable = f.lseek(0, SEEK_CUR) !== -ESPIPE;
      if (seekable && off < 0) return -EINVAL;
      const pos = seekable ? off : -1;
      if (op === IOCB_CMD_PREADV || op === IOCB_CMD_PWRITEV) {
        // aio_setup_rw: the iovec array is checked (and read) before the request is queued
        const v = readIov(t, buf, nbytes);
        if (typeof v === 'number') return v;
      }
      let r: number;
      try {
        if (op === IOCB_CMD_PREAD) r = pos < 0 ? sysRead(t, fd, buf, nbytes) : sysPread(t, fd, buf, nbytes, pos);
        else if (op === IOCB_CMD_PWRITE) r = pos < 0 ? sysWrite(t, fd, buf, nbytes) : sysPwrite(t, fd, buf, nbytes, pos);
        else if (op === IOCB_CMD_PREADV) r = sysReadv(t, fd, buf, nbytes, pos);
        else r = sysWritev(t, fd, buf, nbytes, pos);
      } catch (e) {
        if (!(e instanceof UserFault)) throw e;
        r = -EFAULT; // a bad buffer fails the request, reported in its event
      }
      if (r === BLOCK) {
        if (!first) unblock(t);
        return BLOCK;
      }
      ctx.complete(data, iocb, r, 0, resfd);
      return 0;
    }
    case IOCB_CMD_FSYNC: case IOCB_CMD_FDSYNC: {
      if (buf !== 0 || off !== 0 || nbytes !== 0 || rwFlags !== 0) return -EINVAL;
      if (f.inode === null) return -EINVAL; // no fsync operation (pipes, sockets)
      ctx.complete(data, iocb, f.fsync(), 0, resfd);
      return 0;
    }
    case IOCB_CMD_POLL: {
      if (buf < 0 || buf > 0xffff) return -EINVAL;
      if (off !== 0 || nbytes !== 0 || rwFlags !== 0) return -EINVAL;
      const events = buf | POLLERR | POLLHUP;
      const p = new AioPoll(ctx, f, events, data, iocb, resfd);
      const m = f.poll() & events;
      if (m !== 0) { ctx.complete(data, iocb, m, 0, resfd); return 0; }
      ctx.polls.set(iocb, p);
      f.waitQueue?.add(p);
      return 0;
    }
    default: return -EINVAL;
  }
}

function ioSubmit(t: Task, id: number, nr: number, iocbpp: number): number {
  if (nr < 0) return -EINVAL;
  const ctx = lookup(t, id);
  if (ctx === null) return -EINVAL;
  if (nr > ctx.nrEvents) nr = ctx.nrEvents;
  let i = 0, err = 0;
  for (; i < nr; i++) {
    let p: number;
    try { p = readI64(t.mm, iocbpp + i * 8); } catch { err = -EFAULT; break; }
    let r: number;
    try { r = submitOne(t, ctx, p, i === 0); } catch { err = -EFAULT; break; }
    if (r === BLOCK) { if (i === 0) return BLOCK; break; }
    if (r < 0) { err = r; break; }
  }
  return i > 0 ? i : err;
}

function ioCancel(t: Task, id: number, iocb: number, _result: number): number {
  if (readU32(t.mm, iocb + 8) !== 0) return -EINVAL; // aio_key must be KIOCB_KEY
  const ctx = lookup(t, id);
  if (ctx === null) return -EINVAL;
  const p = ctx.polls.get(iocb);
  if (p === undefined) return -EINVAL;
  p.finish(0); // a cancelled poll completes with no events
  return -EINPROGRESS;
}

/** Per task: events already copied by this io_getevents call (kept across its sleeps). */
const gotSoFar = new WeakMap<Task, number>();

function getevents(t: Task, id: number, minNr: number, nr: number, evVa: number, tsVa: number, sigVa: number): number {
  const first = !gotSoFar.has(t);
  let deadline = -1;
  if (first && tsVa !== 0) {
    const sec = readI64(t.mm, tsVa), nsec = readI64(t.mm, tsVa + 8);
    deadline = t.kernel.now() + Math.max(0, sec * 1e9 + nsec);
    t.sleepUntil = deadline;
  } else if (!first) deadline = t.sleepUntil;
  if (first && sigVa !== 0) {
    const maskVa = readI64(t.mm, sigVa), size = readI64(t.mm, sigVa + 8);
    if (maskVa !== 0) {
      if (size !== 8) return -EINVAL;
      const pair = new Int32Array(2);
      readPair(t.mm, maskVa, pair);
      t.savedMaskLo = t.maskLo; t.savedMaskHi = t.maskHi; t.restoreMask = true;
      t.maskLo = pair[0] & ~SIGKILL_STOP_LO; t.maskHi = pair[1];
    }
  }
  const ctx = lookup(t, id);
  if (ctx === null || minNr > nr || minNr < 0) {
    gotSoFar.delete(t); t.sleepUntil = -1;
    if (sigVa !== 0 && t.restoreMask) { t.maskLo = t.savedMaskLo; t.maskHi = t.savedMaskHi; t.restoreMask = false; }
    return -EINVAL;
  }
  let got = gotSoFar.get(t) ?? 0;
  gotSoFar.set(t, got);
  // aio_read_events: take what the ring holds, up to nr.
  let err = 0;
  try {
    const head = ctx.head(), tail = ctx.tail();
    let avail = (tail - head + ctx.nrEvents) % ctx.nrEvents;
    avail = Math.min(avail, nr - got);
    if (avail > 0) {
      const out = new Uint8Array(avail * IO_EVENT_SIZE);
      let h = head;
      for (let i = 0; i < avail; i++) {
        copyIn(ctx.mm, ctx.addr + AIO_RING_HDR + h * IO_EVENT_SIZE, out, i * IO_EVENT_SIZE, IO_EVENT_SIZE);
        h = (h + 1) % ctx.nrEvents;
      }
      copyOut(t.mm, evVa + got * IO_EVENT_SIZE, out);
      writeU32(ctx.mm, ctx.addr + 8, h);
      got += avail;
    }
  } catch { err = -EFAULT; }
  const timedOut = deadline >= 0 && t.kernel.now() >= deadline;
  if (err === 0 && got < minNr && !timedOut && !t.interrupted && !ctx.dead) {
    gotSoFar.set(t, got);
    t.blockOn(ctx.wq);
    if (deadline >= 0) t.kernel.wakeAt(t, deadline);
    return BLOCK;
  }
  gotSoFar.delete(t);
  t.sleepUntil = -1;
  if (sigVa !== 0 && t.restoreMask && !t.interrupted) { t.maskLo = t.savedMaskLo; t.maskHi = t.savedMaskHi; t.restoreMask = false; }
  if (err !== 0 && got === 0) return err;
  if (got === 0 && t.interrupted) return -EINTR;
  return got;
}

export const aioSyscalls: SyscallDefs = {
  [NR.io_setup]: def('io_setup', 'up', ioSetup),
  [NR.io_destroy]: def('io_destroy', 'x', ioDestroy),
  [NR.io_submit]: def('io_submit', 'xdp', ioSubmit, 'supported', 'PREAD/PWRITE/PREADV/PWRITEV/FSYNC/FDSYNC complete inside io_submit (as buffered AIO does on Linux); POLL completes when ready and can be cancelled; a request that would block makes io_submit sleep only if it is the first of the batch'),
  [NR.io_cancel]: def('io_cancel', 'xpp', ioCancel),
  [NR.io_getevents]: def('io_getevents', 'xddpp', (t, id, mn, n, ev, ts) => getevents(t, id, mn, n, ev, ts, 0)),
  [NR.io_pgetevents]: def('io_pgetevents', 'xddppp', getevents),
};
