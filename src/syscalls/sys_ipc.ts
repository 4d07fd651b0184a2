// System V IPC syscalls: shmget/shmat/shmdt/shmctl, semget/semop/semtimedop/semctl.
// The objects live in kernel/sysvipc.ts; this file decodes and applies Linux's rules.
import type { Task } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL, ENOENT, EEXIST, EACCES, EPERM, E2BIG, EFBIG, ERANGE, EAGAIN, EINTR, ENOMEM, ENOSPC } from '../abi/linux/errno.js';
import { MAP_SHARED, MAP_FIXED, PROT_READ, PROT_WRITE, PROT_EXEC } from '../abi/linux/mman.js';
import { USER_TOP } from '../mm/pagetable.js';
import { copyIn, copyOut, readI64 } from '../mm/usercopy.js';
import { BLOCK } from '../lib/waitqueue.js';
import {
  IpcNs, IpcPerm, ShmSeg, SemSet, ShmBacking, ipcNs, ipcPermits, ipcOwner, semCount,
  IPC_PRIVATE, IPC_CREAT, IPC_EXCL, IPC_NOWAIT, IPC_RMID, IPC_SET, IPC_STAT, IPC_INFO, IPCMNI, SHM_LOCKED,
  SHM_RDONLY, SHM_RND, SHM_REMAP, SHM_EXEC, SHM_DEST, SEM_UNDO, SHMMIN, SHMMAX, SHMMNI,
  SEMMSL, SEMOPM, SEMVMX, SEMAEM, SEMMNI,
} from '../kernel/sysvipc.js';
import { registerCkptSide } from '../lib/ckptstate.js';

const EIDRM = 43;
const PAGE = 4096;
const S_IRUGO = 0o444, S_IWUGO = 0o222;
const GETPID = 11, GETVAL = 12, GETALL = 13, GETNCNT = 14, GETZCNT = 15, SETVAL = 16, SETALL = 17;
const IPC_64 = 0x100;

export function initPerm(t: Task, ns: IpcNs, p: IpcPerm, key: number, flg: number, id: number): void {
  p.key = key; p.mode = flg & 0o777; p.id = id;
  p.uid = p.cuid = t.cred.euid; p.gid = p.cgid = t.cred.egid;
  p.seq = Math.floor(id / 32768);
  void ns;
}

export function writePerm(b: DataView, p: IpcPerm, extraMode = 0): void {
  b.setInt32(0, p.deleted ? IPC_PRIVATE : p.key, true);
  b.setUint32(4, p.uid, true); b.setUint32(8, p.gid, true);
  b.setUint32(12, p.cuid, true); b.setUint32(16, p.cgid, true);
  b.setUint32(20, p.mode | extraMode, true);
  b.setUint16(24, p.seq & 0xffff, true);
}

/** IPC_SET: uid, gid and the permission bits from the caller's ipc64_perm. */
export function setPerm(t: Task, p: IpcPerm, buf: number): void {
  const raw = new Uint8Array(24);
  copyIn(t.mm, buf, raw, 0, 24);
  const d = new DataView(raw.buffer);
  p.uid = d.getUint32(4, true); p.gid = d.getUint32(8, true);
  p.mode = (p.mode & ~0o777) | (d.getUint32(20, true) & 0o777);
}

/** ipcget: find by key or create (private keys always create). */
export function ipcget<T extends { perm: IpcPerm }>(t: Task, map: Map<number, T>, key: number, flg: number,
  create: () => T | number, more: (o: T) => number): number {
  key |= 0;
  if (key !== IPC_PRIVATE) {
    let found: T | undefined;
    for (const o of map.values()) if (!o.perm.deleted && o.perm.key === key) { found = o; break; }
    if (found !== undefined) {
      if ((flg & IPC_CREAT) && (flg & IPC_EXCL)) return -EEXIST;
      if (!ipcPermits(t, found.perm, flg & 0o777)) return -EACCES;
      const e = more(found);
      if (e < 0) return e;
      return found.perm.id;
    }
    if ((flg & IPC_CREAT) === 0) return -ENOENT;
  }
  const o = create();
  if (typeof o === 'number') return o;
  return o.perm.id;
}

