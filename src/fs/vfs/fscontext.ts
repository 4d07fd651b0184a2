// Per-process filesystem context: root, cwd and umask (CLONE_FS shares the object).
import { Path } from './mount.js';
import { newTmpfsRoot } from './bootroot.js';

/**
 * Contexts in use: made and not yet released (the last task using one exited). A plain
 * set, not weak references: a CPU profile of a fork+exec loop put ~4 µs a fork on creating
 * the WeakRef (not measurable in the loop's time: session 11).
 */
const live = new Set<FsContext>();
function track(c: FsContext): void { live.add(c); }

/** Contexts still in use (umount's EBUSY check, pivot_root's root/cwd switch). */
export function liveContexts(): FsContext[] { return [...live]; }

export class FsContext {
  umask = 0o022;
  root: Path;
  cwd: Path;
  /** Tasks sharing this context (CLONE_FS); the kernel calls release() when it drops to 0. */
  users = 1;

  /** Without a root, the context gets a fresh empty tmpfs (useful in tests). */
  constructor(root?: Path, cwd?: Path) {
    this.root = root ?? newTmpfsRoot();
    this.cwd = cwd ?? this.root;
    track(this);
  }

  clone(): FsContext {
    const c = new FsContext(this.root, this.cwd);
    c.umask = this.umask;
    return c;
  }

  /** The last task using this context exited (lets umount stop counting its cwd). */
  release(): void { live.delete(this); }
}

/** Restore: a context rebuilt from a checkpoint joins the live set. */
export function trackFsContext(c: FsContext): void { track(c); }
