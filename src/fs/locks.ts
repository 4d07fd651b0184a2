// Advisory file locks: flock(2) locks (owned by the open file description) and fcntl
// record locks, both POSIX (owned by the process's fd table, as Linux's fl_owner =
// current->files; released when the process closes any fd of the file) and OFD locks
// (owned by the open file description, released on its last close). Blocking requests
// sleep on the inode's lock queue and are re-executed when a lock goes away.
import { EAGAIN, EINVAL, EBADF, EDEADLK } from '../abi/linux/errno.js';
import { F_RDLCK, F_WRLCK, F_UNLCK } from '../abi/linux/fcntl.js';
import { BLOCK, WaitQueue } from '../lib/waitqueue.js';
import type { Inode } from './vfs/inode.js';
import type { File, Sleeper } from './vfs/file.js';
import { registerCkptState, registerCkptSide } from '../lib/ckptstate.js';

export const LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

interface FlockEntry { file: File; excl: boolean; }

/** One byte-range lock; end is inclusive (Infinity: to the end of the file and beyond). */
export interface RangeLock {
  owner: object;
  /** POSIX locks report the owning process; OFD locks report -1. */
  pid: number;
  ofd: boolean;
  type: number; // F_RDLCK | F_WRLCK
  start: number;
  end: number;
}

export class LockState {
  flocks: FlockEntry[] = [];
  ranges: RangeLock[] = [];
  readonly wq = new WaitQueue();
}

const states = new WeakMap<Inode, LockState>();
// Checkpoint/restore: an inode's locks and lock waiters, if any.
registerCkptSide('locks', (o) => {
  const l = states.get(o as Inode);
  return l && (l.flocks.length || l.ranges.length || !l.wq.empty) ? l : undefined;
}, (o, v) => { states.set(o as Inode, v as LockState); });
function stateOf(inode: Inode, create: true): LockState;
function stateOf(inode: Inode, create: false): LockState | undefined;
function stateOf(inode: Inode, create: boolean): LockState | undefined {
  let s = states.get(inode);
  if (!s && create) { s = new LockState(); states.set(inode, s); }
  return s;
}

// ---- flock ---------------------------------------------------------------------------

/** flock(2) on file (whose inode is inode). */
export function flock(inode: Inode, file: File, op: number, s: Sleeper): number {
  const nb = (op & LOCK_NB) !== 0;
  const cmd = op & ~LOCK_NB;
  if (cmd !== LOCK_SH && cmd !== LOCK_EX && cmd !== LOCK_UN) return -EINVAL;
  const st = stateOf(inode, true);
  const mine = st.flocks.findIndex((e) => e.file === file);
  if (cmd === LOCK_UN) {
    if (mine >= 0) { st.flocks.splice(mine, 1); st.wq.wakeAll(); }
    return 0;
  }
  const excl = cmd === LOCK_EX;
  if (mine >= 0 && st.flocks[mine].excl === excl) return 0;
  const conflict = st.flocks.some((e) => e.file !== file && (e.excl || excl));
  if (conflict) {
    // A conversion drops the old lock first (Linux: not atomic).
    if (mine >= 0) { st.flocks.splice(mine, 1); st.wq.wakeAll(); }
    if (nb) return -EAGAIN;
    s.blockOn(st.wq);
    return BLOCK;
  }
  if (mine >= 0) st.flocks[mine].excl = excl;
  else st.flocks.push({ file, excl });
  return 0;
}

// ---- record locks --------------------------------------------------------------------

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** The first lock of another owner that conflicts with the request (F_GETLK), or null. */
export function findConflict(inode: Inode, owner: object, type: number, start: number, end: number): RangeLock | null {
  const st = stateOf(inode, false);
  if (!st) return null;
  for (const l of st.ranges) {
    if (l.owner === owner) continue;
    if (!overlaps(l, { start, end })) continue;
    if (type === F_WRLCK || l.type === F_WRLCK) return l;
  }
  return null;
}