// ---- shared memory ----

function shmget(t: Task, key: number, size: number, flg: number): number {
  const ns = ipcNs(t);
  return ipcget(t, ns.shms, key, flg, () => {
    if (size < SHMMIN || size > SHMMAX) return -EINVAL;
    if (ns.shms.size >= SHMMNI) return -ENOSPC;
    const id = ns.newId(ns.shms);
    if (id < 0) return -ENOSPC;
    const s = new ShmSeg(ns.mem, ns);
    initPerm(t, ns, s.perm, key | 0, flg, id);
    s.segsz = size; s.cpid = t.tgid; s.ctime = ns.realSec();
    ns.shms.set(id, s);
    return s;
  }, (s) => (size > s.segsz ? -EINVAL : 0));
}

function shmat(t: Task, id: number, addr: number, flg: number): number {
  id |= 0;
  if (id < 0) return -EINVAL;
  let flags = MAP_SHARED;
  if (addr !== 0) {
    if (addr % PAGE !== 0) {
      if (flg & SHM_RND) {
        addr -= addr % PAGE;
        if (addr === 0 && (flg & SHM_REMAP)) return -EINVAL;
      } else return -EINVAL;
    }
    flags |= MAP_FIXED;
  } else if (flg & SHM_REMAP) return -EINVAL;
  const ns = ipcNs(t);
  const s = ns.shms.get(id);
  if (s === undefined) return -EINVAL;
  let prot = PROT_READ, want = S_IRUGO;
  if ((flg & SHM_RDONLY) === 0) { prot |= PROT_WRITE; want |= S_IWUGO; }
  if (flg & SHM_EXEC) { prot |= PROT_EXEC; want |= 0o111; }
  if (!ipcPermits(t, s.perm, want)) return -EACCES;
  const size = Math.ceil(s.segsz / PAGE) * PAGE;
  if (addr !== 0) {
    if (addr + size > USER_TOP || addr + size < addr) return -EINVAL;
    if ((flg & SHM_REMAP) === 0 && !t.mm.isFree(addr, addr + size)) return -EINVAL;
  }
  const b = new ShmBacking(s, (flg & SHM_RDONLY) !== 0);
  const r = t.mm.mmap(addr, size, prot, flags, b, 0, '');
  if (r < 0) return r === -ENOMEM ? -ENOMEM : r;
  s.lpid = t.tgid; s.atime = ns.realSec();
  return r;
}

function shmdt(t: Task, addr: number): number {
  if (addr % PAGE !== 0) return -EINVAL;
  const v = t.mm.find(addr);
  if (v === null || v.start !== addr || !(v.file instanceof ShmBacking) || v.pgoff !== 0) return -EINVAL;
  const b = v.file;
  const end = addr + Math.ceil(b.seg.segsz / PAGE) * PAGE;
  const ranges: [number, number][] = [];
  for (const w of t.mm.vmas) if (w.file === b && w.start >= addr && w.end <= end) ranges.push([w.start, w.end]);
  b.seg.lpid = t.tgid;
  for (const [s, e] of ranges) t.mm.unmap(s, e - s);
  return 0;
}

const SHM_LOCK = 11, SHM_UNLOCK = 12, SHM_STAT = 13, SHM_INFO = 14, SHM_STAT_ANY = 15;
const SEM_STAT = 18, SEM_INFO = 19, SEM_STAT_ANY = 20;
const RLIMIT_MEMLOCK = 8;

/** Pages a segment of s bytes occupies. */
const shmPages = (s: ShmSeg): number => Math.ceil(s.segsz / PAGE);

/** An unsigned long as two little-endian words (values past 2^53 too). */
function setU64(d: DataView, off: number, lo: number, hi: number): void {
  d.setUint32(off, lo >>> 0, true); d.setUint32(off + 4, hi >>> 0, true);
}

