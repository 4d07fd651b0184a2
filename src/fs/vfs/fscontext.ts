// Per-process filesystem context: root, cwd and umask (CLONE_FS shares the object).
import { Path } from './mount.js';
import { newTmpfsRoot } from './bootroot.js';

const live = new Set<WeakRef<FsContext>>();

/** Contexts still in use (umount's EBUSY check, pivot_root's root/cwd switch). */
export function liveContexts(): FsContext[] {
  const out: FsContext[] = [];
  for (const w of live) {
    const c = w.deref();
    if (!c || c.released) live.delete(w); else out.push(c);
  }
  return out;
}

export class FsContext {
  umask = 0o022;
  root: Path;
  cwd: Path;
  /** Tasks sharing this context (CLONE_FS); the kernel calls release() when it drops to 0. */
  users = 1;
  /** Set by release(): the owner (a process) is gone. */
  released = false;

  /** Without a root, the context gets a fresh empty tmpfs (useful in tests). */
  constructor(root?: Path, cwd?: Path) {
    this.root = root ?? newTmpfsRoot();
    this.cwd = cwd ?? this.root;
    live.add(new WeakRef(this));
  }

  clone(): FsContext {
    const c = new FsContext(this.root, this.cwd);
    c.umask = this.umask;
    return c;
  }

  /** The last task using this context exited (lets umount stop counting its cwd). */
  release(): void { this.released = true; }
}

/** Restore: a context rebuilt from a checkpoint joins the live set. */
export function trackFsContext(c: FsContext): void { live.add(new WeakRef(c)); }