/** Replace owner's locks in [start, end] with type (F_UNLCK removes them). */
function applyRange(st: LockState, owner: object, pid: number, ofd: boolean, type: number, start: number, end: number): void {
  const out: RangeLock[] = [];
  for (const l of st.ranges) {
    if (l.owner !== owner || !overlaps(l, { start, end })) { out.push(l); continue; }
    if (l.start < start) out.push({ ...l, end: start - 1 });
    if (l.end > end) out.push({ ...l, start: end + 1 });
  }
  if (type !== F_UNLCK) {
    let n: RangeLock = { owner, pid, ofd, type, start, end };
    // Merge with adjacent locks of the same owner and type.
    for (let i = out.length - 1; i >= 0; i--) {
      const l = out[i];
      if (l.owner !== owner || l.type !== type) continue;
      if (l.end + 1 === n.start || n.end + 1 === l.start || overlaps(l, n)) {
        n = { ...n, start: Math.min(l.start, n.start), end: Math.max(l.end, n.end) };
        out.splice(i, 1);
      }
    }
    out.push(n);
  }
  out.sort((a, b) => a.start - b.start);
  st.ranges = out;
}

/** Owners waiting for a lock, and whom they wait for (EDEADLK detection for POSIX locks). */
const waitsFor = new Map<object, object>();
registerCkptState('locks.waitsFor', () => waitsFor, (v) => { waitsFor.clear(); for (const [a, b] of v as Map<object, object>) waitsFor.set(a, b); });

/**
 * F_SETLK/F_SETLKW (and the OFD variants): set or clear a lock on [start, end] for owner.
 * wait: sleep while another owner's lock conflicts.
 */
export function setRangeLock(inode: Inode, owner: object, pid: number, ofd: boolean, type: number,
  start: number, end: number, wait: boolean, s: Sleeper, interrupted: boolean): number {
  if (type !== F_RDLCK && type !== F_WRLCK && type !== F_UNLCK) return -EINVAL;
  const st = stateOf(inode, true);
  if (type !== F_UNLCK) {
    const c = findConflict(inode, owner, type, start, end);
    if (c) {
      if (!wait) return -EAGAIN;
      if (interrupted) { waitsFor.delete(owner); return BLOCK; }
      if (!ofd && !c.ofd) {
        // Deadlock: the holder (transitively) waits for a lock we hold.
        let o: object | undefined = c.owner;
        for (let i = 0; o && i < 64; i++) {
          if (o === owner) { waitsFor.delete(owner); return -EDEADLK; }
          o = waitsFor.get(o);
        }
        waitsFor.set(owner, c.owner);
      }
      s.blockOn(st.wq);
      return BLOCK;
    }
  }
  waitsFor.delete(owner);
  applyRange(st, owner, pid, ofd, type, start, end);
  st.wq.wakeAll();
  return 0;
}

/** A process closed an fd of this inode: its POSIX locks on the file go away. */
export function releasePosixLocks(inode: Inode, owner: object): void {
  waitsFor.delete(owner); // a process that closes files is not asleep in F_SETLKW
  const st = stateOf(inode, false);
  if (!st || st.ranges.length === 0) return;
  const n = st.ranges.length;
  st.ranges = st.ranges.filter((l) => l.owner !== owner);
  if (st.ranges.length !== n) st.wq.wakeAll();
}

/** Last close of an open file description: its flock and OFD locks go away. */
export function releaseFileLocks(inode: Inode, file: File): void {
  const st = stateOf(inode, false);
  if (!st) return;
  const a = st.flocks.length, b = st.ranges.length;
  if (a) st.flocks = st.flocks.filter((e) => e.file !== file);
  if (b) st.ranges = st.ranges.filter((l) => l.owner !== file);
  if (st.flocks.length !== a || st.ranges.length !== b) st.wq.wakeAll();
}

/** Locks on an inode, for /proc/locks-style listings and tests. */
export function locksOf(inode: Inode): { flocks: number; ranges: readonly RangeLock[] } {
  const st = stateOf(inode, false);
  return { flocks: st ? st.flocks.length : 0, ranges: st ? st.ranges : [] };
}
void EBADF;