function shmctl(t: Task, id: number, cmd: number, buf: number): number {
  id |= 0; cmd = (cmd | 0) & ~IPC_64;
  if (id < 0 || cmd < 0) return -EINVAL;
  const ns = ipcNs(t);
  if (cmd === IPC_INFO) { // struct shminfo64
    const raw = new Uint8Array(72);
    const d = new DataView(raw.buffer);
    setU64(d, 0, 0xfeffffff, 0xffffffff); // SHMMAX = ULONG_MAX - 2^24
    setU64(d, 8, SHMMIN, 0);
    setU64(d, 16, SHMMNI, 0); setU64(d, 24, SHMMNI, 0);
    setU64(d, 32, 0xfeffffff, 0xffffffff); // SHMALL
    copyOut(t.mm, buf, raw);
    return Math.max(0, ns.maxIdx(ns.shms));
  }
  if (cmd === SHM_INFO) { // struct shm_info
    let tot = 0, rss = 0;
    for (const s of ns.shms.values()) { tot += shmPages(s); rss += s.cache.size; }
    const raw = new Uint8Array(48);
    const d = new DataView(raw.buffer);
    d.setInt32(0, ns.shms.size, true);
    d.setUint32(8, tot, true); d.setUint32(16, rss, true);
    copyOut(t.mm, buf, raw);
    return Math.max(0, ns.maxIdx(ns.shms));
  }
  if (cmd === IPC_SET) {
    const raw = new Uint8Array(112);
    copyIn(t.mm, buf, raw, 0, raw.length); // EFAULT before the lookup, as Linux
  }
  const known = [IPC_STAT, IPC_SET, IPC_RMID, SHM_STAT, SHM_STAT_ANY, SHM_LOCK, SHM_UNLOCK];
  if (!known.includes(cmd)) return -EINVAL;
  const byIdx = cmd === SHM_STAT || cmd === SHM_STAT_ANY;
  const s = byIdx ? ns.byIdx(ns.shms, id % IPCMNI) : ns.shms.get(id);
  if (s === undefined) return -EINVAL;
  switch (cmd) {
    case IPC_STAT: case SHM_STAT: case SHM_STAT_ANY: {
      if (cmd !== SHM_STAT_ANY && !ipcPermits(t, s.perm, S_IRUGO)) return -EACCES;
      const raw = new Uint8Array(112);
      const d = new DataView(raw.buffer);
      writePerm(d, s.perm, s.perm.deleted ? SHM_DEST : 0);
      d.setBigUint64(48, BigInt(s.segsz), true);
      d.setBigInt64(56, BigInt(s.atime), true);
      d.setBigInt64(64, BigInt(s.dtime), true);
      d.setBigInt64(72, BigInt(s.ctime), true);
      d.setInt32(80, s.cpid, true); d.setInt32(84, s.lpid, true);
      d.setBigUint64(88, BigInt(s.nattch), true);
      copyOut(t.mm, buf, raw);
      return cmd === IPC_STAT ? 0 : s.perm.id;
    }
    case SHM_LOCK: case SHM_UNLOCK: {
      const e = t.cred.euid;
      if (e !== 0) { // without CAP_IPC_LOCK: owner or creator, and a non-zero RLIMIT_MEMLOCK to lock
        if (e !== s.perm.uid && e !== s.perm.cuid) return -EPERM;
        if (cmd === SHM_LOCK && t.rlim.cur[RLIMIT_MEMLOCK] === 0) return -EPERM;
      }
      if (cmd === SHM_LOCK) {
        if (s.perm.mode & SHM_LOCKED) return 0;
        // user_shm_lock: the locking user's locked pages stay within RLIMIT_MEMLOCK (root: no limit)
        const pages = shmPages(s), had = ns.shmLocked.get(e) ?? 0;
        const lim = t.rlim.cur[RLIMIT_MEMLOCK];
        if (e !== 0 && lim >= 0 && had + pages > Math.floor(lim / PAGE)) return -ENOMEM;
        ns.shmLocked.set(e, had + pages);
        s.lockedBy = e;
        s.perm.mode |= SHM_LOCKED;
      } else if (s.perm.mode & SHM_LOCKED) {
        ns.unlockShm(s);
      }
      return 0;
    }
    case IPC_SET:
      if (!ipcOwner(t, s.perm)) return -EPERM;
      setPerm(t, s.perm, buf);
      s.ctime = ns.realSec();
      return 0;
    default: // IPC_RMID
      if (!ipcOwner(t, s.perm)) return -EPERM;
      s.perm.deleted = true;
      if (s.nattch === 0) ns.destroyShm(s);
      return 0;
  }
}

