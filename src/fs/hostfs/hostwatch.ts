// Host change notification for hostfs: one inotify instance (native/inotify.c) watching
// the host directories and files the path walk has validated, so that a cached dentry is
// trusted until an event says its name or file changed, instead of one host lstat per
// walk (three per fork+exec of a busybox: /proc, /bin/true, /bin/busybox). Events are
// read without blocking whenever the walk asks: the host queues them inside the call
// that made the change, so a change (by another host process or by tuml itself) is seen
// as soon as that call has returned, exactly as an lstat would have seen it.
//
// What an event invalidates:
// - in a watched directory, about a child's name: that child's dentry, and the directory
//   itself (its mtime changed);
// - about a directory (IN_ISDIR, or a watched directory moved, deleted or unwatched), or
//   a lost event (IN_Q_OVERFLOW): everything, by a new epoch, since every path below it
//   may now lead elsewhere;
// - on a watched file: that file (written, attributes changed, moved or deleted, through
//   any of its names).
// Where no watch can be had (no addon, a remote or unknown host filesystem, the host's
// watch limit), hostfs revalidates with lstat as before. Not seen, as before: atime
// updates (reads are not events).
import { dgramAddon } from '../../drivers/unixdgram.js';
import {
  IN_MODIFY, IN_ATTRIB, IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE, IN_DELETE_SELF,
  IN_MOVE_SELF, IN_UNMOUNT, IN_Q_OVERFLOW, IN_IGNORED, IN_ONLYDIR, IN_DONT_FOLLOW, IN_ISDIR,
} from '../vfs/fsnotify.js';

/** What a directory's watch reports: its children's names, its attributes, and itself going. */
const DIR_MASK = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW;
/** A file's: its data and attributes (whichever name they were changed through), and itself going. */
const FILE_MASK = IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW;
/** Events that can change where a path below a directory leads. */
const EPOCH_EVENTS = IN_ISDIR | IN_Q_OVERFLOW | IN_UNMOUNT;

/**
 * Host filesystems (statfs f_type) whose changes all pass through this host's kernel, so
 * inotify sees them: ext2/3/4, xfs, btrfs, tmpfs, overlayfs, f2fs. Not NFS, SMB or FUSE,
 * where another machine may change a file unseen.
 */
const LOCAL_FS = new Set([0xef53, 0x58465342, 0x9123683e, 0x01021994, 0x794c7630, 0xf2f52010]);

/** A watched inode: what hostfs keeps per host file (HostInode implements it). */
export interface Watched {
  /** The watch on this inode (-1: none). */
  wd: number;
  /** The epoch in which this inode's host path was last checked; -1: check it again. */
  fresh: number;
  readonly isDir: boolean;
  /** A child's inode by name, if cached (a directory's dentry children). */
  cachedChild(name: string): Watched | undefined;
  /** Names known absent from this directory, in epoch negEpoch (see HostInode.lookup). */
  neg: Set<string> | null;
}

export class HostWatch {
  /** Trust in a fresh mark holds while this is the epoch (see EPOCH_EVENTS). */
  epoch = 0;
  /** The instance failed: every check goes to the host (lstat). */
  broken = false;
  private readonly byWd = new Map<number, Watched>();
  private readonly buf = new Uint8Array(16384);
  private readonly dv = new DataView(this.buf.buffer);
  constructor(private readonly fd: number, private readonly a: NonNullable<ReturnType<typeof dgramAddon>>) {}

  /** Read and apply the waiting events (one non-blocking read when there are none). */
  drain(): void {
    for (;;) {
      const n = this.a.inotifyRead!(this.fd, this.buf);
      if (n < 0) { this.broken = true; this.epoch++; return; }   // cannot happen; trust nothing from now on
      if (n === 0) return;
      for (let o = 0; o + 16 <= n;) {
        const wd = this.dv.getInt32(o, true), mask = this.dv.getUint32(o + 4, true), len = this.dv.getUint32(o + 12, true);
        let name = '';
        if (len > 0) {
          let e = o + 16;
          while (e < o + 16 + len && this.buf[e] !== 0) e++;
          name = Buffer.from(this.buf.buffer, o + 16, e - o - 16).toString('latin1');
        }
        o += 16 + len;
        this.event(wd, mask, name);
      }
    }
  }

  private event(wd: number, mask: number, name: string): void {
    if (mask & EPOCH_EVENTS) this.epoch++;
    const w = this.byWd.get(wd);
    if (w === undefined) return;
    w.fresh = -1;
    if (name !== '') {
      const c = w.cachedChild(name);
      if (c !== undefined) c.fresh = -1;
      if (w.neg !== null) w.neg.delete(name);
    }
    if (mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
      // Its path no longer leads to it: a directory's watch no longer covers its path's names.
      if (w.isDir) this.epoch++;
      this.forget(w);
    }
  }

  /** Watch w's inode at host path p (dir: its names; file: its data). False: not possible. */
  watch(w: Watched, p: Buffer): boolean {
    if (w.wd >= 0) return true;
    if (this.broken) return false;
    const wd = this.a.inotifyAdd!(this.fd, p, w.isDir ? DIR_MASK : FILE_MASK);
    if (wd < 0) return false;
    const other = this.byWd.get(wd);
    // The host inode is watched already for another cached inode (a stale one): trust neither.
    if (other !== undefined && other !== w) { other.fresh = -1; this.epoch++; return false; }
    w.wd = wd;
    this.byWd.set(wd, w);
    return true;
  }

  /** Stop watching w (its host file went away or moved). */
  private forget(w: Watched): void {
    if (w.wd < 0) return;
    this.byWd.delete(w.wd);
    this.a.inotifyRm!(this.fd, w.wd);   // -EINVAL once the host dropped it (IN_IGNORED): harmless
    w.wd = -1;
    w.fresh = -1;
    w.neg = null;
  }
}

let instance: HostWatch | null | undefined;

/**
 * The process's watcher, for a hostfs on a host filesystem of statfs type statfsType; or
 * null: no addon with inotify, no inotify instance, TUML_HOSTFS_LSTAT set, or a host
 * filesystem that inotify cannot vouch for.
 */
export function hostWatchFor(statfsType: number): HostWatch | null {
  if (!LOCAL_FS.has(statfsType) || process.env.TUML_HOSTFS_LSTAT) return null;
  if (instance === undefined) {
    instance = null;
    const a = dgramAddon();
    if (a?.inotifyInit) {
      const fd = a.inotifyInit();
      if (fd >= 0) instance = new HostWatch(fd, a);
    }
  }
  return instance;
}
