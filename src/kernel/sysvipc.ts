// System V IPC objects (svipc(7)): shared memory segments and semaphore sets, one
// namespace per machine (keyed by PhysMem). Layouts per the riscv64 uapi headers.
import type { Task } from './task.js';
import { TaskState } from './task.js';
import type { PhysMem } from '../mm/phys.js';
import type { AddressSpace, Vma, VmBacking } from '../mm/aspace.js';
import { PageCache } from '../fs/pagecache.js';
import { WaitQueue } from '../lib/waitqueue.js';
import { registerCkptState } from '../lib/ckptstate.js';
import type { Kernel } from './kernel.js';

export const IPC_PRIVATE = 0, IPC_CREAT = 0o1000, IPC_EXCL = 0o2000, IPC_NOWAIT = 0o4000;
export const IPC_RMID = 0, IPC_SET = 1, IPC_STAT = 2, IPC_INFO = 3;
export const SHM_RDONLY = 0o10000, SHM_RND = 0o20000, SHM_REMAP = 0o40000, SHM_EXEC = 0o100000;
export const SHM_DEST = 0o1000, SHM_LOCKED = 0o2000;
export const SEM_UNDO = 0x1000;
export const SHMMIN = 1, SHMMAX = 0x7fffffffffffff /* ULONG_MAX - 2^24 rounds above 2^53 */, SHMMNI = 4096;
export const SEMMSL = 32000, SEMOPM = 500, SEMVMX = 32767, SEMAEM = SEMVMX, SEMMNI = 32000;
export const IPCMNI = 32768;
/** Message queue limits (include/uapi/linux/msg.h; the sysctl defaults). */
export const MSGMAX = 8192, MSGMNB = 16384, MSGMNI = 32000;
export const MSG_NOERROR = 0o10000, MSG_EXCEPT = 0o20000, MSG_COPY = 0o40000;

/** ipc64_perm, common to every object. */
export class IpcPerm {
  key = 0; uid = 0; gid = 0; cuid = 0; cgid = 0; mode = 0; seq = 0;
  /** IPC_RMID done (segments linger until the last detach). */
  deleted = false;
  id = 0;
}

export class ShmSeg {
  readonly perm = new IpcPerm();
  segsz = 0; atime = 0; dtime = 0; ctime = 0; cpid = 0; lpid = 0;
  nattch = 0;
  /** The euid whose RLIMIT_MEMLOCK count SHM_LOCK charged. */
  lockedBy = -1;
  readonly cache: PageCache;
  constructor(mem: PhysMem, readonly ns: IpcNs) { this.cache = new PageCache(mem, null); }
}

export class SemSet {
  readonly perm = new IpcPerm();
  otime = 0; ctime = 0;
  vals: number[] = [];
  pids: number[] = [];
  readonly wq = new WaitQueue();
  /** Tasks asleep in semop: the op they wait on (for GETNCNT/GETZCNT). */
  readonly waiters = new Map<Task, { num: number; zero: boolean }>();
}

/** A System V message queue (msgget(2)): messages in arrival order, with byte/count limits. */
export class MsgQueue {
  readonly perm = new IpcPerm();
  stime = 0; rtime = 0; ctime = 0; lspid = 0; lrpid = 0;
  qbytes = MSGMNB;
  cbytes = 0;
  readonly msgs: { type: number; text: Uint8Array }[] = [];
  /** Receivers wait here for a message, senders for room. */
  readonly rwq = new WaitQueue();
  readonly swq = new WaitQueue();
}

/** One attach (shmat call): its VMAs (split pieces and fork copies) share it. */
export class ShmBacking implements VmBacking {
  readonly name: string;
  readonly dev = 0x1;
  readonly ino: number;
  readonly mayWrite: boolean;
  constructor(readonly seg: ShmSeg, rdonly: boolean) {
    this.name = `/SYSV${(seg.perm.key >>> 0).toString(16).padStart(8, '0')}`;
    this.ino = seg.perm.id;
    this.mayWrite = !rdonly;
  }
  getPage(index: number): number {
    if (index * 4096 >= this.seg.segsz) return -2; // PAGE_SIGBUS
    return this.seg.cache.getPage(index, null, false);
  }
  open(as: AddressSpace, vma: Vma): void {
    this.seg.nattch++;
    this.seg.cache.maps.set(vma, as);
  }
  close(_as: AddressSpace, vma: Vma): void {
    const s = this.seg;
    s.cache.maps.delete(vma);
    s.nattch--;
    s.dtime = s.ns.realSec();
    if (s.nattch === 0 && s.perm.deleted) s.ns.destroyShm(s);
  }
  resident(index: number): boolean { return this.seg.cache.has(index); }
}

export class IpcNs {
  readonly shms = new Map<number, ShmSeg>();
  readonly sems = new Map<number, SemSet>();
  readonly msgs = new Map<number, MsgQueue>();
  private seq = 0;
  /** Per process (tgid): semid → semadj per semaphore (SEM_UNDO). */
  readonly undo = new Map<number, Map<number, Map<number, number>>>();
  realSec: () => number = () => Math.floor(Date.now() / 1000);
  constructor(readonly mem: PhysMem) {}