// ---- semaphores ----

function semget(t: Task, key: number, nsems: number, flg: number): number {
  nsems |= 0;
  if (nsems < 0 || nsems > SEMMSL) return -EINVAL;
  const ns = ipcNs(t);
  return ipcget(t, ns.sems, key, flg, () => {
    if (nsems === 0) return -EINVAL;
    if (ns.sems.size >= SEMMNI) return -ENOSPC;
    const id = ns.newId(ns.sems);
    if (id < 0) return -ENOSPC;
    const s = new SemSet();
    initPerm(t, ns, s.perm, key | 0, flg, id);
    s.vals = new Array<number>(nsems).fill(0);
    s.pids = new Array<number>(nsems).fill(0);
    s.ctime = ns.realSec();
    ns.sems.set(id, s);
    return s;
  }, (s) => (nsems > s.vals.length ? -EINVAL : 0));
}

/** The set a task slept on in semop (to report EIDRM after IPC_RMID woke it). */
const sleptOn = new WeakMap<Task, SemSet>();
registerCkptSide('semop.sleptOn', (o) => sleptOn.get(o as Task), (o, v) => { sleptOn.set(o as Task, v as SemSet); });

function undoMap(ns: IpcNs, t: Task, id: number): Map<number, number> {
  let u = ns.undo.get(t.tgid);
  if (u === undefined) { u = new Map(); ns.undo.set(t.tgid, u); }
  let m = u.get(id);
  if (m === undefined) { m = new Map(); u.set(id, m); }
  return m;
}

function semtimedopImpl(t: Task, id: number, sops: number, nsops: number, timeout: number): number {
  const r = semopTry(t, id | 0, sops, nsops, timeout);
  if (r !== BLOCK) {
    const s = sleptOn.get(t);
    if (s !== undefined) { s.waiters.delete(t); sleptOn.delete(t); }
    t.sleepUntil = -1;
  }
  return r;
}

