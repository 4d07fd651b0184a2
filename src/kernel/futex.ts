// Futexes: wait queues keyed by a user address. Private futexes are keyed by (address
// space, virtual address); shared ones in MAP_SHARED memory by (page cache or shared
// memory object, offset), so processes mapping the same memory meet on one key. A shared
// futex in private memory is keyed by (address space, address) with its own tag, as
// Linux does (FUT_OFF_MMSHARED): it never matches a private futex at the same address.
//
// Blocking follows the restart model: a waiter sleeps on its own t.futexQ and the table
// keeps the FIFO order per key. A woken waiter re-executes FUTEX_WAIT and finds
// t.futexWoken set (it returns 0); requeue just changes t.futexKey.
import { Task, TaskState } from './task.js';
import type { AddressSpace } from '../mm/aspace.js';
import { MAP_SHARED } from '../abi/linux/mman.js';
import { readU32, readI32, writeU32 } from '../mm/usercopy.js';
import { registerCkptState, registerCkptSide } from '../lib/ckptstate.js';

const ids = new WeakMap<object, number>();
let nextId = 1;
// Checkpoint: futex keys name objects by these ids, so they are kept with the objects.
registerCkptSide('futex.id', (o) => ids.get(o), (o, v) => { ids.set(o, v as number); });
registerCkptState('futex.nextId', () => nextId, (v) => { nextId = v as number; });
function idOf(o: object): number {
  let i = ids.get(o);
  if (i === undefined) { i = nextId++; ids.set(o, i); }
  return i;
}

/** The key of the futex word at uaddr in mm (shared unless `priv`). */
export function futexKey(mm: AddressSpace, uaddr: number, priv: boolean): string {
  if (priv) return `p${idOf(mm)}:${uaddr}`;
  const v = mm.find(uaddr);
  if (v !== null && (v.flags & MAP_SHARED) !== 0 && v.file !== null) {
    // Page-cache backings of one file share their PageCache; shared anonymous memory
    // is one backing object shared by every mapping of it (fork copies the VMA).
    const f = v.file as unknown as { cache?: object };
    const obj: object = f.cache ?? v.file;
    return `s${idOf(obj)}:${v.pgoff * 4096 + (uaddr - v.start)}`;
  }
  return `m${idOf(mm)}:${uaddr}`;
}

/** Per-kernel futex table: key → waiters in arrival order. */
export class FutexTable {
  private readonly q = new Map<string, Task[]>();

  /** Is t still sleeping in a futex wait on `key`? (entries of woken/interrupted tasks are stale) */
  private static waiting(t: Task, key: string): boolean {
    // Asleep (or stopped while asleep). A task made runnable by a stray wake-up or a
    // signal is not: it re-executes FUTEX_WAIT and checks the word again, like a waiter
    // that has not queued yet.
    return t.futexKey === key && !t.futexWoken &&
      (t.state === TaskState.Blocked || t.state === TaskState.Stopped);
  }

  /** Put t (already blocked on t.futexQ) at the tail of key's queue, unless it is queued there. */
  enqueue(t: Task, key: string): void {
    let l = this.q.get(key);
    if (l === undefined) { l = []; this.q.set(key, l); }
    if (!l.includes(t)) l.push(t);
  }

  /** Remove t from key's queue. */
  dequeue(t: Task, key: string): void {
    const l = this.q.get(key);
    if (l === undefined) return;
    const i = l.indexOf(t);
    if (i >= 0) l.splice(i, 1);
    if (l.length === 0) this.q.delete(key);
  }

  /** Live waiters on key (pruning stale entries). */
  private live(key: string): Task[] {
    const l = this.q.get(key);
    if (l === undefined) return [];
    const out = l.filter((t) => FutexTable.waiting(t, key));
    if (out.length === 0) this.q.delete(key); else if (out.length !== l.length) this.q.set(key, out);
    return out;
  }

  /** Wake up to n waiters on key whose bitset intersects `bitset`; returns how many. */
  wake(key: string, n: number, bitset = -1): number {
    if (n <= 0) return 0;
    const l = this.live(key);
    let woken = 0;
    for (const t of l) {
      if (woken >= n) break;
      if ((t.futexBitset & bitset) === 0) continue;
      this.dequeue(t, key);
      wakeWaiter(t);
      woken++;
    }
    return woken;
  }