  /** A fresh id for a new object (index + seq * IPCMNI, as Linux builds them). */
  newId(used: Map<number, unknown>): number {
    for (let idx = 0; idx < IPCMNI; idx++) {
      let taken = false;
      for (const id of used.keys()) if (id % IPCMNI === idx) { taken = true; break; }
      if (!taken) { const id = idx + (this.seq++ % 65536) * IPCMNI; return id; }
    }
    return -1;
  }

  /** SHM_LOCK'ed pages per user (user_shm_lock's count against RLIMIT_MEMLOCK). */
  readonly shmLocked = new Map<number, number>();

  unlockShm(s: ShmSeg): void {
    if (!(s.perm.mode & SHM_LOCKED)) return;
    s.perm.mode &= ~SHM_LOCKED;
    const had = this.shmLocked.get(s.lockedBy) ?? 0;
    this.shmLocked.set(s.lockedBy, Math.max(0, had - Math.ceil(s.segsz / 4096)));
  }

  destroyShm(s: ShmSeg): void {
    this.unlockShm(s);
    if (this.shms.get(s.perm.id) === s) this.shms.delete(s.perm.id);
    s.cache.dropAll();
  }

  removeMsg(q: MsgQueue): void {
    q.perm.deleted = true;
    this.msgs.delete(q.perm.id);
    q.msgs.length = 0; q.cbytes = 0;
    q.rwq.wakeAll(); q.swq.wakeAll();
  }

  /** ipc_get_maxidx: the highest index in use, or -1. */
  maxIdx(used: Map<number, unknown>): number {
    let m = -1;
    for (const id of used.keys()) if (id % IPCMNI > m) m = id % IPCMNI;
    return m;
  }

  /** The object at index idx (the *_STAT commands take an index, not an id). */
  byIdx<T>(used: Map<number, T>, idx: number): T | undefined {
    for (const [id, o] of used) if (id % IPCMNI === idx) return o;
    return undefined;
  }

  removeSem(s: SemSet): void {
    s.perm.deleted = true;
    this.sems.delete(s.perm.id);
    for (const m of this.undo.values()) m.delete(s.perm.id);
    s.wq.wakeAll();
  }
}

const namespaces = new WeakMap<PhysMem, IpcNs>();
// Checkpoint: the machine's IPC objects (keyed by its memory; its clock hook is made again).
registerCkptState('sysvipc.ns', (k) => namespaces.get((k as Kernel).mem) ?? null, (v, k) => {
  if (!v) return;
  const ns = v as IpcNs, kk = k as Kernel;
  ns.realSec = () => Math.floor((kk.clock.monoNs() + kk.clock.realOffsetNs) / 1e9);
  namespaces.set(kk.mem, ns);
});
export function ipcNs(t: Task): IpcNs {
  let ns = namespaces.get(t.mm.mem);
  if (ns === undefined) {
    ns = new IpcNs(t.mm.mem);
    const k = t.kernel;
    ns.realSec = () => Math.floor((k.clock.monoNs() + k.clock.realOffsetNs) / 1e9);
    namespaces.set(t.mm.mem, ns);
  }
  return ns;
}

/** ipcperms: may t access an object with `flag` (S_IRUGO/S_IWUGO bits wanted)? */
export function ipcPermits(t: Task, p: IpcPerm, want: number): boolean {
  const c = t.cred;
  let granted = p.mode;
  if (c.euid === p.cuid || c.euid === p.uid) granted >>= 6;
  else if (c.egid === p.cgid || c.egid === p.gid || c.groups.includes(p.gid) || c.groups.includes(p.cgid)) granted >>= 3;
  const req = (want >> 6 | want >> 3 | want) & 7;
  if ((req & ~granted & 7) === 0) return true;
  return c.euid === 0; // CAP_IPC_OWNER
}

/** Owner or creator (or root): may do IPC_SET/IPC_RMID. */
export function ipcOwner(t: Task, p: IpcPerm): boolean {
  const e = t.cred.euid;
  return e === 0 || e === p.uid || e === p.cuid;
}

/** Process exit (last thread): apply the process's SEM_UNDO adjustments. */
export function semExit(t: Task): void {
  const ns = namespaces.get(t.mm.mem);
  if (ns === undefined) return;
  for (const s of ns.sems.values()) s.waiters.delete(t);
  const u = ns.undo.get(t.tgid);
  if (u === undefined) return;
  ns.undo.delete(t.tgid);
  for (const [id, adj] of u) {
    const s = ns.sems.get(id);
    if (s === undefined) continue;
    let changed = false;
    for (const [num, d] of adj) {
      if (d === 0) continue;
      let v = s.vals[num] + d;
      if (v < 0) v = 0;
      if (v > SEMVMX) v = SEMVMX;
      s.vals[num] = v;
      s.pids[num] = t.tgid;
      changed = true;
    }
    if (changed) { s.otime = ns.realSec(); s.wq.wakeAll(); }
  }
}

/** Live waiters only (a task killed while asleep leaves no count behind). */
export function semCount(s: SemSet, num: number, zero: boolean): number {
  let n = 0;
  for (const [w, q] of s.waiters) {
    if (w.state === TaskState.Zombie || w.state === TaskState.Dead) { s.waiters.delete(w); continue; }
    if (q.num === num && q.zero === zero) n++;
  }
  return n;
}