function semopTry(t: Task, id: number, sops: number, nsops: number, timeout: number): number {
  const prev = sleptOn.get(t);
  if (prev !== undefined && prev.perm.deleted && prev.perm.id === id) return -EIDRM;
  if (nsops < 1 || id < 0) return -EINVAL;
  if (nsops > SEMOPM) return -E2BIG;
  const raw = new Uint8Array(nsops * 6);
  copyIn(t.mm, sops, raw, 0, raw.length);
  const d = new DataView(raw.buffer);
  let deadline = -1;
  if (timeout !== 0) {
    if (t.sleepUntil >= 0) deadline = t.sleepUntil;
    else {
      const sec = readI64(t.mm, timeout), nsec = readI64(t.mm, timeout + 8);
      if (sec < 0 || nsec < 0 || nsec > 999999999) return -EINVAL;
      deadline = t.sleepUntil = t.kernel.now() + sec * 1e9 + nsec;
    }
  }
  const ops: { num: number; op: number; flg: number }[] = [];
  let max = 0, alter = false;
  for (let i = 0; i < nsops; i++) {
    const o = { num: d.getUint16(i * 6, true), op: d.getInt16(i * 6 + 2, true), flg: d.getInt16(i * 6 + 4, true) };
    if (o.num > max) max = o.num;
    if (o.op !== 0) alter = true;
    ops.push(o);
  }
  const ns = ipcNs(t);
  const s = ns.sems.get(id);
  if (s === undefined) return -EINVAL;
  if (max >= s.vals.length) return -EFBIG;
  if (!ipcPermits(t, s.perm, alter ? S_IWUGO : S_IRUGO)) return -EACCES;
  // Try the whole array on a copy: all or nothing.
  const vals = s.vals.slice();
  const adjOf = ns.undo.get(t.tgid)?.get(id);
  const adj = new Map<number, number>(adjOf ?? []);
  let blocked: { num: number; op: number; flg: number } | null = null;
  for (const o of ops) {
    const cur = vals[o.num];
    if (o.op === 0) { if (cur !== 0) { blocked = o; break; } continue; }
    const res = cur + o.op;
    if (res < 0) { blocked = o; break; }
    if (res > SEMVMX) return -ERANGE;
    if (o.flg & SEM_UNDO) {
      const u = (adj.get(o.num) ?? 0) - o.op;
      if (u < -SEMAEM - 1 || u > SEMAEM) return -ERANGE;
      adj.set(o.num, u);
    }
    vals[o.num] = res;
  }
  if (blocked === null) {
    let changed = false;
    for (const o of ops) { s.pids[o.num] = t.tgid; if (o.op !== 0) changed = true; }
    s.vals = vals;
    if (ops.some((o) => o.flg & SEM_UNDO)) {
      const m = undoMap(ns, t, id);
      for (const [k, v] of adj) m.set(k, v);
    }
    s.otime = ns.realSec();
    s.waiters.delete(t);
    if (changed) s.wq.wakeAll();
    return 0;
  }
  if (blocked.flg & IPC_NOWAIT) return -EAGAIN;
  if (t.interrupted) return -EINTR;
  if (deadline >= 0 && t.kernel.now() >= deadline) return -EAGAIN;
  s.waiters.set(t, { num: blocked.num, zero: blocked.op === 0 });
  sleptOn.set(t, s);
  t.blockOn(s.wq);
  if (deadline >= 0) t.kernel.wakeAt(t, deadline);
  return BLOCK;
}

function semop(t: Task, id: number, sops: number, nsops: number): number {
  return semtimedopImpl(t, id, sops, nsops, 0);
}
function semtimedop(t: Task, id: number, sops: number, nsops: number, timeout: number): number {
  return semtimedopImpl(t, id, sops, nsops, timeout);
}

