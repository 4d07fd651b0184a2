// Mounts and the mount tree. A Path is (mount, dentry); the path walk steps into the
// mount on a dentry (followDown) and out of a mount root on `..` (followUp).
import type { Dentry } from './dentry.js';
import type { SuperBlock } from './inode.js';
import { MS_RDONLY } from '../../abi/linux/fs.js';
import { registerCkptState } from '../../lib/ckptstate.js';

export interface Path { readonly mnt: Mount; readonly d: Dentry; }

let nextMountId = 20;
registerCkptState('mount.nextId', () => nextMountId, (v) => { nextMountId = v as number; });

export class Mount {
  readonly id = nextMountId++;
  /** Mounts stacked on dentries of this mount. */
  readonly children = new Map<Dentry, Mount>();
  parent: Mount | null = null;
  mountpoint: Dentry | null = null;
  /** Detached (umount) but possibly still referenced by open files/cwds. */
  detached = false;
  /** Open files on this mount (umount's EBUSY check). */
  openFiles = 0;

  constructor(
    readonly sb: SuperBlock,
    readonly root: Dentry,
    public flags: number,
    readonly source: string,
    readonly fstype: string,
    readonly ns: MountNs,
  ) {}

  get readonly(): boolean { return (this.flags & MS_RDONLY) !== 0 || this.sb.readonly; }
}

/** The mount namespace: every mount, for /proc/mounts and umount. */
export class MountNs {
  readonly mounts: Mount[] = [];
  rootMount: Mount | null = null;

  add(m: Mount): void { this.mounts.push(m); }

  /** Attach child on (parent, mountpoint). */
  attach(child: Mount, parent: Mount, mp: Dentry): void {
    child.parent = parent;
    child.mountpoint = mp;
    parent.children.set(mp, child);
    mp.mounted++;
  }

  /** Detach m (and, recursively, its children) from the tree. */
  detach(m: Mount): void {
    for (const c of [...m.children.values()]) this.detach(c);
    if (m.parent && m.mountpoint) {
      if (m.parent.children.get(m.mountpoint) === m) m.parent.children.delete(m.mountpoint);
      m.mountpoint.mounted--;
    }
    m.detached = true;
    const i = this.mounts.indexOf(m);
    if (i >= 0) this.mounts.splice(i, 1);
    if (!this.mounts.some((o) => o.sb === m.sb)) m.sb.kill();
  }

  /** Mounts in tree order (parents before children) for /proc/mounts. */
  ordered(): Mount[] { return this.mounts.slice(); }
}

/** While a mount sits on p's dentry, step into it. */
export function followDown(p: Path): Path {
  let { mnt, d } = p;
  while (d.mounted > 0) {
    const c = mnt.children.get(d);
    if (!c) break;
    mnt = c; d = c.root;
  }
  return mnt === p.mnt ? p : { mnt, d };
}

export function samePath(a: Path, b: Path): boolean { return a.mnt === b.mnt && a.d === b.d; }

/** The absolute path of p as seen from root (getcwd, /proc/PID/cwd). */
export function pathName(p: Path, root: Path): string {
  const parts: string[] = [];
  let { mnt, d } = p;
  let reachable = true;
  for (;;) {
    if (mnt === root.mnt && d === root.d) break;
    if (d === mnt.root) {
      if (!mnt.parent || !mnt.mountpoint) { reachable = false; break; }
      d = mnt.mountpoint; mnt = mnt.parent; continue;
    }
    if (d.isRoot) { reachable = false; break; }
    parts.push(d.name);
    d = d.parent;
  }
  let s = '/' + parts.reverse().join('/');
  if (!reachable) s = '(unreachable)' + (s === '/' ? '' : s);
  return s;
}
