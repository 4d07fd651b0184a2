// Per-process filesystem context: root, cwd and umask (CLONE_FS shares the object).
import { Path } from './mount.js';
import { newTmpfsRoot } from './bootroot.js';

const live = new Set<WeakRef<FsContext>>();
/** Each context's entry in `live`, so that release() takes it out (a fork loop adds one per fork). */
const refOf = new WeakMap<FsContext, WeakRef<FsContext>>();
function track(c: FsContext): void { const r = new WeakRef(c); live.add(r); refOf.set(c, r); }

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
    track(this);
  }

  clone(): FsContext {
    const c = new FsContext(this.root, this.cwd);
    c.umask = this.umask;
    return c;
  }

  /** The last task using this context exited (lets umount stop counting its cwd). */
  release(): void {
    this.released = true;
    const r = refOf.get(this);
    if (r !== undefined) { live.delete(r); refOf.delete(this); }
  }
}

/** Restore: a context rebuilt from a checkpoint joins the live set. */
export function trackFsContext(c: FsContext): void { track(c); }