function semctl(t: Task, id: number, num: number, cmd: number, arg: number): number {
  id |= 0; num |= 0; cmd = (cmd | 0) & ~IPC_64;
  if (id < 0) return -EINVAL;
  const ns = ipcNs(t);
  if (cmd === SETVAL) {
    const val = arg | 0;
    if (val > SEMVMX || val < 0) return -ERANGE;
  }
  if (cmd === IPC_INFO || cmd === SEM_INFO) { // struct seminfo
    const raw = new Uint8Array(40);
    const d = new DataView(raw.buffer);
    let used = 0;
    for (const x of ns.sems.values()) used += x.vals.length;
    const semmns = SEMMNI * SEMMSL;
    d.setInt32(0, semmns, true); d.setInt32(4, SEMMNI, true); d.setInt32(8, semmns, true);
    d.setInt32(12, semmns, true); d.setInt32(16, SEMMSL, true); d.setInt32(20, SEMOPM, true);
    d.setInt32(24, SEMOPM, true); d.setInt32(28, cmd === SEM_INFO ? ns.sems.size : 20, true);
    d.setInt32(32, SEMVMX, true); d.setInt32(36, cmd === SEM_INFO ? used : SEMAEM, true);
    copyOut(t.mm, arg, raw);
    return Math.max(0, ns.maxIdx(ns.sems));
  }
  const known = [IPC_STAT, IPC_SET, IPC_RMID, GETPID, GETVAL, GETALL, GETNCNT, GETZCNT, SETVAL, SETALL, SEM_STAT, SEM_STAT_ANY];
  if (!known.includes(cmd)) return -EINVAL;
  if (cmd === IPC_SET) copyIn(t.mm, arg, new Uint8Array(88), 0, 88); // EFAULT before the lookup
  const s = cmd === SEM_STAT || cmd === SEM_STAT_ANY ? ns.byIdx(ns.sems, id % IPCMNI) : ns.sems.get(id);
  if (s === undefined) return -EINVAL;
  const n = s.vals.length;
  const clearUndo = (which: number): void => {
    for (const u of ns.undo.values()) {
      const m = u.get(id);
      if (m === undefined) continue;
      if (which < 0) m.clear(); else m.delete(which);
    }
  };
  switch (cmd) {
    case IPC_STAT: case SEM_STAT: case SEM_STAT_ANY: {
      if (cmd !== SEM_STAT_ANY && !ipcPermits(t, s.perm, S_IRUGO)) return -EACCES;
      const raw = new Uint8Array(88);
      const d = new DataView(raw.buffer);
      writePerm(d, s.perm);
      d.setBigInt64(48, BigInt(s.otime), true);
      d.setBigInt64(56, BigInt(s.ctime), true);
      d.setBigUint64(64, BigInt(n), true);
      copyOut(t.mm, arg, raw);
      return cmd === IPC_STAT ? 0 : s.perm.id;
    }
    case IPC_SET:
      if (!ipcOwner(t, s.perm)) return -EPERM;
      setPerm(t, s.perm, arg);
      s.ctime = ns.realSec();
      return 0;
    case IPC_RMID:
      if (!ipcOwner(t, s.perm)) return -EPERM;
      ns.removeSem(s);
      return 0;
    case GETALL: {
      if (!ipcPermits(t, s.perm, S_IRUGO)) return -EACCES;
      const raw = new Uint8Array(n * 2);
      const d = new DataView(raw.buffer);
      for (let i = 0; i < n; i++) d.setUint16(i * 2, s.vals[i], true);
      copyOut(t.mm, arg, raw);
      return 0;
    }
    case SETALL: {
      if (!ipcPermits(t, s.perm, S_IWUGO)) return -EACCES;
      const raw = new Uint8Array(n * 2);
      copyIn(t.mm, arg, raw, 0, raw.length);
      const d = new DataView(raw.buffer);
      const nv: number[] = [];
      for (let i = 0; i < n; i++) { const v = d.getUint16(i * 2, true); if (v > SEMVMX) return -ERANGE; nv.push(v); }
      s.vals = nv;
      for (let i = 0; i < n; i++) s.pids[i] = t.tgid;
      clearUndo(-1);
      s.ctime = ns.realSec();
      s.wq.wakeAll();
      return 0;
    }
  }
  // Single-semaphore commands.
  const write = cmd === SETVAL;
  if (!ipcPermits(t, s.perm, write ? S_IWUGO : S_IRUGO)) return -EACCES;
  if (num < 0 || num >= n) return -EINVAL;
  switch (cmd) {
    case GETVAL: return s.vals[num];
    case GETPID: return s.pids[num];
    case GETNCNT: return semCount(s, num, false);
    case GETZCNT: return semCount(s, num, true);
    default: // SETVAL
      s.vals[num] = arg | 0;
      s.pids[num] = t.tgid;
      clearUndo(num);
      s.ctime = ns.realSec();
      s.wq.wakeAll();
      return 0;
  }
}

export const ipcSyscalls: SyscallDefs = {
  [NR.shmget]: def('shmget', 'xux', shmget),
  [NR.shmat]: def('shmat', 'dpx', shmat),
  [NR.shmdt]: def('shmdt', 'p', shmdt),
  [NR.shmctl]: def('shmctl', 'ddp', shmctl, 'supported', 'SHM_LOCK marks the segment (memory is never swapped anyway) and counts it against RLIMIT_MEMLOCK'),
  [NR.semget]: def('semget', 'xdx', semget),
  [NR.semop]: def('semop', 'dpu', semop),
  [NR.semtimedop]: def('semtimedop', 'dpup', semtimedop),
  [NR.semctl]: def('semctl', 'dddx', semctl),
};
