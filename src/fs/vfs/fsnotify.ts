// fsnotify: the VFS reports namespace and data changes here; watchers (inotify
// instances, fs/inotify.ts) subscribe per inode. Events follow Linux's fsnotify hooks:
// a child's event goes to watches on the child (no name) and on its parent directory
// (with the child's name); DELETE_SELF/MOVE_SELF/IGNORED only to the inode's own watches.
import type { Inode } from './inode.js';
import type { Dentry } from './dentry.js';
import { registerCkptState, registerCkptSide } from '../../lib/ckptstate.js';

export const IN_ACCESS = 0x1, IN_MODIFY = 0x2, IN_ATTRIB = 0x4, IN_CLOSE_WRITE = 0x8,
  IN_CLOSE_NOWRITE = 0x10, IN_OPEN = 0x20, IN_MOVED_FROM = 0x40, IN_MOVED_TO = 0x80,
  IN_CREATE = 0x100, IN_DELETE = 0x200, IN_DELETE_SELF = 0x400, IN_MOVE_SELF = 0x800,
  IN_UNMOUNT = 0x2000, IN_Q_OVERFLOW = 0x4000, IN_IGNORED = 0x8000,
  IN_ONLYDIR = 0x1000000, IN_DONT_FOLLOW = 0x2000000, IN_EXCL_UNLINK = 0x4000000,
  IN_MASK_CREATE = 0x10000000, IN_MASK_ADD = 0x20000000, IN_ISDIR = 0x40000000, IN_ONESHOT = 0x80000000;
export const IN_ALL_EVENTS = 0xfff;
/** Events a directory watch also receives for its children. */
const CHILD_EVENTS = IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_OPEN;

/** A watch on one inode, owned by a watcher (an inotify instance). */
export interface Watch {
  readonly inode: Inode;
  mask: number;
  readonly wd: number;
  readonly owner: Watcher;
}
export interface Watcher {
  /** Queue an event for this watch; the watcher may drop the watch (IN_ONESHOT). */
  event(w: Watch, mask: number, cookie: number, name: string): void;
  /** The watch is gone because its inode went away (queue IN_IGNORED, forget it). */
  dropped(w: Watch): void;
}

const watches = new WeakMap<Inode, Set<Watch>>();
let nWatches = 0;
let nextCookie = 1;
// Checkpoint: the watches on saved inodes, and the counters.
registerCkptSide('fsnotify.watches', (o) => watches.get(o as Inode), (o, v) => { watches.set(o as Inode, v as Set<Watch>); });
registerCkptState('fsnotify.counts', () => [nWatches, nextCookie], (v) => { [nWatches, nextCookie] = v as number[]; });
/** Open references (file descriptions) per inode: an unlinked inode is deleted at the last. */
const openRefs = new WeakMap<Inode, number>();

export function addWatch(w: Watch): void {
  let s = watches.get(w.inode);
  if (!s) { s = new Set(); watches.set(w.inode, s); }
  s.add(w);
  nWatches++;
}
export function removeWatch(w: Watch): void {
  const s = watches.get(w.inode);
  if (s && s.delete(w)) nWatches--;
}

function deliver(inode: Inode, mask: number, cookie: number, name: string): void {
  const s = watches.get(inode);
  if (!s) return;
  for (const w of [...s]) {
    if ((w.mask & mask & IN_ALL_EVENTS) === 0) continue;
    w.owner.event(w, mask & ((w.mask & IN_ALL_EVENTS) | IN_ISDIR), cookie, name);
  }
}

/** An event on inode reached through dentry d (d gives the parent and the name). */
export function notifyInode(inode: Inode, d: Dentry | null, mask: number): void {
  if (nWatches === 0) return;
  if (inode.isDir) mask |= IN_ISDIR;
  // The parent's watch (with the name) sees the event before the inode's own watch.
  if (d && !d.isRoot && (mask & CHILD_EVENTS)) deliver(d.parent.inode, mask, 0, d.name);
  deliver(inode, mask, 0, '');
}

/** A name appeared in or left a directory (IN_CREATE, IN_DELETE). */
export function notifyDir(dir: Inode, child: Inode, mask: number, name: string): void {
  if (nWatches === 0) return;
  deliver(dir, mask | (child.isDir ? IN_ISDIR : 0), 0, name);
}

/** rename: MOVED_FROM/MOVED_TO with one cookie, MOVE_SELF on the moved inode. */
export function notifyMove(oldDir: Inode, oldName: string, newDir: Inode, newName: string, moved: Inode): void {
  if (nWatches === 0) return;
  const cookie = nextCookie++;
  const isdir = moved.isDir ? IN_ISDIR : 0;
  deliver(oldDir, IN_MOVED_FROM | isdir, cookie, oldName);
  deliver(newDir, IN_MOVED_TO | isdir, cookie, newName);
  deliver(moved, IN_MOVE_SELF | isdir, 0, '');
}

/** A link count dropped (unlink, rename over it): IN_ATTRIB, and deletion when unreferenced. */
export function notifyLinkDrop(victim: Inode): void {
  if (nWatches === 0) return;
  if (!victim.isDir) deliver(victim, IN_ATTRIB, 0, '');
  maybeDeleted(victim);
}

/** IN_DELETE_SELF + IN_IGNORED once an inode has no links and no open files. */
export function maybeDeleted(inode: Inode): void {
  if (nWatches === 0) return;
  const gone = inode.isDir ? inode.nlink === 0 || dirRemoved.has(inode) : inode.nlink === 0;
  if (!gone) return;
  if ((openRefs.get(inode) ?? 0) > 0) return;
  const s = watches.get(inode);
  if (!s) return;
  deliver(inode, IN_DELETE_SELF | (inode.isDir ? IN_ISDIR : 0), 0, '');
  for (const w of [...s]) { removeWatch(w); w.owner.dropped(w); }
}

/** rmdir'd directories (their nlink may not drop to 0 on every filesystem). */
const dirRemoved = new WeakSet<Inode>();
registerCkptSide('fsnotify.dirRemoved', (o) => (dirRemoved.has(o as Inode) ? true : undefined), (o) => { dirRemoved.add(o as Inode); });
export function notifyRmdir(victim: Inode): void {
  dirRemoved.add(victim);
  maybeDeleted(victim);
}

/** File description references (File.get/put): opens and last closes. */
export function fileRef(inode: Inode, delta: number): void {
  const n = (openRefs.get(inode) ?? 0) + delta;
  if (n <= 0) openRefs.delete(inode); else openRefs.set(inode, n);
  if (n <= 0 && delta < 0) maybeDeleted(inode);
}
export function hasWatches(): boolean { return nWatches > 0; }