  /** Wake n waiters on key1 and move up to nreq of the rest to key2; returns woken + moved. */
  requeue(key1: string, key2: string, n: number, nreq: number): number {
    const woken = this.wake(key1, n);
    let moved = 0;
    for (const t of this.live(key1)) {
      if (moved >= nreq) break;
      this.dequeue(t, key1);
      t.futexKey = key2;
      this.enqueue(t, key2);   // onto the same key: to the tail, as Linux does
      moved++;
    }
    return woken + moved;
  }
}

/** Mark t woken by FUTEX_WAKE and make it leave its sleep (also if it is stopped now). */
function wakeWaiter(t: Task): void {
  t.futexWoken = true;
  if (t.state === TaskState.Blocked) { t.wake(); return; }
  // A stopped waiter re-executes the wait on SIGCONT and finds futexWoken.
  t.futexQ.remove(t);
  const i = t.waitingOn.indexOf(t.futexQ);
  if (i >= 0) t.waitingOn.splice(i, 1);
}

const tables = new WeakMap<object, FutexTable>();
registerCkptState('futex.table', (k) => tables.get(k) ?? null, (v, k) => { if (v) tables.set(k, v as FutexTable); });
/** The futex table of t's kernel. */
export function futexTable(t: Task): FutexTable {
  let ft = tables.get(t.kernel);
  if (ft === undefined) { ft = new FutexTable(); tables.set(t.kernel, ft); }
  return ft;
}

/** Forget t's futex wait (it returns from the syscall or exits). */
export function futexDone(t: Task): void {
  if (t.futexKey !== null) futexTable(t).dequeue(t, t.futexKey);
  t.futexKey = null; t.futexWoken = false; t.futexDeadline = -1; t.futexTimed = false;
  const i = t.waitingOn.indexOf(t.futexQ);
  if (i >= 0) { t.waitingOn.splice(i, 1); t.futexQ.remove(t); }
  if (t.sleepTimer !== null) { t.kernel.timers.cancel(t.sleepTimer); t.sleepTimer = null; }
}

/** FUTEX_WAKE on a shared futex (CLONE_CHILD_CLEARTID, robust-list cleanup). */
export function futexWakeShared(t: Task, uaddr: number, n: number): number {
  if (uaddr % 4 !== 0) return 0;
  return futexTable(t).wake(futexKey(t.mm, uaddr, false), n);
}

// Robust futexes (linux/futex.h).
export const FUTEX_WAITERS = 0x80000000, FUTEX_OWNER_DIED = 0x40000000, FUTEX_TID_MASK = 0x3fffffff;
const ROBUST_LIST_LIMIT = 2048;

/** A 64-bit user word as a number (exact for addresses and small negative offsets). */
function readPtr(mm: AddressSpace, va: number): number {
  return readU32(mm, va) + readI32(mm, va + 4) * 4294967296;
}

/** handle_futex_death: the owner t died holding the futex at uaddr. */
function futexDeath(t: Task, uaddr: number): void {
  if (uaddr % 4 !== 0) return;
  const v = readU32(t.mm, uaddr);
  if ((v & FUTEX_TID_MASK) !== t.tid) return;
  const nv = ((v & FUTEX_WAITERS) | FUTEX_OWNER_DIED) >>> 0;
  writeU32(t.mm, uaddr, nv);
  if ((v & FUTEX_WAITERS) !== 0) futexWakeShared(t, uaddr, 1);
}

/** exit_robust_list: walk t's robust list (bounded) and release the futexes it still holds. */
export function exitRobustList(t: Task): void {
  const head = t.robustList;
  t.robustList = 0;
  if (head === 0) return;
  try {
    const mm = t.mm;
    let entry = readPtr(mm, head);
    const foff = readPtr(mm, head + 8);
    const pendingRaw = readPtr(mm, head + 16);
    const pending = pendingRaw - (pendingRaw % 2);
    for (let n = 0; entry !== head && n < ROBUST_LIST_LIMIT; n++) {
      const e = entry - (entry % 2);
      if (e === 0) break;
      const next = readPtr(mm, e);
      if (e !== pending) futexDeath(t, e + foff);
      entry = next;
    }
    if (pending !== 0) futexDeath(t, pending + foff);
  } catch { /* a bad list ends the walk, as in Linux */ }
}
